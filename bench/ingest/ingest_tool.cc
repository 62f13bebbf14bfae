// ingest_tool: prepares a database for bench/ingest and checks it after a
// crash test. Everything goes through xinqiao's own services: the campaign
// is created by the city admin, accounts and sessions come from login slips
// issued for each class and signed in with, exactly as in a school lab.
//
//   ingest_tool prepare --db URL --out work.tsv [--students N] [--seed S]
//       Creates a city-wide PHQ-9 + GAD-7 campaign for grades 9-12 and signs
//       in N students aged 14 or more (no guardian consent needed) from
//       classes taken in a random order; writes
//       "token<TAB>csrf<TAB>assignment_id<TAB>instrument" per assignment
//       (two per student, one after the other; students shuffled), and
//       prints the campaign id.
//   ingest_tool verify --db URL --campaign ID --acks acks.tsv
//       Every acknowledged submission is stored exactly once with its
//       submission id; every stored submission is whole (assignment marked
//       submitted; a critical one has its urgent warning and follow-up);
//       nothing half-stored (warnings, follow-ups or submitted assignments
//       without their submission). Exit status 1 on any violation.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "auth/auth_service.h"
#include "auth/auth_store.h"
#include "auth/slips.h"
#include "core/clock.h"
#include "core/ids.h"
#include "counselling/hotlines.h"
#include "db/database.h"
#include "db/row.h"
#include "org/org_store.h"
#include "fmt/format.h"
#include "screening/demo_data.h"
#include "screening/screening_service.h"
#include "screening/screening_store.h"
#include "screening/submission_writer.h"

