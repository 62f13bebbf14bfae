#include "warning/escalation.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "events/events.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "notice/notice_store.h"
#include "org/model.h"
#include "warning/warning_store.h"

namespace xq::warning {
namespace {

const std::vector<std::string_view> kK12 = {kStepClass,        kStepGrade,          kStepPsychCentre,
                                            kStepSchoolLeader, kStepDistrictCrisis, kStepCityCrisis};
const std::vector<std::string_view> kHigherEd = {kStepClass, kStepDepartment, kStepPsychCentre, kStepSchoolLeader,
                                                 kStepCityCrisis};

// "<deadline>:<warning id>:<step>": one job per step and deadline, so a
// step escalates once, and a changed deadline (a new level) is a new job.
// The deadline comes first so that the jobs of warnings due together have
// neighbouring keys (jobs/078, warning/078): a burst of them writes a few
// pages of the jobs' key index, not one per warning among all the open ones.
std::string JobKey(int64_t id, std::string_view step, int64_t due) {
  return fmt::format("{}:{}:{}", due, IdToString(id), step);
}

int64_t Seconds(int64_t s) { return s * 1'000'000; }
int LevelIndex(int level) { return level < 1 ? 0 : level > 3 ? 2 : level - 1; }

Warning RowToWarning(const soci::row& r) {
  Warning w;
  w.id = db::GetInt(r, "id");
  w.school_id = db::GetInt(r, "school_id");
  w.student_id = db::GetInt(r, "student_id");
  w.unit_path = db::GetStr(r, "unit_path");
  w.label = db::GetStr(r, "label");
  w.state = db::GetStr(r, "state");
  w.created_at = db::GetInt(r, "created_at");
  w.acknowledged_by = db::GetInt(r, "acknowledged_by");
  w.acknowledged_at = db::GetInt(r, "acknowledged_at");
  w.source = db::GetStr(r, "source");
  w.level = static_cast<int>(db::GetInt(r, "level"));
  w.owner_step = db::GetStr(r, "owner_step");
  w.higher_ed = db::GetInt(r, "higher_ed") != 0;
  w.ack_due_at = db::GetInt(r, "ack_due_at");
  w.action_due_at = db::GetInt(r, "action_due_at");
  w.escalated_at = db::GetInt(r, "escalated_at");
  w.summary = db::GetStr(r, "summary");
  w.ref_type = db::GetStr(r, "ref_type");
  w.ref_id = db::GetInt(r, "ref_id");
  w.closed_by = db::GetInt(r, "closed_by");
  w.closed_at = db::GetInt(r, "closed_at");
  w.close_reason = db::GetStr(r, "close_reason");
  w.student_name = db::GetStr(r, "student_name");
  w.student_no = db::GetStr(r, "student_no");
  return w;
}

constexpr std::string_view kWarningColumns =
    "SELECT w.id, w.school_id, w.student_id, w.unit_path, w.label, w.state, w.created_at, "
    "w.acknowledged_by, w.acknowledged_at, w.source, w.level, w.owner_step, w.higher_ed, "
    "w.ack_due_at, w.action_due_at, w.escalated_at, w.summary, w.ref_type, w.ref_id, w.closed_by, "
    "w.closed_at, w.close_reason";
// A warning with its student's name and number; the condition follows.
// Without the names (students are never deleted, so the join drops no
// warning) for an escalation, which tells owners and the log ids only: the
// join cost a random read per warning in the city's largest table.
std::string SelectWarning(bool with_names) {
  return std::string(kWarningColumns) + (with_names ? ", st.name AS student_name, st.student_no FROM warnings w "
                                                      "JOIN students st ON st.id = w.student_id WHERE "
                                                    : ", '' AS student_name, '' AS student_no FROM warnings w WHERE ");
}

nlohmann::json TimelinePayload(const Warning& w, std::string_view summary, int64_t at) {
  return {{"warning_id", w.id},    {"student_id", w.student_id},
          {"data_class", "D4"},    {"summary_zh", std::string(summary)},
          {"ref_type", "warning"}, {"ref_id", w.id},
          {"occurred_at", at},     {"level", w.level},
          {"step", w.owner_step},  {"unit_path", w.unit_path},
          {"source", w.source}};
}

absl::Status PublishIn(soci::session& s, const Warning& w, std::string_view kind, const nlohmann::json& payload,
                       int64_t at) {
  return events::Publish(s, {.school_id = w.school_id,
                             .kind = std::string(kind),
                             .subject = fmt::format("student:{}", w.student_id),
                             .payload = payload.dump(),
                             .created_at = at})
      .status();
}

// Notices to the owners of w's current step: kind warning_raised or
// warning_escalated, with the level and step only (no name, no detail).
// Urgent (also sent through the outbound channels, and the notices dialog
// opens at sign-in), linked to the screen where the owner acknowledges it.
void AddNotices(const Warning& w, const std::vector<int64_t>& owners, std::string_view kind, int64_t now,
                std::vector<notice::Notice>& notices) {
  const bool class_step = w.owner_step == kStepClass || w.owner_step == kStepGrade || w.owner_step == kStepDepartment;
  for (int64_t account : owners) {
    notice::Notice n;
    n.school_id = w.school_id;
    n.account_id = account;
    n.kind = std::string(kind);
    n.params = {{"warning_id", IdToString(w.id)},
                {"level", std::to_string(w.level)},
                {"step", w.owner_step},
                {"ack_due_at", std::to_string(w.ack_due_at)}};
    n.created_at = now;
    n.urgent = true;
    n.link = class_step ? "/network/class" : "/network/board";
    notices.push_back(std::move(n));
  }
}

void TellOwners(soci::session& s, const Warning& w, std::string_view kind, int64_t now) {
  std::vector<notice::Notice> notices;
  AddNotices(w, OwnersOf(s, w.owner_step, w.unit_path), kind, now, notices);
  notice::PostNotices(s, notices, now);
}

absl::Status ScheduleAck(soci::session& s, const Warning& w, int64_t now) {
  // At the top of the chain there is nobody to escalate to: no job.
  if (w.ack_due_at == 0 || NextStep(w.higher_ed, w.owner_step).empty()) return absl::OkStatus();
  return jobs::ScheduleIn(s,
                          {.kind = kAckDueJob,
                           .key = JobKey(w.id, w.owner_step, w.ack_due_at),
                           .school_id = w.school_id,
                           .payload = "",
                           .due_at = w.ack_due_at},
                          now)
      .status();
}

}  // namespace

const std::vector<std::string_view>& Chain(bool higher_ed) { return higher_ed ? kHigherEd : kK12; }

std::string_view NextStep(bool higher_ed, std::string_view step) {
  const auto& chain = Chain(higher_ed);
  for (size_t i = 0; i + 1 < chain.size(); ++i)
    if (chain[i] == step) return chain[i + 1];
  return {};
}

int StepRank(std::string_view step) {
  if (step == kStepDepartment) return 1;
  for (size_t i = 0; i < kK12.size(); ++i)
    if (kK12[i] == step) return static_cast<int>(i);
  return -1;
}

bool IsSource(std::string_view source) {
  return source == "screening" || source == "observation" || source == "ledger" || source == "counselling" ||
         source == "crisis";
}

Deadlines DeadlinesIn(soci::session& s, int64_t school_id) {
  Deadlines d;
  long long school = school_id;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT ack1, ack2, ack3, act1, act2, act3 FROM warning_deadlines WHERE school_id = :s",
       soci::use(school));
  for (const auto& r : rows) {
    for (size_t i = 0; i < 3; ++i) {
      d.ack[i] = db::GetInt(r, i);
      d.action[i] = db::GetInt(r, i + 3);
    }
  }
  return d;
}

