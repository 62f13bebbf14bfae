#include "plans/plans_service.h"

#include <algorithm>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "events/events.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "policy/neutral_words.h"
#include "policy/policy.h"

namespace xq::plans {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Decide;

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
constexpr size_t kMaxText = 4000;

policy::Resource At(DataClass c, const std::string& path, int64_t student_id, int level) {
  policy::Resource r;
  r.data_class = c;
  r.unit_path = path;
  r.student_id = student_id;
  r.level_one = level == 1;
  return r;
}

std::string RoleOf(const policy::Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : ""; }

absl::Status PublishD4(soci::session& s, int64_t school_id, std::string_view kind, int64_t student_id,
                       std::string_view summary, std::string_view ref_type, int64_t ref_id, int64_t now,
                       int64_t author) {
  nlohmann::json p = {{"student_id", student_id},   {"data_class", "D4"},           {"summary_zh", summary},
                      {"ref_type", ref_type},       {"ref_id", IdToString(ref_id)}, {"occurred_at", now},
                      {"author_account_id", author}};
  return events::Publish(s, {.school_id = school_id,
                             .kind = std::string(kind),
                             .subject = fmt::format("student:{}", student_id),
                             .payload = p.dump(),
                             .created_at = now})
      .status();
}

audit::Event Entry(const policy::Actor& actor, std::string role, std::string action, std::string type, int64_t id,
                   int64_t student, int64_t school) {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = std::move(role);
  e.action = std::move(action);
  e.object_type = std::move(type);
  e.object_id = IdToString(id);
  e.student_id = student;
  e.school_id = school;
  return e;
}

}  // namespace

std::string_view LevelGuidance(int level) {
  switch (level) {
    case 1:
      return "一级关注：每日关心，专人陪伴，及时与家长沟通";
    case 2:
      return "二级关注：每周谈心一次，留意变化";
    case 3:
      return "三级关注：每月谈心一次，日常关心";
    default:
      return "";
  }
}

std::vector<std::string> PlansService::ScopesFor(const policy::Actor& actor, DataClass c) const {
  std::vector<std::string> out;
  for (const auto& g : actor.grants) {
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = c;
    r.unit_path = g.unit_path;
    policy::Decision d = Decide(one, Action::kRead, r);
    if (d.allowed && d.view == policy::View::kFull && std::find(out.begin(), out.end(), g.unit_path) == out.end())
      out.push_back(g.unit_path);
  }
  return out;
}

absl::StatusOr<PlansService::Located> PlansService::Check(const policy::Actor& actor, int64_t student_id, Action action,
                                                          std::string_view object_type) {
  XQ_ASSIGN_OR_RETURN(auto found, archive_.Locate(student_id));
  policy::Decision d;
  if (found)
    d = Decide(actor, action, At(DataClass::kAttention, found->archive_path, student_id, found->attention_level));
  if (!found || !d.allowed || d.view != policy::View::kFull) {
    audit::Event e = Entry(actor, "", "denied", std::string(object_type), student_id, student_id,
                           found ? found->archive_school_id : 0);
    e.outcome = "denied";
    e.detail = found ? d.reason.substr(0, 300) : "no such student";
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    // A caller who may read the plan knows it exists: 403 for a change.
    if (found && action == Action::kWrite &&
        Decide(actor, Action::kRead, At(DataClass::kAttention, found->archive_path, student_id, found->attention_level))
            .allowed)
      return PermissionDenied("only the psychology centre writes plans");
    return NotFound("student not found");
  }
  return Located{*found, d};
}

absl::StatusOr<Plan> PlansService::CheckedPlan(const policy::Actor& actor, int64_t plan_id, Action action) {
  XQ_ASSIGN_OR_RETURN(auto plan, store_.GetPlan(plan_id));
  if (!plan) return NotFound("plan not found");
  XQ_RETURN_IF_ERROR(Check(actor, plan->student_id, action, "plan").status());
  return *plan;
}

