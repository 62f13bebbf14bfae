// A simulated school year of the warning network (docs/performance.md
// "A simulated school year of the warning network (bench/network)").
//
//   network_bench [--scale district|city|small] [--days N] [--seed S]
//                 [--step-minutes M] [--critical-per-hour R]
//                 [--reports-per-hour R] [--night-share F]
//                 [--day-start H] [--day-end H] [--responsive PCT]
//                 [--ack-min MIN] [--ack-max MIN] [--drain-hours H]
//                 [--crisis-members N] [--level1-ack-minutes MIN]
//                 [--report-step class|psych_centre]
//                 [--asleep-from H --asleep-until H [--on-duty STEP]]
//                 [--inform 1|0] [--db URL]
//
// Generates the demo city of the scale into a fresh database (a temporary
// SQLite file unless --db names an empty one), gives the network's owners
// accounts (the demo has staff for every unit but accounts only for its
// demo roles) and runs N school days back
// to back on a fake clock. Risk signals arrive as a Poisson process: during
// school hours (--day-start to --day-end, Asia/Shanghai) critical screening
// answers at --critical-per-hour and immediate-danger peer reports at
// --reports-per-hour over the whole demo, at night --night-share of those
// rates. Each raises its warning through warning::RaiseAndInformIn as the
// event subscriptions do (a critical answer: 一级 to the psychology centre;
// an immediate-danger observation: 一级 to the class, or to --report-step),
// so that it is made known at once (知会) to warning::InformedSteps — the
// psychology centre above a report's class, the school leaders — whose
// accounts may acknowledge it as its owners may (--inform 0: RaiseIn
// alone, the first owners only, as before 知会).
// Whenever a warning reaches a step (raised, or escalated by the job
// runner) its owners are warning::OwnersOf that step: an owner (or an
// informed account) is
// responsive (--responsive %, decided by a hash of the account id and the
// seed) and acknowledges through EscalationService::Acknowledge — what POST
// /api/v1/network/warnings/{id}/acknowledgement calls, with the owner's
// grants — a uniform --ack-min…--ack-max minutes after the warning reached
// him (or after his quiet hours --asleep-from…--asleep-until, if given,
// unless he owns the --on-duty step); or never opens his inbox. The job runner runs the escalation
// handlers as app.cc declares them. The clock moves from event to event
// (a signal, an acknowledgement, the next due job), at most --step-minutes
// at a time, so deadlines are met to the microsecond. After the last day
// the clock runs --drain-hours more without new signals.
//
// Prints one line of figures: per signal, simulated minutes from raise to
// the first acknowledgement by anyone in the chain (p50/p95/max over the
// acknowledged ones; by the step the first acknowledger was told as),
// signals still open with a pending escalation, and
// signals left with neither an acknowledgement nor an open escalation (the
// top of the chain reached with nobody answering). Exits 1 when any is
// left. Deterministic for a seed (on one standard library).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "audit/audit.h"
#include "common/warning_demo.h"
#include "core/clock.h"
#include "core/ids.h"
#include "db/database.h"
#include "db/row.h"
#include "demo/demo.h"
#include "fmt/format.h"
#include "jobs/jobs.h"
#include "policy/model.h"
#include "warning/escalation.h"
#include "warning/escalation_service.h"
#include "warning/inform.h"

namespace {

using namespace xq;

struct Args {
  std::string scale = "district";
  int days = 190;
  uint64_t seed = 1;
  double step_minutes = 5;
  double critical_per_hour = 1.0;
  double reports_per_hour = 0.5;
  double night_share = 0.1;
  int day_start = 8, day_end = 18;
  int asleep_from = -1, asleep_until = -1;  // owners' quiet hours, -1: none
  std::string on_duty;                      // a step whose owners have no quiet hours
  int responsive = 70;
  double ack_min = 5, ack_max = 40;
  double drain_hours = 24;
  int crisis_members = 3;
  double level1_ack_minutes = 0;      // 0: the default deadline (1 h)
  std::string report_step = "class";  // first owners of an immediate-danger report
  bool inform = true;                 // 一级 made known at once beyond the first owners (知会)
  std::string db;
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "network_bench: %s\n", what.c_str());
  return 1;
}

struct Student {
  int64_t id, school_id;
  std::string path;
};