void SaveDeadlinesIn(soci::session& s, int64_t school_id, const Deadlines& d, int64_t by, int64_t now) {
  long long school = school_id, a1 = d.ack[0], a2 = d.ack[1], a3 = d.ack[2], c1 = d.action[0], c2 = d.action[1],
            c3 = d.action[2], who = by, at = now;
  s << "DELETE FROM warning_deadlines WHERE school_id = :s", soci::use(school);
  s << "INSERT INTO warning_deadlines (school_id, ack1, ack2, ack3, act1, act2, act3, updated_by, updated_at) "
       "VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
      soci::use(school), soci::use(a1), soci::use(a2), soci::use(a3), soci::use(c1), soci::use(c2), soci::use(c3),
      soci::use(who), soci::use(at);
}

namespace {

// Who owns a step: a role on a unit of these kinds among the unit's own
// and its ancestors.
struct StepOwner {
  std::string_view role;
  std::vector<std::string_view> kinds;
};

std::optional<StepOwner> StepOwnerOf(std::string_view step) {
  if (step == kStepClass) return StepOwner{"head_teacher", {"class", "dorm"}};
  if (step == kStepGrade || step == kStepDepartment) return StepOwner{"grade_head", {"grade", "department"}};
  if (step == kStepPsychCentre) return StepOwner{"psych_staff", {"school"}};
  if (step == kStepSchoolLeader) return StepOwner{"school_leader", {"school"}};
  if (step == kStepDistrictCrisis) return StepOwner{"crisis_group", {"district"}};
  if (step == kStepCityCrisis) return StepOwner{"crisis_group", {"city"}};
  return std::nullopt;
}

std::string Quoted(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", w);
  return out;
}

// OwnersOf for several (step, unit path) pairs through one query: the
// owners of each, as OwnersOf finds them.
std::vector<std::vector<int64_t>> OwnersOfAll(soci::session& s,
                                              const std::vector<std::pair<std::string_view, std::string>>& asked) {
  std::vector<std::vector<int64_t>> out(asked.size());
  std::set<int64_t> ids;
  std::set<std::string_view> roles;
  for (const auto& [step, path] : asked) {
    if (!StepOwnerOf(step)) continue;
    roles.insert(StepOwnerOf(step)->role);
    for (int64_t id : org::IdsOfPath(path)) ids.insert(id);
  }
  if (ids.empty()) return out;
  std::string id_list, role_list;
  for (int64_t id : ids) id_list += (id_list.empty() ? "" : ", ") + std::to_string(id);
  role_list = Quoted(std::vector<std::string_view>(roles.begin(), roles.end()));
  struct Held {
    int64_t account, unit;
    std::string role, kind;
  };
  std::vector<Held> held;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT DISTINCT g.account_id, g.org_unit_id, g.role, u.kind FROM role_assignments g JOIN "
                    "org_units u ON u.id = g.org_unit_id JOIN accounts a ON a.id = g.account_id WHERE a.disabled = 0 "
                    "AND g.role IN (" +
                        role_list + ") AND g.org_unit_id IN (" + id_list + ")");
  for (const auto& r : rows)
    held.push_back({db::GetInt(r, std::size_t{0}), db::GetInt(r, std::size_t{1}), db::GetStr(r, 2), db::GetStr(r, 3)});
  for (size_t i = 0; i < asked.size(); ++i) {
    const auto owner = StepOwnerOf(asked[i].first);
    if (!owner) continue;
    const std::vector<int64_t> path_ids = org::IdsOfPath(asked[i].second);
    std::set<int64_t> found;
    for (const Held& h : held) {
      if (h.role != owner->role) continue;
      if (std::find(owner->kinds.begin(), owner->kinds.end(), h.kind) == owner->kinds.end()) continue;
      if (std::find(path_ids.begin(), path_ids.end(), h.unit) == path_ids.end()) continue;
      found.insert(h.account);
    }
    out[i].assign(found.begin(), found.end());
  }
  return out;
}

}  // namespace

