// Keeps indicator values up to date (docs/design.md "Indicators"). An
// event of a source's kinds marks the event's school (or unit) inside its
// delivery transaction; RefreshMarked, run by the server twice a second,
// takes the marks at least a minute old (a prompt source's at once: a
// record saved shows within seconds), recomputes each unit's
// facts from every FactSource outside any write transaction, and stores
// them; each indicator's contribution of that unit is compared with the
// one before, and only the difference is added to the unit's, its
// district's and the city's values (a city row is never recomputed from
// its 1,450 schools). Recompute
// rebuilds a school year from scratch; it must agree with the increments.
// Thread-safe (no state besides the sources).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "db/database.h"
#include "events/dispatcher.h"
#include "indicators/facts.h"
#include "indicators/indicator_store.h"

namespace xq::indicators {

inline constexpr char kSubscriber[] = "indicators.facts";
inline constexpr char kRefreshJob[] = "indicators.refresh";

class Engine {
 public:
  Engine(IndicatorStore& store, std::vector<FactSource> sources, const Clock& clock);

  // Recomputes the facts of unit (a school, district or the city) for a
  // school year inside the caller's transaction and applies the deltas.
  absl::Status Refresh(soci::session& s, const UnitRef& unit, int year);
  // Refresh of the unit with this id (no-op for an unknown unit).
  absl::Status RefreshId(soci::session& s, int64_t unit_id, int year);
  // The outbox subscription for the union of the sources' kinds: it marks
  // the units of the events (IndicatorStore::Mark).
  events::Subscription Subscription();
  // Refreshes up to `limit` units marked at or before `before`, oldest mark
  // first: each unit's facts are computed on a pooled session outside any
  // transaction, then the mark is settled and the differences applied in a
  // short light transaction (the write lock is held for the differences
  // only). A unit marked again meanwhile keeps its mark and waits again. A
  // unit that fails keeps its mark; the others go on, and the first error
  // is returned. Returns how many units were refreshed.
  absl::StatusOr<int> RefreshMarked(db::Database& db, int64_t before, int limit = kMarkedPage);
  // Every mark, however recent, until none is left (tools that write and
  // exit, tests).
  absl::Status RefreshAllMarked(db::Database& db);
  static constexpr int kMarkedPage = 256;
  // How long a mark waits before its refresh: the events of a busy school
  // (a screening in full swing) fold into one refresh a minute. A prompt
  // source's marks do not wait (FactSource::prompt).
  static constexpr int64_t kMarkWaitUs = 60'000'000;
  // Marks every school, district and the city for a school year inside the
  // caller's transaction: the hourly catch-up of the facts whose changes
  // publish no event (rosters, grants, submissions, closed follow-ups),
  // refreshed then by RefreshMarked like any mark, outside the write lock.
  absl::Status MarkAllIn(soci::session& s, int year);
  // Rebuilds a school year from scratch in one transaction.
  struct RecomputeStats {
    int64_t units = 0;
    int64_t values = 0;
  };
  absl::StatusOr<RecomputeStats> Recompute(db::Database& db, int year);

  const std::vector<FactSource>& sources() const { return sources_; }

  // For `xinqiao demo`: the figures of the current and the previous school
  // year, so the dashboards have a trend to show.
  absl::Status SeedDemo(db::Database& db);

 private:
  absl::StatusOr<Facts> Compute(soci::session& s, const UnitRef& unit, int year);
  // Stores facts computed for the unit and adds each indicator's difference
  // from the stored ones to the unit and its ancestors (caller holds the
  // unit's lock).
  absl::Status Apply(soci::session& s, const UnitRef& unit, int year, const Facts& after);
  static std::pair<int64_t, int> TargetOf(const events::Event& e);
  absl::Status Handle(soci::session& s, const events::Event& e);
  absl::Status HandleAll(soci::session& s, const std::vector<const events::Event*>& events);

  IndicatorStore& store_;
  std::vector<FactSource> sources_;
  const Clock& clock_;
  std::set<std::string> prompt_kinds_;  // the kinds of the prompt sources
};

}  // namespace xq::indicators
