#include "warning/subscriptions.h"

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/events.h"
#include "warning/model.h"
#include "warning/warning_store.h"

namespace xq::warning {
namespace {

absl::Status RaiseFromResult(soci::session& s, const events::Event& e) {
  XQ_ASSIGN_OR_RETURN(screening::ScreeningResult r, screening::DecodeScreeningResult(e.payload));
  std::vector<Warning> warnings;
  for (const auto& hit : r.hits) {
    Warning w;
    w.id = NewId();
    w.school_id = r.school_id;
    w.student_id = r.student_id;
    w.unit_path = r.unit_path;
    w.submission_id = r.submission_id;
    w.campaign_id = r.campaign_id;
    w.instrument_id = r.instrument_id;
    w.item_id = hit.item_id;
    w.critical_id = hit.critical_id;
    w.urgency = hit.urgency;
    w.label = hit.label;
    w.created_at = r.submitted_at;
    warnings.push_back(std::move(w));
  }
  FollowUp f;
  f.id = NewId();
  f.school_id = r.school_id;
  f.student_id = r.student_id;
  f.unit_path = r.unit_path;
  f.submission_id = r.submission_id;
  f.campaign_id = r.campaign_id;
  f.instrument_id = r.instrument_id;
  f.reason = r.critical ? "critical" : "positive";
  f.due_at = r.follow_up_due_at;
  f.created_at = r.submitted_at;
  std::vector<const Warning*> ws;
  for (const auto& w : warnings) ws.push_back(&w);
  InsertWarningsIn(s, ws);
  InsertFollowUpsIn(s, {&f});
  for (const auto& w : warnings) {
    XQ_RETURN_IF_ERROR(events::Publish(s, {.school_id = w.school_id,
                                           .kind = kWarningRaised,
                                           .subject = fmt::format("student:{}", w.student_id),
                                           .payload = fmt::format("{{\"warning_id\":\"{}\",\"follow_up_id\":\"{}\"}}",
                                                                  IdToString(w.id), IdToString(f.id)),
                                           .created_at = w.created_at})
                           .status());
  }
  return absl::OkStatus();
}

}  // namespace

events::Subscription ScreeningResultsSubscription() {
  return events::Subscription{.name = kScreeningResultsSubscriber,
                              .log = screening::kSubmissionLog,
                              .kinds = {screening::kCriticalAnswer, screening::kPositiveResult},
                              .handler = RaiseFromResult};
}

}  // namespace xq::warning