std::vector<int64_t> OwnersOf(soci::session& s, std::string_view step, const std::string& unit_path) {
  const auto owner = StepOwnerOf(step);
  if (!owner) return {};
  std::string role(owner->role), kinds = Quoted(owner->kinds);
  std::vector<int64_t> out;
  // The owners sit on the unit or one of its ancestors, whose ids the path
  // names: an index lookup per unit, whatever the size of the city.
  std::string ids;
  for (int64_t id : org::IdsOfPath(unit_path)) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  if (ids.empty()) return out;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT DISTINCT g.account_id FROM role_assignments g JOIN org_units u ON u.id = g.org_unit_id "
                    "JOIN accounts a ON a.id = g.account_id WHERE a.disabled = 0 AND g.role = :r AND u.kind IN (" +
                        kinds + ") AND g.org_unit_id IN (" + ids + ") ORDER BY g.account_id",
       soci::use(role));
  for (const auto& r : rows) out.push_back(db::GetInt(r, std::size_t{0}));
  return out;
}

absl::StatusOr<std::optional<Warning>> GetWarningIn(soci::session& s, int64_t id) {
  long long wid = id;
  std::optional<Warning> out;
  soci::rowset<soci::row> rows = (s.prepare << SelectWarning(true) + "w.id = :id", soci::use(wid));
  for (const auto& r : rows) out = RowToWarning(r);
  return out;
}