// splitmix64: the responsive owners are a fixed share of the accounts.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Signal {
  int64_t raised_at = 0;
  int64_t first_ack_at = 0;  // 0: none yet
  std::string first_ack_step;
  std::string step;  // the step whose owners were last told
  std::string kind;  // critical | report
};

struct AckEvent {
  int64_t at, warning_id, account_id;
  std::string step;  // the step the account was told as
  bool operator>(const AckEvent& o) const {
    return at != o.at ? at > o.at : warning_id != o.warning_id ? warning_id > o.warning_id : account_id > o.account_id;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--scale")
      a.scale = v;
    else if (k == "--days")
      a.days = std::stoi(v);
    else if (k == "--seed")
      a.seed = std::stoull(v);
    else if (k == "--step-minutes")
      a.step_minutes = std::stod(v);
    else if (k == "--critical-per-hour")
      a.critical_per_hour = std::stod(v);
    else if (k == "--reports-per-hour")
      a.reports_per_hour = std::stod(v);
    else if (k == "--night-share")
      a.night_share = std::stod(v);
    else if (k == "--day-start")
      a.day_start = std::stoi(v);
    else if (k == "--day-end")
      a.day_end = std::stoi(v);
    else if (k == "--responsive")
      a.responsive = std::stoi(v);
    else if (k == "--ack-min")
      a.ack_min = std::stod(v);
    else if (k == "--ack-max")
      a.ack_max = std::stod(v);
    else if (k == "--drain-hours")
      a.drain_hours = std::stod(v);
    else if (k == "--level1-ack-minutes")
      a.level1_ack_minutes = std::stod(v);
    else if (k == "--asleep-from")
      a.asleep_from = std::stoi(v);
    else if (k == "--asleep-until")
      a.asleep_until = std::stoi(v);
    else if (k == "--on-duty")
      a.on_duty = v;
    else if (k == "--inform")
      a.inform = v != "0";
    else if (k == "--report-step")
      a.report_step = v;
    else if (k == "--crisis-members")
      a.crisis_members = std::stoi(v);
    else if (k == "--db")
      a.db = v;
    else
      return Fail("unknown option " + k);
  }
  if (a.days < 1 || a.step_minutes <= 0 || a.ack_min < 0 || a.ack_max < a.ack_min || a.responsive < 0 ||
      a.responsive > 100 || a.day_start < 0 || a.day_end > 24 || a.day_start >= a.day_end)
    return Fail("bad option value");
  if ((a.asleep_from < 0) != (a.asleep_until < 0) || a.asleep_from > 23 || a.asleep_until > 23 ||
      (a.asleep_from >= 0 && a.asleep_from == a.asleep_until))
    return Fail("--asleep-from and --asleep-until go together, hours 0..23, different");
  if (!a.on_duty.empty() && warning::StepRank(a.on_duty) < 0) return Fail("--on-duty names a step of the chain");
  if (warning::StepRank(a.report_step) < 0) return Fail("--report-step names a step of the chain");
  auto scale = demo::ScaleFromName(a.scale);
  if (!scale) return Fail("--scale is small, district or city");
  auto demo = bench::OpenDemo(a.db, *scale, a.scale, "network");
  if (!demo.ok()) return Fail(demo.status().ToString());
  auto* db = &demo->db;

