#include "plans/subscriptions.h"

#include <charconv>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "plans/plans_store.h"
#include "policy/neutral_words.h"
#include "spdlog/spdlog.h"

namespace xq::plans {
namespace {

int64_t IntOf(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) return IdFromString(j.get<std::string>()).value_or(0);
  return 0;
}

absl::Status OnReturnPlan(soci::session& s, const events::Event& e) {
  nlohmann::json p = nlohmann::json::parse(e.payload, nullptr, false);
  if (!p.is_object()) return absl::OkStatus();
  const int64_t student = p.contains("student_id") ? IntOf(p["student_id"]) : 0;
  std::string text = p.value("plan_text_neutral", "");
  if (student <= 0 || text.empty()) {
    spdlog::warn("plans: {} without student_id or plan_text_neutral ignored", e.kind);
    return absl::OkStatus();
  }
  // Plans are shown to teachers and printed: a diagnostic word is kept out.
  if (!policy::DiagnosticWordsIn(text).empty()) text = "复学计划已制定（详见心理中心记录）";
  XQ_ASSIGN_OR_RETURN(int64_t plan_id, OpenPlanIdIn(s, student));
  const int64_t now = e.created_at;
  if (!plan_id) {
    Plan plan;
    plan.id = NewId();
    plan.school_id = e.school_id;
    plan.student_id = student;
    plan.goals = "平稳复学，逐步适应校园生活";
    plan.measures = "按复学计划落实，定期谈心";
    plan.responsible = {{"psych_staff", "心理中心"}, {"head_teacher", "班主任"}, {"guardian", "家长"}};
    plan.next_review_date = FormatDate(now + int64_t{14} * 86400 * 1'000'000);
    plan.created_at = plan.updated_at = now;
    XQ_RETURN_IF_ERROR(InsertPlanIn(s, plan));
    plan_id = plan.id;
    nlohmann::json created = {{"student_id", student},          {"data_class", "D4"},
                              {"summary_zh", "制定了一生一策"}, {"ref_type", "plan"},
                              {"ref_id", IdToString(plan_id)},  {"occurred_at", now}};
    XQ_RETURN_IF_ERROR(events::Publish(s, {.school_id = e.school_id,
                                           .kind = "plans.created",
                                           .subject = fmt::format("student:{}", student),
                                           .payload = created.dump(),
                                           .created_at = now})
                           .status());
  }
  XQ_RETURN_IF_ERROR(InsertNoteIn(s, plan_id, e.school_id, Note{NewId(), text, "crisis", 0, now}));
  nlohmann::json noted = {{"student_id", student},
                          {"data_class", "D4"},
                          {"summary_zh", "一生一策加入复学计划"},
                          {"ref_type", "plan"},
                          {"ref_id", IdToString(plan_id)},
                          {"occurred_at", now}};
  return events::Publish(s, {.school_id = e.school_id,
                             .kind = "plans.note_added",
                             .subject = fmt::format("student:{}", student),
                             .payload = noted.dump(),
                             .created_at = now})
      .status();
}

}  // namespace

events::Subscription ReturnPlanSubscription() {
  return events::Subscription{.name = kReturnPlanSubscriber,
                              .log = events::kOutbox,
                              .kinds = {"crisis.return_plan_written"},
                              .handler = OnReturnPlan};
}

}  // namespace xq::plans