absl::Status RaiseIn(soci::session& s, Warning& w, int64_t now, const std::string& extra_payload_json) {
  if (w.id == 0) w.id = NewId();
  if (w.level < 1 || w.level > 3) return InvalidArgument("level must be 1, 2 or 3", "level");
  // The school's stage decides the chain.
  {
    long long school = w.school_id;
    std::string kind;
    soci::indicator ind = soci::i_ok;
    s << "SELECT COALESCE(school_kind, '') FROM org_units WHERE id = :id", soci::use(school), soci::into(kind, ind);
    w.higher_ed = kind == "college" || kind == "university";
  }
  if (w.owner_step.empty() || StepRank(w.owner_step) < 0) w.owner_step = std::string(Chain(w.higher_ed)[0]);
  if (w.higher_ed && w.owner_step == kStepGrade) w.owner_step = std::string(kStepDepartment);
  if (!w.higher_ed && w.owner_step == kStepDepartment) w.owner_step = std::string(kStepGrade);
  const Deadlines d = DeadlinesIn(s, w.school_id);
  w.state = "open";
  if (w.created_at == 0) w.created_at = now;
  w.ack_due_at = now + Seconds(d.ack[LevelIndex(w.level)]);
  w.action_due_at = now + Seconds(d.action[LevelIndex(w.level)]);
  InsertWarningsIn(s, {&w});
  XQ_RETURN_IF_ERROR(ScheduleAck(s, w, now));
  TellOwners(s, w, "warning_raised", now);
  nlohmann::json payload = TimelinePayload(w, w.summary.empty() ? "产生了一条预警" : w.summary, w.created_at);
  if (!extra_payload_json.empty()) {
    auto extra = nlohmann::json::parse(extra_payload_json, nullptr, false);
    if (extra.is_object()) payload.update(extra);
  }
  return PublishIn(s, w, "warning.raised", payload, w.created_at);
}

absl::Status AcknowledgedIn(soci::session& s, const Warning& w, int64_t by, int64_t now) {
  XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kAckDueJob, JobKey(w.id, w.owner_step, w.ack_due_at), now).status());
  if (w.action_due_at > 0 && !NextStep(w.higher_ed, w.owner_step).empty()) {
    XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                        {.kind = kActionDueJob,
                                         .key = JobKey(w.id, w.owner_step, w.action_due_at),
                                         .school_id = w.school_id,
                                         .due_at = w.action_due_at},
                                        now)
                           .status());
  }
  nlohmann::json payload = TimelinePayload(w, "预警已被接收", now);
  payload["acknowledged_by"] = by;
  return PublishIn(s, w, kWarningAcknowledged, payload, now);
}