absl::Status PlansService::Validate(const PlanInput& in) const {
  if (in.level < 0 || in.level > 3) return InvalidArgument("level must be 0..3", "level");
  if (in.goals.empty()) return InvalidArgument("goals are required", "goals");
  if (in.goals.size() > kMaxText) return InvalidArgument("goals too long", "goals");
  if (in.measures.empty()) return InvalidArgument("measures are required", "measures");
  if (in.measures.size() > kMaxText) return InvalidArgument("measures too long", "measures");
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(in.goals, "goals"));
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(in.measures, "measures"));
  if (in.responsible.empty()) return InvalidArgument("name at least one responsible person", "responsible");
  static const std::vector<std::string> kRoles = {"head_teacher",  "psych_staff", "guardian",
                                                  "school_leader", "grade_head",  "other"};
  for (size_t i = 0; i < in.responsible.size(); ++i) {
    const auto& r = in.responsible[i];
    if (std::find(kRoles.begin(), kRoles.end(), r.role) == kRoles.end())
      return InvalidArgument("unknown role", fmt::format("responsible[{}].role", i));
    if (r.name.empty() || r.name.size() > 100 || r.name.find_first_of("\t\n") != std::string::npos)
      return InvalidArgument("name required", fmt::format("responsible[{}].name", i));
  }
  if (!IsValidDate(in.next_review_date)) return InvalidArgument("must be YYYY-MM-DD", "next_review_date");
  if (in.next_review_date < FormatDate(clock_.NowMicros()))
    return InvalidArgument("the next review lies in the past", "next_review_date");
  return absl::OkStatus();
}

absl::StatusOr<Plan> PlansService::CurrentPlan(const policy::Actor& actor, int64_t student_id) {
  XQ_ASSIGN_OR_RETURN(Located at, Check(actor, student_id, Action::kRead, "plan"));
  XQ_ASSIGN_OR_RETURN(auto plan, store_.CurrentPlan(student_id));
  XQ_RETURN_IF_ERROR(audit::Record(audit_, Entry(actor, RoleOf(at.decision), "read", "plan", plan ? plan->id : 0,
                                                 student_id, at.student.archive_school_id)));
  if (!plan) return NotFound("no plan");
  return *plan;
}

absl::StatusOr<Plan> PlansService::GetPlan(const policy::Actor& actor, int64_t plan_id) {
  XQ_ASSIGN_OR_RETURN(Plan p, CheckedPlan(actor, plan_id, Action::kRead));
  XQ_RETURN_IF_ERROR(audit::Record(audit_, Entry(actor, "", "read", "plan", p.id, p.student_id, p.school_id)));
  return p;
}

absl::StatusOr<Plan> PlansService::CreatePlan(const policy::Actor& actor, int64_t student_id, const PlanInput& in) {
  XQ_ASSIGN_OR_RETURN(Located at, Check(actor, student_id, Action::kWrite, "plan"));
  XQ_RETURN_IF_ERROR(Validate(in));
  const int64_t now = clock_.NowMicros();
  Plan p;
  p.id = NewId();
  p.school_id = at.student.archive_school_id;
  p.student_id = student_id;
  p.level = in.level ? in.level : at.student.attention_level;
  p.goals = in.goals;
  p.measures = in.measures;
  p.responsible = in.responsible;
  p.next_review_date = in.next_review_date;
  p.created_by = actor.account_id;
  p.created_at = p.updated_at = now;
  p.student_name = at.student.name;
  auto audit_in =
      audit::RecordingIn(audit_, Entry(actor, RoleOf(at.decision), "create", "plan", p.id, student_id, p.school_id));
  XQ_RETURN_IF_ERROR(store_.InsertPlan(p, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(
        PublishD4(s, p.school_id, "plans.created", student_id, "制定了一生一策", "plan", p.id, now, actor.account_id));
    return audit_in(s);
  }));
  return p;
}

absl::StatusOr<Plan> PlansService::UpdatePlan(const policy::Actor& actor, int64_t plan_id, const PlanInput& in) {
  XQ_ASSIGN_OR_RETURN(Plan p, CheckedPlan(actor, plan_id, Action::kWrite));
  XQ_RETURN_IF_ERROR(Validate(in));
  const int64_t now = clock_.NowMicros();
  if (in.level) p.level = in.level;
  p.goals = in.goals;
  p.measures = in.measures;
  p.responsible = in.responsible;
  p.next_review_date = in.next_review_date;
  p.updated_at = now;
  auto audit_in = audit::RecordingIn(audit_, Entry(actor, "", "update", "plan", p.id, p.student_id, p.school_id));
  XQ_RETURN_IF_ERROR(store_.UpdatePlan(p, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(PublishD4(s, p.school_id, "plans.updated", p.student_id, "调整了一生一策", "plan", p.id, now,
                                 actor.account_id));
    return audit_in(s);
  }));
  return p;
}

