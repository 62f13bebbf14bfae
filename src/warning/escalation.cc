#include "warning/escalation.h"

#include <optional>

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

// "<warning id>:<step>:<deadline>": one job per step and deadline, so a
// step escalates once, and a changed deadline (a new level) is a new job.
std::string JobKey(int64_t id, std::string_view step, int64_t due) {
  return fmt::format("{}:{}:{}", IdToString(id), step, due);
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
void TellOwners(soci::session& s, const Warning& w, std::string_view kind, int64_t now) {
  const bool class_step = w.owner_step == kStepClass || w.owner_step == kStepGrade || w.owner_step == kStepDepartment;
  std::vector<notice::Notice> notices;
  for (int64_t account : OwnersOf(s, w.owner_step, w.unit_path)) {
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

std::vector<int64_t> OwnersOf(soci::session& s, std::string_view step, const std::string& unit_path) {
  std::string role, kinds;
  if (step == kStepClass) {
    role = "head_teacher", kinds = "'class', 'dorm'";
  } else if (step == kStepGrade || step == kStepDepartment) {
    role = "grade_head", kinds = "'grade', 'department'";
  } else if (step == kStepPsychCentre) {
    role = "psych_staff", kinds = "'school'";
  } else if (step == kStepSchoolLeader) {
    role = "school_leader", kinds = "'school'";
  } else if (step == kStepDistrictCrisis) {
    role = "crisis_group", kinds = "'district'";
  } else if (step == kStepCityCrisis) {
    role = "crisis_group", kinds = "'city'";
  } else {
    return {};
  }
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
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT w.id, w.school_id, w.student_id, w.unit_path, w.label, w.state, w.created_at, "
                    "w.acknowledged_by, w.acknowledged_at, w.source, w.level, w.owner_step, w.higher_ed, "
                    "w.ack_due_at, w.action_due_at, w.escalated_at, w.summary, w.ref_type, w.ref_id, w.closed_by, "
                    "w.closed_at, w.close_reason, st.name AS student_name, st.student_no FROM warnings w "
                    "JOIN students st ON st.id = w.student_id WHERE w.id = :id",
       soci::use(wid));
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

absl::Status HandleDueIn(soci::session& s, const jobs::Job& job, audit::AuditLog& audit, int64_t now) {
  const auto c1 = job.key.find(':');
  const auto c2 = c1 == std::string::npos ? c1 : job.key.find(':', c1 + 1);
  if (c2 == std::string::npos) return absl::OkStatus();  // not a key of ours: nothing to do
  const int64_t id = IdFromString(job.key.substr(0, c1)).value_or(0);
  const std::string step = job.key.substr(c1 + 1, c2 - c1 - 1);
  const std::string due = job.key.substr(c2 + 1);
  XQ_ASSIGN_OR_RETURN(auto found, GetWarningIn(s, id));
  if (!found) return absl::OkStatus();
  Warning w = *found;
  const bool ack_job = job.kind == kAckDueJob;
  // Only the step and deadline the job was scheduled for, and only while
  // its condition holds.
  if (w.state == "closed" || w.owner_step != step) return absl::OkStatus();
  if (ack_job && (w.state != "open" || std::to_string(w.ack_due_at) != due)) return absl::OkStatus();
  if (!ack_job && std::to_string(w.action_due_at) != due) return absl::OkStatus();
  const std::string_view next = NextStep(w.higher_ed, step);
  if (next.empty()) return absl::OkStatus();  // the top of the chain keeps it
  const Deadlines d = DeadlinesIn(s, w.school_id);
  const std::string from = w.owner_step;
  w.owner_step = std::string(next);
  w.state = "open";
  w.escalated_at = now;
  w.ack_due_at = now + Seconds(d.ack[LevelIndex(w.level)]);
  w.action_due_at = now + Seconds(d.action[LevelIndex(w.level)]);
  {
    long long wid = w.id, ack = w.ack_due_at, act = w.action_due_at, at = now;
    std::string cur = from;
    soci::statement st =
        (s.prepare << "UPDATE warnings SET owner_step = :n, state = 'open', escalated_at = :at, ack_due_at = :a, "
                      "action_due_at = :b WHERE id = :id AND owner_step = :cur AND state <> 'closed'",
         soci::use(w.owner_step), soci::use(at), soci::use(ack), soci::use(act), soci::use(wid), soci::use(cur));
    st.execute(true);
    if (st.get_affected_rows() == 0) return absl::OkStatus();
  }
  XQ_RETURN_IF_ERROR(ScheduleAck(s, w, now));
  TellOwners(s, w, "warning_escalated", now);
  audit::Event e;
  e.actor_role = "system";
  e.action = "escalate";
  e.object_type = "warning";
  e.object_id = IdToString(w.id);
  e.student_id = w.student_id;
  e.school_id = w.school_id;
  e.detail = fmt::format("{{\"from\":\"{}\",\"to\":\"{}\",\"missed\":\"{}\"}}", from, w.owner_step,
                         ack_job ? "acknowledge" : "action");
  XQ_RETURN_IF_ERROR(audit::RecordingIn(audit, e)(s));
  nlohmann::json payload = TimelinePayload(w, "预警已逐级上报", now);
  payload["from_step"] = from;
  return PublishIn(s, w, kWarningEscalated, payload, now);
}

}  // namespace xq::warning