absl::Status CancelJobsIn(soci::session& s, const Warning& w, int64_t now) {
  XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kAckDueJob, JobKey(w.id, w.owner_step, w.ack_due_at), now).status());
  return jobs::CancelIn(s, kActionDueJob, JobKey(w.id, w.owner_step, w.action_due_at), now).status();
}

absl::Status ClosedIn(soci::session& s, const Warning& w, std::string_view reason, int64_t now) {
  XQ_RETURN_IF_ERROR(CancelJobsIn(s, w, now));
  nlohmann::json payload = TimelinePayload(w, "预警已关闭", now);
  payload["reason"] = std::string(reason);
  return PublishIn(s, w, kWarningClosed, payload, now);
}

absl::Status LevelChangedIn(soci::session& s, Warning& w, int level, int64_t now) {
  XQ_RETURN_IF_ERROR(CancelJobsIn(s, w, now));
  const Deadlines d = DeadlinesIn(s, w.school_id);
  w.level = level;
  w.ack_due_at = now + Seconds(d.ack[LevelIndex(level)]);
  w.action_due_at = now + Seconds(d.action[LevelIndex(level)]);
  long long wid = w.id, lv = level, a = w.ack_due_at, b = w.action_due_at;
  s << "UPDATE warnings SET level = :l, ack_due_at = :a, action_due_at = :b, state = 'open' WHERE id = :id",
      soci::use(lv), soci::use(a), soci::use(b), soci::use(wid);
  w.state = "open";
  return ScheduleAck(s, w, now);
}

namespace {

// A due job's key: "<deadline>:<warning id>:<step>" (JobKey).
struct DueKey {
  int64_t id = 0;
  std::string step, due;
};

std::optional<DueKey> ParseDueKey(const std::string& key) {
  const auto c1 = key.find(':');
  const auto c2 = c1 == std::string::npos ? c1 : key.find(':', c1 + 1);
  if (c2 == std::string::npos) return std::nullopt;  // not a key of ours
  return DueKey{IdFromString(key.substr(c1 + 1, c2 - c1 - 1)).value_or(0), key.substr(c2 + 1), key.substr(0, c1)};
}

// The job escalates w when w is still at the job's step and deadline, and
// its condition holds (not acknowledged, resp. not closed), below the top.
bool Escalates(const Warning& w, const jobs::Job& job, const DueKey& k) {
  const bool ack_job = job.kind == kAckDueJob;
  if (w.state == "closed" || w.owner_step != k.step) return false;
  if (ack_job && (w.state != "open" || std::to_string(w.ack_due_at) != k.due)) return false;
  if (!ack_job && std::to_string(w.action_due_at) != k.due) return false;
  return !NextStep(w.higher_ed, k.step).empty();  // the top of the chain keeps it
}

// Moves w one step up, with new deadlines from now.
void MoveUp(Warning& w, const Deadlines& d, int64_t now) {
  w.owner_step = std::string(NextStep(w.higher_ed, w.owner_step));
  w.state = "open";
  w.escalated_at = now;
  w.ack_due_at = now + Seconds(d.ack[LevelIndex(w.level)]);
  w.action_due_at = now + Seconds(d.action[LevelIndex(w.level)]);
}

// The move of a warning whose action deadline passed: open again, for
// the next owner to acknowledge.
constexpr const char* kEscalateSql =
    "UPDATE warnings SET owner_step = :n, state = 'open', escalated_at = :at, ack_due_at = :a, "
    "action_due_at = :b WHERE id = :id AND owner_step = :cur AND state <> 'closed'";
// The move of one whose acknowledgement deadline passed: it is open and
// stays so, and its state is not set, because SQLite rewrites a row's
// entry in every index on a column the UPDATE sets, changed or not (here
// warnings_school: a page written per warning among all the open ones).
constexpr const char* kEscalateOpenSql =
    "UPDATE warnings SET owner_step = :n, escalated_at = :at, ack_due_at = :a, "
    "action_due_at = :b WHERE id = :id AND owner_step = :cur AND state = 'open'";

audit::Event EscalationEntry(const Warning& w, const std::string& from, bool ack_job) {
  audit::Event e;
  e.actor_role = "system";
  e.action = "escalate";
  e.object_type = "warning";
  e.object_id = IdToString(w.id);
  e.student_id = w.student_id;
  e.school_id = w.school_id;
  e.detail = fmt::format("{{\"from\":\"{}\",\"to\":\"{}\",\"missed\":\"{}\"}}", from, w.owner_step,
                         ack_job ? "acknowledge" : "action");
  return e;
}

nlohmann::json EscalatedPayload(const Warning& w, const std::string& from, int64_t now) {
  nlohmann::json payload = TimelinePayload(w, "预警已逐级上报", now);
  payload["from_step"] = from;
  return payload;
}

}  // namespace