absl::StatusOr<Plan> PlansService::AddNote(const policy::Actor& actor, int64_t plan_id, const std::string& note) {
  XQ_ASSIGN_OR_RETURN(Plan p, CheckedPlan(actor, plan_id, Action::kWrite));
  if (note.empty()) return InvalidArgument("note is required", "note");
  if (note.size() > kMaxText) return InvalidArgument("note too long", "note");
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(note, "note"));
  if (p.state != "open") return Conflict("the plan is closed");
  const int64_t now = clock_.NowMicros();
  Note n{NewId(), note, "staff", actor.account_id, now};
  auto audit_in = audit::RecordingIn(audit_, Entry(actor, "", "note", "plan", p.id, p.student_id, p.school_id));
  XQ_RETURN_IF_ERROR(store_.AddNote(p.id, p.school_id, n, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(PublishD4(s, p.school_id, "plans.note_added", p.student_id, "一生一策新增进展记录", "plan", p.id,
                                 now, actor.account_id));
    return audit_in(s);
  }));
  p.notes.push_back(n);
  return p;
}

absl::StatusOr<Plan> PlansService::Close(const policy::Actor& actor, int64_t plan_id, const std::string& reason) {
  XQ_ASSIGN_OR_RETURN(Plan p, CheckedPlan(actor, plan_id, Action::kWrite));
  if (reason.empty()) return InvalidArgument("reason is required", "reason");
  if (reason.size() > kMaxText) return InvalidArgument("reason too long", "reason");
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(reason, "reason"));
  const int64_t now = clock_.NowMicros();
  auto audit_in = audit::RecordingIn(audit_, Entry(actor, "", "close", "plan", p.id, p.student_id, p.school_id));
  XQ_RETURN_IF_ERROR(store_.ClosePlan(p.id, reason, now, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(
        PublishD4(s, p.school_id, "plans.closed", p.student_id, "一生一策结案", "plan", p.id, now, actor.account_id));
    return audit_in(s);
  }));
  p.state = "closed";
  p.close_reason = reason;
  p.closed_at = now;
  return p;
}

absl::StatusOr<std::pair<std::vector<Plan>, std::string>> PlansService::Overdue(const policy::Actor& actor,
                                                                                int page_size, std::string_view after) {
  return ListOpen(actor, FormatDate(clock_.NowMicros()), page_size, after);
}

absl::StatusOr<std::pair<std::vector<Plan>, std::string>> PlansService::OpenPlans(const policy::Actor& actor,
                                                                                  int page_size,
                                                                                  std::string_view after) {
  return ListOpen(actor, "9999-12-31", page_size, after);
}

absl::StatusOr<std::pair<std::vector<Plan>, std::string>> PlansService::ListOpen(const policy::Actor& actor,
                                                                                 const std::string& before,
                                                                                 int page_size,
                                                                                 std::string_view after) {
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  std::string after_date;
  int64_t after_id = 0;
  if (!after.empty()) {
    auto sep = after.find('_');
    auto id = sep == std::string_view::npos ? std::nullopt : IdFromString(after.substr(sep + 1));
    if (!id || !IsValidDate(after.substr(0, sep))) return InvalidArgument("bad cursor", "after");
    after_date = std::string(after.substr(0, sep));
    after_id = *id;
  }
  auto scopes = ScopesFor(actor, DataClass::kAttention);
  if (scopes.empty()) return PermissionDenied("no scope with attention levels");
  XQ_ASSIGN_OR_RETURN(auto list, store_.ListOverdue(scopes, before, after_date, after_id, page_size));
  std::string next;
  if (static_cast<int>(list.size()) == page_size)
    next = list.back().next_review_date + "_" + IdToString(list.back().id);
  return std::make_pair(std::move(list), std::move(next));
}

