#include "warning/subscriptions.h"

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/events.h"
#include "nlohmann/json.hpp"
#include "warning/escalation.h"
#include "warning/inform.h"
#include "warning/model.h"
#include "warning/warning_store.h"

namespace xq::warning {
namespace {

// A critical or positive result: its follow-up, and for each critical item
// hit an urgent warning.
struct ResultWork {
  const events::Event* event = nullptr;
  screening::ScreeningResult result;
  FollowUp follow_up;
};

absl::StatusOr<ResultWork> WorkOf(const events::Event& e) {
  ResultWork w{.event = &e};
  XQ_ASSIGN_OR_RETURN(w.result, screening::DecodeScreeningResult(e.payload));
  const screening::ScreeningResult& r = w.result;
  FollowUp& f = w.follow_up;
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
  return w;
}

absl::Status RaiseWarningsOf(soci::session& s, const ResultWork& work, audit::AuditLog& audit) {
  const screening::ScreeningResult& r = work.result;
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
    // A critical answer is a 一级 warning owned by the psychology centre
    // from the start (head teachers never see screening results).
    w.source = "screening";
    w.level = 1;
    w.owner_step = std::string(kStepPsychCentre);
    w.summary = "一次测评后需要尽快关心";
    w.ref_type = "submission";
    w.ref_id = w.submission_id;
    const int64_t at = work.event->created_at ? work.event->created_at : w.created_at;
    XQ_RETURN_IF_ERROR(
        RaiseAndInformIn(s, w, at, audit, fmt::format("{{\"follow_up_id\":\"{}\"}}", IdToString(work.follow_up.id))));
  }
  return absl::OkStatus();
}

// The results of a delivery batch: every follow-up through one insert (most
// results are positive only: a follow-up and nothing else), then each
// critical result's warnings, in order; the same effect as one result at
// a time.
absl::Status RaiseFromResults(soci::session& s, const std::vector<const events::Event*>& events,
                              audit::AuditLog& audit) {
  std::vector<ResultWork> all;
  all.reserve(events.size());
  for (const events::Event* e : events) {
    XQ_ASSIGN_OR_RETURN(ResultWork w, WorkOf(*e));
    all.push_back(std::move(w));
  }
  std::vector<const FollowUp*> follow_ups;
  follow_ups.reserve(all.size());
  for (const ResultWork& w : all) follow_ups.push_back(&w.follow_up);
  InsertFollowUpsIn(s, follow_ups);
  for (const ResultWork& w : all) XQ_RETURN_IF_ERROR(RaiseWarningsOf(s, w, audit));
  return absl::OkStatus();
}

// network.observation_reported with urgency "immediate": an urgent 一级
// warning at once, owned first by the class (R-30, issue 19 item 1), made
// known at once to the psychology centre and the school leaders (inform.h).
absl::Status RaiseFromObservation(soci::session& s, const events::Event& e, audit::AuditLog& audit) {
  auto j = nlohmann::json::parse(e.payload, nullptr, false);
  if (!j.is_object() || j.value("urgency", "") != "immediate") return absl::OkStatus();
  Warning w;
  w.school_id = e.school_id;
  w.student_id = j.value("student_id", int64_t{0});
  w.unit_path = j.value("unit_path", "");
  if (w.student_id == 0 || w.unit_path.empty()) return absl::OkStatus();
  w.urgency = "immediate";
  w.label = j.value("category_label", "");
  w.source = "observation";
  w.level = 1;
  w.owner_step = std::string(kStepClass);
  w.summary = "观察报告提示需要立即关心";
  w.ref_type = "observation";
  w.ref_id = j.value("observation_id", int64_t{0});
  return RaiseAndInformIn(s, w, e.created_at, audit);
}

// counselling.risk_recorded: high → 二级, imminent → 一级 (owned by the
// psychology centre, whose counsellor recorded it).
absl::Status RaiseFromCounselling(soci::session& s, const events::Event& e, audit::AuditLog& audit) {
  auto j = nlohmann::json::parse(e.payload, nullptr, false);
  if (!j.is_object()) return absl::OkStatus();
  const std::string risk = j.value("risk", "");
  const int level = risk == "imminent" ? 1 : risk == "high" ? 2 : 0;
  if (level == 0) return absl::OkStatus();
  Warning w;
  w.school_id = e.school_id;
  w.student_id = j.value("student_id", int64_t{0});
  if (w.student_id == 0) return absl::OkStatus();
  {
    long long sid = w.student_id;
    soci::indicator ind = soci::i_ok;
    s << "SELECT unit_path FROM students WHERE id = :id", soci::use(sid), soci::into(w.unit_path, ind);
    if (!s.got_data() || w.unit_path.empty()) return absl::OkStatus();
  }
  w.urgency = risk;
  w.source = "counselling";
  w.level = level;
  w.owner_step = std::string(kStepPsychCentre);
  w.summary = "心理辅导后需要持续关心";
  w.ref_type = "counselling_record";
  w.ref_id = j.value("record_id", int64_t{0});
  return RaiseAndInformIn(s, w, e.created_at, audit);
}

}  // namespace

events::Subscription ObservationsSubscription(audit::AuditLog& audit) {
  return events::Subscription{
      .name = kObservationsSubscriber,
      .log = events::kOutbox,
      .kinds = {"network.observation_reported"},
      .handler = [&audit](soci::session& s, const events::Event& e) { return RaiseFromObservation(s, e, audit); }};
}

events::Subscription CounsellingRiskSubscription(audit::AuditLog& audit) {
  return events::Subscription{
      .name = kCounsellingRiskSubscriber,
      .log = events::kOutbox,
      .kinds = {"counselling.risk_recorded"},
      .handler = [&audit](soci::session& s, const events::Event& e) { return RaiseFromCounselling(s, e, audit); }};
}

events::Subscription ScreeningResultsSubscription(audit::AuditLog& audit) {
  return events::Subscription{
      .name = kScreeningResultsSubscriber,
      .log = screening::kSubmissionLog,
      .kinds = {screening::kCriticalAnswer, screening::kPositiveResult},
      .handler = [&audit](soci::session& s, const events::Event& e) { return RaiseFromResults(s, {&e}, audit); },
      .batch_handler =
          [&audit](soci::session& s, const std::vector<const events::Event*>& events) {
            return RaiseFromResults(s, events, audit);
          }};
}

}  // namespace xq::warning