absl::Status HandleDueIn(soci::session& s, const jobs::Job& job, audit::AuditLog& audit, int64_t now) {
  const std::optional<DueKey> k = ParseDueKey(job.key);
  if (!k) return absl::OkStatus();  // not a key of ours: nothing to do
  XQ_ASSIGN_OR_RETURN(auto found, GetWarningIn(s, k->id));
  if (!found) return absl::OkStatus();
  Warning w = *found;
  // Only the step and deadline the job was scheduled for, and only while
  // its condition holds.
  if (!Escalates(w, job, *k)) return absl::OkStatus();
  const std::string from = w.owner_step;
  MoveUp(w, DeadlinesIn(s, w.school_id), now);
  {
    long long wid = w.id, ack = w.ack_due_at, act = w.action_due_at, at = now;
    std::string cur = from;
    soci::statement st =
        (s.prepare << (job.kind == kAckDueJob ? kEscalateOpenSql : kEscalateSql), soci::use(w.owner_step),
         soci::use(at), soci::use(ack), soci::use(act), soci::use(wid), soci::use(cur));
    st.execute(true);
    if (st.get_affected_rows() == 0) return absl::OkStatus();
  }
  XQ_RETURN_IF_ERROR(ScheduleAck(s, w, now));
  TellOwners(s, w, "warning_escalated", now);
  XQ_RETURN_IF_ERROR(audit::RecordingIn(audit, EscalationEntry(w, from, job.kind == kAckDueJob))(s));
  return PublishIn(s, w, kWarningEscalated, EscalatedPayload(w, from, now), now);
}