absl::StatusOr<ReviewMeeting> PlansService::RecordReview(const policy::Actor& actor, const ReviewInput& in) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.FindUnit(in.unit_id));
  policy::Decision d;
  if (unit) {
    policy::Resource r;
    r.data_class = DataClass::kWorkRecords;
    r.unit_path = unit->path;
    d = Decide(actor, Action::kWrite, r);
  }
  if (!unit || !d.allowed || unit->school_id == 0) {
    audit::Event e = Entry(actor, "", "denied", "review_meeting", in.unit_id, 0, unit ? unit->school_id : 0);
    e.outcome = "denied";
    e.detail = unit ? d.reason.substr(0, 300) : "no such unit";
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    return NotFound("unit not found");
  }
  const int64_t now = clock_.NowMicros();
  const std::string today = FormatDate(now);
  if (!IsValidDate(in.held_on) || in.held_on > today) return InvalidArgument("held_on must be a past date", "held_on");
  if (!IsValidDate(in.next_review_date) || in.next_review_date <= in.held_on)
    return InvalidArgument("next_review_date must follow held_on", "next_review_date");
  if (in.attendees.empty()) return InvalidArgument("name the attendees", "attendees");
  for (size_t i = 0; i < in.attendees.size(); ++i)
    if (in.attendees[i].empty() || in.attendees[i].size() > 100 || in.attendees[i].find('\n') != std::string::npos)
      return InvalidArgument("attendee name required", fmt::format("attendees[{}]", i));
  if (in.valid_days < 7 || in.valid_days > 366) return InvalidArgument("valid_days must be 7..366", "valid_days");
  if (in.decisions.empty()) return InvalidArgument("discuss at least one student", "decisions");
  ReviewMeeting m;
  m.id = NewId();
  m.school_id = unit->school_id;
  m.unit_id = unit->id;
  m.unit_path = unit->path;
  m.held_on = in.held_on;
  m.attendees = in.attendees;
  m.next_review_date = in.next_review_date;
  m.recorded_by = actor.account_id;
  m.created_at = now;
  for (size_t i = 0; i < in.decisions.size(); ++i) {
    Decision x = in.decisions[i];
    const std::string field = fmt::format("decisions[{}]", i);
    for (size_t j = 0; j < i; ++j)
      if (in.decisions[j].student_id == x.student_id) return InvalidArgument("student twice", field + ".student_id");
    XQ_ASSIGN_OR_RETURN(auto found, archive_.Locate(x.student_id));
    // Students of the unit whose levels the caller reads.
    if (!found || found->transferred_in || !policy::InScope(unit->path, found->unit_path) ||
        !Decide(actor, Action::kRead, At(DataClass::kAttention, found->unit_path, x.student_id, found->attention_level))
             .allowed)
      return WithField(NotFound("student not found in the unit"), field + ".student_id");
    if (x.note.size() > kMaxText) return InvalidArgument("note too long", field + ".note");
    XQ_RETURN_IF_ERROR(policy::CheckNeutralText(x.note, field + ".note"));
    x.level_before = found->attention_level;
    x.student_path = found->unit_path;
    const int cur = found->attention_level;
    if (x.decision == "keep") {
      if (!cur) return InvalidArgument("no level to keep", field + ".decision");
      x.level_after = cur;
    } else if (x.decision == "raise") {
      x.level_after = cur ? std::max(1, cur - 1) : 3;
    } else if (x.decision == "lower") {
      if (!cur) return InvalidArgument("no level to lower", field + ".decision");
      if (cur == 3) return InvalidArgument("三级 is the lowest level; clear it instead", field + ".decision");
      x.level_after = cur + 1;
    } else if (x.decision == "clear") {
      if (!cur) return InvalidArgument("no level to clear", field + ".decision");
      x.level_after = 0;
    } else {
      return InvalidArgument("decision must be keep, raise, lower or clear", field + ".decision");
    }
    m.decisions.push_back(std::move(x));
  }
  const int64_t expires_at = now + int64_t{in.valid_days} * kDayUs;
  auto audit_in = audit::RecordingIn(audit_, Entry(actor, RoleOf(d), "create", "review_meeting", m.id, 0, m.school_id));
  XQ_RETURN_IF_ERROR(store_.InsertReview(m, expires_at, [&](soci::session& s) -> absl::Status {
    for (const Decision& x : m.decisions) {
      const char* summary = x.decision == "keep"    ? "定期研判：维持关注等级"
                            : x.decision == "clear" ? "定期研判：解除关注"
                                                    : "定期研判：调整关注等级";
      XQ_RETURN_IF_ERROR(PublishD4(s, m.school_id, "plans.review_recorded", x.student_id, summary, "review", m.id, now,
                                   actor.account_id));
    }
    return audit_in(s);
  }));
  return m;
}

absl::StatusOr<std::pair<std::vector<ReviewMeeting>, std::string>> PlansService::ListReviews(const policy::Actor& actor,
                                                                                             int page_size,
                                                                                             std::string_view after) {
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t before = 0;
  if (!after.empty()) {
    auto id = IdFromString(after);
    if (!id) return InvalidArgument("bad cursor", "after");
    before = *id;
  }
  auto scopes = ScopesFor(actor, DataClass::kWorkRecords);
  // Reviews name students' levels: only where the caller also reads D4.
  auto d4 = ScopesFor(actor, DataClass::kAttention);
  std::vector<std::string> both;
  for (const auto& p : scopes)
    if (std::find(d4.begin(), d4.end(), p) != d4.end()) both.push_back(p);
  if (both.empty()) return PermissionDenied("no scope with review meetings");
  XQ_ASSIGN_OR_RETURN(auto list, store_.ListReviews(both, before, page_size));
  std::string next = static_cast<int>(list.size()) == page_size ? IdToString(list.back().id) : "";
  return std::make_pair(std::move(list), std::move(next));
}

}  // namespace xq::plans