namespace {

using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

int Fail(const std::string& msg) {
  std::fprintf(stderr, "ingest_tool: %s\n", msg.c_str());
  return 1;
}

std::map<std::string, std::string> Flags(int argc, char** argv, int from) {
  std::map<std::string, std::string> f;
  for (int i = from; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  return f;
}

int Prepare(const std::map<std::string, std::string>& f) {
  if (!f.count("--db") || !f.count("--out")) return Fail("prepare needs --db and --out");
  const long students_wanted = f.count("--students") ? std::stol(f.at("--students")) : 300000;
  const uint64_t seed = f.count("--seed") ? std::stoull(f.at("--seed")) : 1;
  // Setting up is not what is measured: no fsync per sign-in.
  auto db = xq::db::Database::Open(f.at("--db"), {.pool_size = 2, .sqlite_synchronous = "OFF"});
  if (!db.ok()) return Fail(db.status().ToString());
  if (auto st = xq::db::Migrate(**db); !st.ok()) return Fail(st.ToString());
  xq::SystemClock clock;
  xq::audit::AuditLog audit(**db, clock);
  xq::counselling::HotlineService hotlines(**db);
  auto store = xq::screening::NewSociScreeningStore(**db);
  xq::screening::SubmissionWriter writer(**db);
  xq::screening::ScreeningService svc(**db, *store, writer, audit, hotlines, clock);
  auto auth_store = xq::auth::NewSqlAuthStore(**db);
  xq::auth::AuthService auth(*auth_store, audit, clock);
  xq::auth::SlipService slips(**db, *auth_store, audit, clock, auth);

  auto admin = xq::screening::StaffPrincipal(**db, "city_admin");
  if (!admin.ok()) return Fail(admin.status().ToString());
  auto t0 = Steady::now();
  xq::screening::CampaignInput in;
  in.name = "基准测试：高中心理健康小调查";
  in.scales = {{"phq9", std::nullopt, std::nullopt}, {"gad7", std::nullopt, std::nullopt}};
  in.grades = {9, 10, 11, 12};
  auto campaign = svc.CreateCampaign(*admin, in);
  if (!campaign.ok()) return Fail("create campaign: " + campaign.status().ToString());
  std::fprintf(stderr, "campaign %s: %lld assignments created in %.1f s\n", xq::IdToString(campaign->id).c_str(),
               static_cast<long long>(campaign->assignments), Since(t0));

  // Assignments of the campaign by class, with the student's birth date.
  struct Target {
    std::vector<std::pair<int64_t, std::string>> assignments;  // (id, instrument)
    std::string birth_date;
  };
  std::unordered_map<int64_t, std::unordered_map<int64_t, Target>> by_class;  // class -> student -> target
  std::map<int64_t, std::string> class_paths;
  auto st = (*db)->Run([&](soci::session& s) {
    long long cid = campaign->id;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT CAST(a.id AS BIGINT), a.student_id, st.class_id, st.birth_date, u.path, a.position "
                      "FROM screening_assignments a "
                      "JOIN students st ON st.id = a.student_id JOIN org_units u ON u.id = st.class_id "
                      "WHERE a.campaign_id = :c",
         soci::use(cid));
    for (const auto& r : rows) {
      Target& t = by_class[xq::db::GetInt(r, 2)][xq::db::GetInt(r, 1)];
      t.assignments.emplace_back(xq::db::GetInt(r, 0), campaign->scales.at(xq::db::GetInt(r, 5)).instrument_id);
      t.birth_date = xq::db::GetStr(r, 3);
      class_paths[xq::db::GetInt(r, 2)] = xq::db::GetStr(r, 4);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());

  // Old enough to answer without guardian consent (14 by default).
  const std::string today = xq::org::DateOf(clock.NowMicros());
  const std::string cutoff = fmt::format("{:04d}{}", std::stoi(today.substr(0, 4)) - 14, today.substr(4));
  std::vector<int64_t> classes;
  for (const auto& [id, path] : class_paths) classes.push_back(id);
  std::mt19937_64 rng(seed);
  std::shuffle(classes.begin(), classes.end(), rng);

  t0 = Steady::now();
  std::vector<std::string> sittings;  // one student's lines each
  int64_t classes_used = 0;
  long students = 0;
  for (int64_t class_id : classes) {
    if (students >= students_wanted) break;
    xq::policy::Principal teacher = *admin;
    teacher.actor.grants = {{xq::policy::Role::kHeadTeacher, class_id, class_paths[class_id]}};
    auto issued = slips.IssueSlips(teacher, class_id);
    if (!issued.ok()) return Fail(fmt::format("slips for class {}: {}", class_id, issued.status().ToString()));
    ++classes_used;
    for (const auto& slip : *issued) {
      auto it = by_class[class_id].find(slip.student_id);
      if (it == by_class[class_id].end() || it->second.birth_date.empty() || it->second.birth_date > cutoff) continue;
      auto login = slips.Login(slip.login, slip.code, std::nullopt, "127.0.0.1");
      if (!login.ok()) return Fail(fmt::format("slip login {}: {}", slip.login, login.status().ToString()));
      std::string& sitting = sittings.emplace_back();
      for (const auto& [id, instrument] : it->second.assignments)
        sitting += fmt::format("{}\t{}\t{}\t{}\n", login->token, login->csrf_token, xq::IdToString(id), instrument);
      if (++students >= students_wanted) break;
    }
    if (classes_used % 500 == 0)
      std::fprintf(stderr, "  %ld students signed in (%lld classes, %.0f s)\n", students,
                   static_cast<long long>(classes_used), Since(t0));
  }
  std::shuffle(sittings.begin(), sittings.end(), rng);
  size_t assignments = 0;
  std::ofstream out(f.at("--out"));
  for (const auto& sitting : sittings) {
    out << sitting;
    assignments += static_cast<size_t>(std::count(sitting.begin(), sitting.end(), '\n'));
  }
  out.close();
  if (!out) return Fail("cannot write " + f.at("--out"));
  std::fprintf(stderr, "%ld students of %lld classes signed in with login slips in %.1f s; %zu assignments\n", students,
               static_cast<long long>(classes_used), Since(t0), assignments);
  std::printf("%s\n", xq::IdToString(campaign->id).c_str());
  return 0;
}

int Verify(const std::map<std::string, std::string>& f) {
  if (!f.count("--db") || !f.count("--campaign") || !f.count("--acks"))
    return Fail("verify needs --db, --campaign and --acks");
  auto campaign = xq::IdFromString(f.at("--campaign"));
  if (!campaign) return Fail("bad --campaign");
  auto db = xq::db::Database::Open(f.at("--db"), {.pool_size = 1});
  if (!db.ok()) return Fail(db.status().ToString());

  struct Ack {
    std::string key;
    bool critical = false;
  };
  std::unordered_map<int64_t, Ack> acks;
  int64_t ack_lines = 0, problems = 0;
  auto problem = [&](const std::string& what) {
    if (++problems <= 20) std::fprintf(stderr, "  VIOLATION: %s\n", what.c_str());
  };
  {
    std::ifstream in(f.at("--acks"));
    if (!in) return Fail("cannot read " + f.at("--acks"));
    std::string a, key;
    int critical = 0, status = 0;
    while (in >> a >> key >> critical >> status) {
      ++ack_lines;
      auto id = xq::IdFromString(a);
      if (!id) return Fail(fmt::format("{}:{}:1: bad assignment id", f.at("--acks"), ack_lines));
      auto [it, fresh] = acks.emplace(*id, Ack{key, critical != 0});
      if (!fresh && it->second.key != key) problem(fmt::format("assignment {} acknowledged with two keys", a));
    }
  }

  struct Row {
    int64_t assignment = 0;
    std::string key;
    bool critical = false;
  };
  std::unordered_map<int64_t, Row> submissions;           // submission id -> row
  std::unordered_map<int64_t, int> per_assignment;        // assignment -> count
  std::unordered_map<int64_t, int> warnings, follow_ups;  // submission id -> count
  std::set<int64_t> submitted_assignments;
  std::unordered_map<int64_t, int64_t> pointer;  // assignment -> its submission_id
  auto st = (*db)->Run([&](soci::session& s) {
    long long c = *campaign;
    {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT CAST(id AS TEXT), assignment_id, client_key, critical FROM screening_submissions "
                        "WHERE campaign_id = :c",
           soci::use(c));
      for (const auto& r : rows) {
        Row x{xq::db::GetInt(r, 1), xq::db::GetStr(r, 2), xq::db::GetInt(r, 3) != 0};
        ++per_assignment[x.assignment];
        // SQLite declares the rowid INTEGER (read as 32 bits): read it as text.
        submissions[xq::IdFromString(xq::db::GetStr(r, 0)).value_or(0)] = std::move(x);
      }
    }
    {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT submission_id FROM warnings WHERE campaign_id = :c", soci::use(c));
      for (const auto& r : rows) ++warnings[xq::db::GetInt(r, 0)];
    }
    {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT submission_id FROM follow_ups WHERE campaign_id = :c AND reason = 'critical'",
           soci::use(c));
      for (const auto& r : rows) ++follow_ups[xq::db::GetInt(r, 0)];
    }
    {
      soci::rowset<soci::row> rows =
          (s.prepare
               << "SELECT CAST(id AS BIGINT), submission_id FROM screening_assignments WHERE campaign_id = :c AND "
                  "(state = 'submitted' OR submission_id IS NOT NULL)",
           soci::use(c));
      for (const auto& r : rows) {
        submitted_assignments.insert(xq::db::GetInt(r, 0));
        pointer[xq::db::GetInt(r, 0)] = xq::db::GetInt(r, 1);
      }
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());

  std::unordered_map<int64_t, const Row*> by_assignment;
  int64_t critical_stored = 0;
  for (const auto& [id, x] : submissions) {
    by_assignment[x.assignment] = &x;
    if (per_assignment[x.assignment] != 1)
      problem(fmt::format("assignment {} has {} submissions", x.assignment, per_assignment[x.assignment]));
    if (!submitted_assignments.count(x.assignment))
      problem(fmt::format("submission {} stored but its assignment is not marked submitted", id));
    else if (pointer[x.assignment] != id)
      problem(fmt::format("assignment {} points to submission {}, not {}", x.assignment, pointer[x.assignment], id));
    if (x.critical) {
      ++critical_stored;
      if (warnings[id] != 1) problem(fmt::format("critical submission {} has {} urgent warnings", id, warnings[id]));
      if (follow_ups[id] != 1) problem(fmt::format("critical submission {} has {} follow-ups", id, follow_ups[id]));
    } else if (warnings.count(id) && warnings[id] > 0) {
      problem(fmt::format("submission {} is not critical but has a warning", id));
    }
  }
  for (const auto& [sid, n] : warnings)
    if (!submissions.count(sid)) problem(fmt::format("warning for missing submission {}", sid));
  for (const auto& [sid, n] : follow_ups)
    if (!submissions.count(sid)) problem(fmt::format("follow-up for missing submission {}", sid));
  for (int64_t a : submitted_assignments)
    if (!by_assignment.count(a)) problem(fmt::format("assignment {} marked submitted without a submission", a));
  int64_t acked_critical = 0;
  for (const auto& [a, ack] : acks) {
    auto it = by_assignment.find(a);
    if (it == by_assignment.end()) {
      problem(fmt::format("acknowledged submission for assignment {} is missing", a));
      continue;
    }
    if (it->second->key != ack.key) problem(fmt::format("assignment {} stored with another key", a));
    if (ack.critical) {
      ++acked_critical;
      if (!it->second->critical) problem(fmt::format("assignment {} answered critically but not flagged", a));
    }
  }
  std::printf(
      "{\"acknowledged\":%zu,\"ack_lines\":%lld,\"stored\":%zu,\"stored_unacknowledged\":%zu,"
      "\"acknowledged_critical\":%lld,\"critical_stored\":%lld,\"warnings\":%zu,\"violations\":%lld}\n",
      acks.size(), static_cast<long long>(ack_lines), submissions.size(),
      submissions.size() - std::min(submissions.size(), acks.size()), static_cast<long long>(acked_critical),
      static_cast<long long>(critical_stored), warnings.size(), static_cast<long long>(problems));
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Fail("usage: ingest_tool prepare|verify [--flag value ...]");
  const std::string cmd = argv[1];
  if ((argc - 2) % 2 != 0) return Fail("flags come in pairs: --name value");
  auto f = Flags(argc, argv, 2);
  try {
    if (cmd == "prepare") return Prepare(f);
    if (cmd == "verify") return Verify(f);
  } catch (const std::exception& e) {
    return Fail(std::string("bad flag value: ") + e.what());
  }
  return Fail("unknown command " + cmd);
}