absl::Status HandleDueBatchIn(soci::session& s, const std::vector<jobs::Job>& due_jobs, audit::AuditLog& audit,
                              int64_t now) {
  // Two jobs of one warning: one after the other, as they would run alone.
  std::vector<std::optional<DueKey>> keys;
  std::set<int64_t> ids;
  bool twice = false;
  for (const jobs::Job& job : due_jobs) {
    keys.push_back(ParseDueKey(job.key));
    if (keys.back() && !ids.insert(keys.back()->id).second) twice = true;
  }
  if (twice) {
    for (const jobs::Job& job : due_jobs) XQ_RETURN_IF_ERROR(HandleDueIn(s, job, audit, now));
    return absl::OkStatus();
  }
  if (ids.empty()) return absl::OkStatus();
  // The warnings, read at once.
  std::string id_list;
  for (int64_t id : ids) id_list += (id_list.empty() ? "" : ", ") + std::to_string(id);
  std::map<int64_t, Warning> found;
  {
    soci::rowset<soci::row> rows = (s.prepare << SelectWarning(false) + "w.id IN (" + id_list + ")");
    for (const auto& r : rows) {
      Warning w = RowToWarning(r);
      found.emplace(w.id, std::move(w));
    }
  }
  // Which escalate, in the jobs' order.
  struct Step {
    Warning w;
    std::string from;
    bool ack_job;
  };
  std::vector<Step> steps;
  std::set<int64_t> schools;
  for (size_t i = 0; i < due_jobs.size(); ++i) {
    if (!keys[i]) continue;
    auto it = found.find(keys[i]->id);
    if (it == found.end() || !Escalates(it->second, due_jobs[i], *keys[i])) continue;
    steps.push_back({it->second, it->second.owner_step, due_jobs[i].kind == kAckDueJob});
    schools.insert(it->second.school_id);
  }
  if (steps.empty()) return absl::OkStatus();
  // Each school's deadlines, read at once (the defaults where it has none).
  std::map<int64_t, Deadlines> deadlines;
  {
    std::string school_list;
    for (int64_t id : schools) school_list += (school_list.empty() ? "" : ", ") + std::to_string(id);
    soci::rowset<soci::row> rows =
        (s.prepare
         << "SELECT school_id, ack1, ack2, ack3, act1, act2, act3 FROM warning_deadlines WHERE school_id IN (" +
                school_list + ")");
    for (const auto& r : rows) {
      Deadlines d;
      for (size_t i = 0; i < 3; ++i) {
        d.ack[i] = db::GetInt(r, i + 1);
        d.action[i] = db::GetInt(r, i + 4);
      }
      deadlines[db::GetInt(r, std::size_t{0})] = d;
    }
  }
  // The moves, through one prepared statement per kind of deadline; a
  // warning changed since it was read (its step, or closed) is left as it is.
  std::vector<Step> moved;
  {
    long long wid = 0, ack = 0, act = 0, at = now;
    std::string next, cur;
    soci::statement missed_ack = (s.prepare << kEscalateOpenSql, soci::use(next), soci::use(at), soci::use(ack),
                                  soci::use(act), soci::use(wid), soci::use(cur));
    soci::statement missed_action = (s.prepare << kEscalateSql, soci::use(next), soci::use(at), soci::use(ack),
                                     soci::use(act), soci::use(wid), soci::use(cur));
    for (Step& m : steps) {
      MoveUp(m.w, deadlines[m.w.school_id], now);
      wid = m.w.id, ack = m.w.ack_due_at, act = m.w.action_due_at, next = m.w.owner_step, cur = m.from;
      soci::statement& st = m.ack_job ? missed_ack : missed_action;
      st.execute(true);
      if (st.get_affected_rows() != 0) moved.push_back(std::move(m));
    }
  }
  // The next step's jobs, the owners' notices, the audit entries and the
  // events, each through one statement, in the jobs' order.
  std::vector<jobs::Job> next_jobs;
  std::vector<std::pair<std::string_view, std::string>> asked;
  for (const Step& m : moved) {
    const Warning& w = m.w;
    if (w.ack_due_at != 0 && !NextStep(w.higher_ed, w.owner_step).empty())
      next_jobs.push_back({.kind = kAckDueJob,
                           .key = JobKey(w.id, w.owner_step, w.ack_due_at),
                           .school_id = w.school_id,
                           .payload = "",
                           .due_at = w.ack_due_at});
    asked.emplace_back(w.owner_step, w.unit_path);
  }
  XQ_RETURN_IF_ERROR(jobs::ScheduleAllIn(s, next_jobs, now));
  const std::vector<std::vector<int64_t>> owners = OwnersOfAll(s, asked);
  std::vector<notice::Notice> notices;
  std::vector<audit::Event> entries;
  std::vector<events::Event> published;
  for (size_t i = 0; i < moved.size(); ++i) {
    const Warning& w = moved[i].w;
    AddNotices(w, owners[i], "warning_escalated", now, notices);
    entries.push_back(EscalationEntry(w, moved[i].from, moved[i].ack_job));
    published.push_back({.school_id = w.school_id,
                         .kind = kWarningEscalated,
                         .subject = fmt::format("student:{}", w.student_id),
                         .payload = EscalatedPayload(w, moved[i].from, now).dump(),
                         .created_at = now});
  }
  notice::PostNotices(s, notices, now);
  XQ_RETURN_IF_ERROR(audit::RecordingIn(audit, std::move(entries))(s));
  return events::PublishAll(s, published);
}

}  // namespace xq::warning
