// What the warning module does on other modules' events (docs/design.md
// "Events"): a critical answer raises its urgent warnings (one per critical
// item) and an urgent follow-up; a positive result raises a follow-up. Each
// raised warning publishes warning.raised into the outbox, in the same
// transaction. Effects happen once per event (events::Dispatcher records
// the event id in the same transaction).
#pragma once

#include "events/dispatcher.h"

namespace xq::warning {

inline constexpr char kScreeningResultsSubscriber[] = "warning.screening_results";
inline constexpr char kWarningRaised[] = "warning.raised";

// Reads the log screening::kSubmissionLog.
events::Subscription ScreeningResultsSubscription();

}  // namespace xq::warning
