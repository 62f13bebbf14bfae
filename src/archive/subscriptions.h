// What the archive does on other modules' events: every outbox event about
// one student (subject "student:<id>", the timeline convention of
// docs/design.md "Events") becomes one line of that student's timeline.
// Idempotent per event id (archive_timeline's key), besides the
// dispatcher's once-per-event delivery.
#pragma once

#include <optional>

#include "archive/model.h"
#include "events/dispatcher.h"

namespace xq::archive {

inline constexpr char kTimelineSubscriber[] = "archive.timeline";

events::Subscription TimelineSubscription();

// The timeline line of an event, or nullopt for an event not about one
// student or without the convention's fields. A summary holding a
// diagnostic word is replaced by a neutral line.
std::optional<TimelineEntry> TimelineEntryOf(const events::Event& e);

}  // namespace xq::archive