  // The network's owners sign in: the demo keeps staff for every unit but
  // accounts only for its table of demo roles, so each head teacher (班主任,
  // 辅导员), grade or department head, psychology teacher and (vice)
  // principal gets an account with the role of its post, and the crisis
  // groups of the district(s) and of the city get --crisis-members each.
  // Ids follow the demo's staff ids (not NewId, which follows the wall
  // clock), so that the responsive accounts are the same on every run.
  constexpr long long kAccountIds = 1'000'000'000'000, kGrantIds = 2'000'000'000'000,
                      kCrisisStaffIds = 3'000'000'000'000;
  long long enrolled = 0;
  auto st = (*db)->InTransaction([&](soci::session& s) -> absl::Status {
    struct Post {
      int64_t staff, unit, school;
      std::string role, name;
    };
    std::vector<Post> posts;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT s.id, s.org_unit_id, COALESCE(s.school_id, 0), s.title, s.name FROM staff s WHERE "
                      "s.title IN ('班主任', '辅导员', '年级组长', '院系负责人', '专职心理教师', '校长', '副校长') AND "
                      "NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_type = 'staff' AND a.person_id = s.id) "
                      "ORDER BY s.id");
    for (const auto& r : rows) {
      const std::string title = db::GetStr(r, 3);
      const std::string role = title == "班主任" || title == "辅导员"         ? "head_teacher"
                               : title == "年级组长" || title == "院系负责人" ? "grade_head"
                               : title == "专职心理教师"                      ? "psych_staff"
                                                                              : "school_leader";
      posts.push_back({db::GetInt(r, 0), db::GetInt(r, 1), db::GetInt(r, 2), role, db::GetStr(r, 4)});
    }
    const long long at = FakeClock().NowMicros();
    std::vector<std::pair<long long, std::string>> crisis_units;
    soci::rowset<soci::row> units =
        (s.prepare << "SELECT id, kind FROM org_units WHERE kind IN ('city', 'district') ORDER BY id");
    for (const auto& r : units) crisis_units.push_back({db::GetInt(r, 0), db::GetStr(r, 1)});
    for (const auto& [unit, kind] : crisis_units)
      for (int i = 0; i < a.crisis_members; ++i) {
        long long sid = kCrisisStaffIds + static_cast<long long>(posts.size()), u = unit;
        std::string name = fmt::format("{}危机组成员{}", kind == "city" ? "市" : "区", i + 1);
        s << "INSERT INTO staff (id, school_id, org_unit_id, name, title, created_at) VALUES (:a, NULL, :b, :c, "
             "'心理危机应急工作组成员', :d)",
            soci::use(sid), soci::use(u), soci::use(name), soci::use(at);
        posts.push_back({sid, unit, 0, "crisis_group", name});
      }
    for (const auto& p : posts) {
      long long id = kAccountIds + p.staff, gid = kGrantIds + p.staff, person = p.staff, unit = p.unit,
                school = p.school;
      std::string user = fmt::format("net{}", p.staff);
      soci::indicator school_ind = p.school ? soci::i_ok : soci::i_null;
      s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, person_id, school_id, "
           "created_at, updated_at) VALUES (:a, :b, '!', :c, 'staff', :d, :e, :f, :g)",
          soci::use(id), soci::use(user), soci::use(p.name), soci::use(person), soci::use(school, school_ind),
          soci::use(at), soci::use(at);
      s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, created_at) VALUES (:a, :b, "
           ":c, :d, :e, :f)",
          soci::use(gid), soci::use(id), soci::use(p.role), soci::use(unit), soci::use(school, school_ind),
          soci::use(at);
      ++enrolled;
    }
    // Every school may shorten its 一级 acknowledgement deadline
    // (PUT …/deadlines); --level1-ack-minutes sets it for all of them.
    if (a.level1_ack_minutes > 0) {
      std::vector<long long> schools;
      soci::rowset<soci::row> ids = (s.prepare << "SELECT id FROM org_units WHERE kind = 'school' ORDER BY id");
      for (const auto& r : ids) schools.push_back(db::GetInt(r, 0));
      warning::Deadlines d;
      d.ack[0] = static_cast<int64_t>(a.level1_ack_minutes * 60);
      for (long long school : schools) warning::SaveDeadlinesIn(s, school, d, 0, at);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());
  std::fprintf(stderr, "enrolled %lld owners of the network\n", enrolled);

  // Every active student in a class may be the subject of a signal, K-12
  // and higher education alike.
  std::vector<Student> students;
  st = (*db)->Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT id, school_id, unit_path FROM students WHERE status = 'active' AND class_id IS NOT "
                      "NULL ORDER BY id");
    for (const auto& r : rows) students.push_back({db::GetInt(r, 0), db::GetInt(r, 1), db::GetStr(r, 2)});
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());
  if (students.empty()) return Fail("the demo has no students in classes");

  // The owners' grants, as auth builds the actor of a signed-in account.
  std::unordered_map<int64_t, policy::Actor> actors;
  auto actor_of = [&](int64_t account) -> const policy::Actor& {
    auto it = actors.find(account);
    if (it != actors.end()) return it->second;
    policy::Actor actor;
    actor.account_id = account;
    auto st = (*db)->Run([&](soci::session& s) {
      long long id = account;
      soci::rowset<soci::row> rows = (s.prepare << "SELECT g.role, g.org_unit_id, u.path FROM role_assignments g JOIN "
                                                   "org_units u ON u.id = g.org_unit_id WHERE g.account_id = :a",
                                      soci::use(id));
      for (const auto& r : rows)
        if (auto role = policy::RoleFromName(db::GetStr(r, 0)))
          actor.grants.push_back(policy::Grant{*role, db::GetInt(r, 1), db::GetStr(r, 2)});
      return absl::OkStatus();
    });
    if (!st.ok()) std::fprintf(stderr, "grants of %lld: %s\n", static_cast<long long>(account), st.ToString().c_str());
    return actors.emplace(account, std::move(actor)).first->second;
  };
  auto responsive = [&](int64_t account) {
    return Mix(static_cast<uint64_t>(account) ^ Mix(a.seed)) % 100 < static_cast<uint64_t>(a.responsive);
  };

  // Local midnight (Asia/Shanghai) after the fake clock's default start.
  constexpr int64_t kSecond = 1'000'000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
  constexpr int64_t kZone = 8 * kHour;
  FakeClock clock;
  const int64_t t0 = ((clock.NowMicros() + kZone) / kDay + 1) * kDay - kZone;
  clock.Set(t0);
  const int64_t end_signals = t0 + a.days * kDay;
  const int64_t end = end_signals + static_cast<int64_t>(a.drain_hours * kHour);
  const int64_t step = static_cast<int64_t>(a.step_minutes * kMinute);

  audit::AuditLog audit(**db, clock);
  jobs::JobRunner runner(**db, clock, {.holder = "bench"});
  bench::HandleEscalations(runner, audit, clock);
  warning::EscalationService svc(**db, audit, clock);

  // Two streams, so that when owners answer does not change which signals
  // arrive.
  std::mt19937_64 rng(a.seed), ack_rng(Mix(a.seed + 1));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<size_t> pick(0, students.size() - 1);
  std::map<int64_t, Signal> signals;  // by warning id
  std::vector<int64_t> waiting;       // warnings not acknowledged yet
  std::priority_queue<AckEvent, std::vector<AckEvent>, std::greater<>> acks;
  long long told = 0, told_responsive = 0, informed = 0, nobody = 0, ack_calls = 0, ack_refused = 0, escalations = 0,
            runs = 0;
  std::map<std::string, long long> first_ack_by_step, errors;

  // The owners of the step w just reached: the responsive ones will
  // acknowledge after their delay.
  // When an owner told at t first looks: at t, or when his quiet hours end.
  auto awake_at = [&](int64_t t) {
    if (a.asleep_from < 0 || a.asleep_until < 0) return t;
    const int64_t day = (t + kZone) / kDay * kDay - kZone;
    const int hour = static_cast<int>((t - day) / kHour);
    const bool wraps = a.asleep_from > a.asleep_until;  // e.g. 22 → 7
    if (wraps ? hour >= a.asleep_from : hour >= a.asleep_from && hour < a.asleep_until)
      return day + (wraps ? kDay : 0) + a.asleep_until * kHour;
    if (wraps && hour < a.asleep_until) return day + a.asleep_until * kHour;
    return t;
  };
  // told: accounts told of this warning at this moment (each once).
  auto tell = [&](soci::session& s, int64_t id, std::string_view step_name, const std::string& path, int64_t now,
                  std::set<int64_t>& told_now) {
    auto owners = warning::OwnersOf(s, step_name, path);
    if (owners.empty()) ++nobody;
    for (int64_t o : owners) {
      if (!told_now.insert(o).second) continue;
      ++told;
      if (!responsive(o)) continue;
      ++told_responsive;
      const double delay = a.ack_min + (a.ack_max - a.ack_min) * unit(ack_rng);
      acks.push({(step_name == a.on_duty ? now : awake_at(now)) + static_cast<int64_t>(delay * kMinute), id, o,
                 std::string(step_name)});
    }
  };

  // Poisson arrivals: the time of the next signal from a rate per hour that
  // depends on the hour of the day (thinning against the day rate).
  const double day_rate = a.critical_per_hour + a.reports_per_hour;
  auto rate_at = [&](int64_t t) {
    const int hour = static_cast<int>(((t + kZone) % kDay) / kHour);
    return hour >= a.day_start && hour < a.day_end ? 1.0 : a.night_share;
  };
  auto next_arrival = [&](int64_t after) {
    int64_t t = after;
    for (;;) {
      t += static_cast<int64_t>(-std::log(1.0 - unit(rng)) / day_rate * kHour);
      if (t >= end_signals || unit(rng) < rate_at(t)) return t;
    }
  };
  int64_t next_signal = day_rate > 0 ? next_arrival(t0) : end_signals;

  auto next_job_due = [&]() -> int64_t {
    long long due = 0;
    soci::indicator ind = soci::i_null;
    auto st = (*db)->Run([&](soci::session& s) {
      s << "SELECT MIN(due_at) FROM jobs WHERE state = 'pending' AND kind IN ('warning.ack_due', "
           "'warning.action_due')",
          soci::into(due, ind);
      return absl::OkStatus();
    });
    return st.ok() && ind == soci::i_ok ? due : INT64_MAX;
  };

  auto wall0 = std::chrono::steady_clock::now();
  int64_t now = t0, last_report_day = 0;
  while (now < end) {
    // 1. Signals due now.
    while (next_signal < end_signals && next_signal <= now) {
      const Student& who = students[pick(rng)];
      const bool critical = unit(rng) * day_rate < a.critical_per_hour;
      warning::Warning w;
      w.school_id = who.school_id;
      w.student_id = who.id;
      w.unit_path = who.path;
      w.level = 1;
      if (critical) {
        w.source = "screening";
        w.urgency = "urgent";
        w.owner_step = std::string(warning::kStepPsychCentre);
        w.summary = "一次测评后需要尽快关心";
      } else {
        w.source = "observation";
        w.urgency = "immediate";
        w.owner_step = a.report_step;
        w.summary = "观察报告提示需要立即关心";
      }
      w.ref_type = "bench";
      st = (*db)->InTransaction([&](soci::session& s) -> absl::Status {
        std::set<int64_t> told_now;
        if (!a.inform) {
          if (auto r = warning::RaiseIn(s, w, now); !r.ok()) return r;
          tell(s, w.id, w.owner_step, w.unit_path, now, told_now);
          return absl::OkStatus();
        }
        if (auto r = warning::RaiseAndInformIn(s, w, now, audit); !r.ok()) return r;
        tell(s, w.id, w.owner_step, w.unit_path, now, told_now);
        const size_t owners_told = told_now.size();
        for (std::string_view step_name : warning::InformedSteps(w))
          tell(s, w.id, step_name, w.unit_path, now, told_now);
        informed += static_cast<long long>(told_now.size() - owners_told);
        return absl::OkStatus();
      });
      if (!st.ok()) return Fail(st.ToString());
      signals[w.id] = {now, 0, "", w.owner_step, critical ? "critical" : "report"};
      waiting.push_back(w.id);
      next_signal = next_arrival(next_signal);
    }
    // 2. Owners who open their inbox now acknowledge through the service.
    while (!acks.empty() && acks.top().at <= now) {
      const AckEvent e = acks.top();
      acks.pop();
      Signal& sig = signals[e.warning_id];
      if (sig.first_ack_at) continue;  // somebody was quicker
      ++ack_calls;
      auto r = svc.Acknowledge(actor_of(e.account_id), e.warning_id);
      if (!r.ok()) {
        ++ack_refused;
        ++errors[std::string(absl::StatusCodeToString(r.status().code()))];
        continue;
      }
      sig.first_ack_at = r->warning.acknowledged_at;
      sig.first_ack_step = e.step;
      ++first_ack_by_step[sig.first_ack_step];
    }
    // 3. Deadlines: the job runner escalates, then the new owners are told.
    auto ran = runner.RunDue();
    if (!ran.ok()) return Fail(ran.status().ToString());
    runs += *ran;
    if (*ran > 0) {
      std::vector<int64_t> still;
      st = (*db)->Run([&](soci::session& s) -> absl::Status {
        for (int64_t id : waiting) {
          Signal& sig = signals[id];
          if (sig.first_ack_at) continue;
          std::string step_now, path;
          long long wid = id;
          s << "SELECT owner_step, unit_path FROM warnings WHERE id = :id", soci::use(wid), soci::into(step_now),
              soci::into(path);
          if (step_now != sig.step) {
            ++escalations;
            sig.step = step_now;
            std::set<int64_t> told_now;
            tell(s, id, step_now, path, now, told_now);
          }
          still.push_back(id);
        }
        return absl::OkStatus();
      });
      if (!st.ok()) return Fail(st.ToString());
      waiting.swap(still);
    } else {
      std::erase_if(waiting, [&](int64_t id) { return signals[id].first_ack_at != 0; });
    }
    // 4. The next event, at most a step away.
    int64_t next = std::min({now + step, end, next_signal < end_signals ? next_signal : INT64_MAX,
                             acks.empty() ? INT64_MAX : acks.top().at, next_job_due()});
    if (next <= now) next = now + 1;
    now = next;
    clock.Set(now);
    if ((now - t0) / kDay > last_report_day) {
      last_report_day = (now - t0) / kDay;
      if (last_report_day % 10 == 0)
        std::fprintf(stderr, "day %lld: %zu signals, %.0f s\n", static_cast<long long>(last_report_day), signals.size(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count());
    }
  }
  const double sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

  // The outcome, per signal, checked against the database.
  std::vector<double> minutes;
  std::map<std::string, std::vector<double>> by_kind;  // critical | report
  long long pending = 0, left = 0, mismatched = 0;
  st = (*db)->Run([&](soci::session& s) -> absl::Status {
    for (const auto& [id, sig] : signals) {
      long long wid = id, acked_at = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT acknowledged_at FROM warnings WHERE id = :id", soci::use(wid), soci::into(acked_at, ind);
      const int64_t db_ack = ind == soci::i_ok ? acked_at : 0;
      if (sig.first_ack_at) {
        if (db_ack == 0) ++mismatched;
        const double m = static_cast<double>(sig.first_ack_at - sig.raised_at) / kMinute;
        minutes.push_back(m);
        by_kind[sig.kind].push_back(m);
        continue;
      }
      long long open_jobs = 0;
      const std::string prefix = IdToString(id) + ":%";
      s << "SELECT COUNT(*) FROM jobs WHERE kind = 'warning.ack_due' AND state = 'pending' AND job_key LIKE :k",
          soci::use(prefix), soci::into(open_jobs);
      if (open_jobs > 0)
        ++pending;
      else
        ++left;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());
  std::sort(minutes.begin(), minutes.end());
  auto pct = [&](double p) {
    if (minutes.empty()) return 0.0;
    return minutes[std::min(minutes.size() - 1, static_cast<size_t>(p * static_cast<double>(minutes.size())))];
  };
  std::string kinds;
  for (auto& [k, v] : by_kind) {
    std::sort(v.begin(), v.end());
    kinds += fmt::format(" {}: n={} p50_min={:.1f} p95_min={:.1f}", k, v.size(), v[v.size() / 2],
                         v[std::min(v.size() - 1, v.size() * 95 / 100)]);
  }
  long long within_60 = std::count_if(minutes.begin(), minutes.end(), [](double m) { return m <= 60; });
  std::string by_step, errs;
  for (const auto& [k, v] : first_ack_by_step) by_step += fmt::format("{}{}:{}", by_step.empty() ? "" : ",", k, v);
  for (const auto& [k, v] : errors) errs += fmt::format("{}{}:{}", errs.empty() ? "" : ",", k, v);
  std::printf(
      "scale=%s days=%d seed=%llu level1_ack_min=%.0f report_step=%s inform=%d signals=%zu acknowledged=%zu "
      "p50_min=%.1f p95_min=%.1f max_min=%.1f within_60_min=%.1f%% pending_escalation=%lld left=%lld "
      "escalations=%lld jobs_run=%lld owners_told=%lld responsive_told=%lld informed=%lld steps_without_owner=%lld "
      "ack_calls=%lld ack_refused=%lld(%s) first_ack_by_step=%s wall_s=%.0f\n %s\n",
      a.scale.c_str(), a.days, static_cast<unsigned long long>(a.seed),
      a.level1_ack_minutes > 0 ? a.level1_ack_minutes : 60.0, a.report_step.c_str(), a.inform ? 1 : 0, signals.size(),
      minutes.size(), pct(0.50), pct(0.95), minutes.empty() ? 0.0 : minutes.back(),
      minutes.empty() ? 0.0 : 100.0 * static_cast<double>(within_60) / static_cast<double>(minutes.size()), pending,
      left, escalations, runs, told, told_responsive, informed, nobody, ack_calls, ack_refused, errs.c_str(),
      by_step.c_str(), sim_s, kinds.c_str());
  db->reset();
  if (!demo->dir.empty()) std::filesystem::remove_all(demo->dir);
  if (mismatched) return Fail(fmt::format("{} acknowledgements not in the database", mismatched));
  return left == 0 ? 0
                   : Fail(fmt::format("{} signals left with neither an acknowledgement nor an open escalation", left));
}
