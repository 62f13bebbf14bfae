// What the warning module does on other modules' events (docs/design.md
// "Events"): a critical answer raises its urgent warnings (one per critical
// item) and an urgent follow-up; a positive result raises a follow-up. Each
// raised warning publishes warning.raised into the outbox, in the same
// transaction. Effects happen once per event (events::Dispatcher records
// the event id in the same transaction).
#pragma once

#include "audit/audit.h"
#include "events/dispatcher.h"

namespace xq::warning {

inline constexpr char kScreeningResultsSubscriber[] = "warning.screening_results";
inline constexpr char kWarningRaised[] = "warning.raised";

inline constexpr char kObservationsSubscriber[] = "warning.observations";
inline constexpr char kCounsellingRiskSubscriber[] = "warning.counselling_risk";

// Each raises through RaiseAndInformIn: a 一级 warning is made known at
// once beyond its first owners (warning/inform.h), with audit entries in
// `audit`, which must outlive the subscription.
// Reads the log screening::kSubmissionLog.
events::Subscription ScreeningResultsSubscription(audit::AuditLog& audit);
// network.observation_reported (urgency immediate) → an urgent 一级 warning.
events::Subscription ObservationsSubscription(audit::AuditLog& audit);
// counselling.risk_recorded: high → 二级, imminent → 一级.
events::Subscription CounsellingRiskSubscription(audit::AuditLog& audit);

}  // namespace xq::warning
