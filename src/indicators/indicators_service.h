// IndicatorsService (R-60…R-62): what a school, district or the city
// stands at against each declared target, the league table of the units
// below, trends, the evidence behind a figure, Excel exports and the
// sign-off of a school's figures. Takes a policy::Actor; decides with
// policy::Decide (D7 for the figures, D8 for the evidence behind them,
// DecideSignOff for the sign-off steps); records audit entries in the
// transaction of each change. No HTTP, no JSON. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "db/database.h"
#include "indicators/engine.h"
#include "indicators/indicator_store.h"
#include "indicators/model.h"
#include "policy/model.h"

namespace xq::indicators {

struct ShownValue {
  Value value;
  bool suppressed = false;  // a screening figure over fewer than k students
};

struct UnitRow {
  UnitRef unit;
  std::vector<ShownValue> values;  // one per declared indicator (units 0: no data)
};

struct UnitView {
  int school_year = 0;
  UnitRow unit;
  std::vector<UnitRow> children;   // districts and schools directly below (league table)
  std::optional<SignOff> signoff;  // a school's sign-off for the year, if any
  std::vector<UnitRef> ancestors;  // for the breadcrumb, from the actor's top
  int k = 10;
};

struct TrendPoint {
  int school_year = 0;
  std::vector<ShownValue> values;
};

struct EvidencePage {
  const Indicator* indicator = nullptr;
  std::vector<Evidence> items;
  int64_t next = 0;  // cursor (a unit id), 0: last page
};

struct SignOffRow {
  UnitRef school;
  std::optional<SignOff> signoff;
};

class IndicatorsService {
 public:
  IndicatorsService(db::Database& db, IndicatorStore& store, Engine& engine, audit::AuditLog& audit,
                    const Clock& clock);

  absl::StatusOr<UnitView> View(const policy::Actor& actor, int64_t unit_id, std::optional<int> year);
  absl::StatusOr<std::vector<TrendPoint>> Trend(const policy::Actor& actor, int64_t unit_id);
  absl::StatusOr<EvidencePage> EvidenceOf(const policy::Actor& actor, int64_t unit_id, const std::string& indicator_id,
                                          std::optional<int> year, int64_t after, int limit);
  // The unit's figures and its league table as an .xlsx file.
  absl::StatusOr<std::string> Export(const policy::Actor& actor, int64_t unit_id, std::optional<int> year);

  // The unit the actor lands on (its highest unit with dashboard access).
  absl::StatusOr<UnitRef> Home(const policy::Actor& actor);

  absl::StatusOr<SignOff> Submit(const policy::Actor& actor, int64_t school_id, std::optional<int> year);
  absl::StatusOr<SignOff> Approve(const policy::Actor& actor, int64_t signoff_id);
  absl::StatusOr<SignOff> Return(const policy::Actor& actor, int64_t signoff_id, const std::string& comment);
  absl::StatusOr<SignOff> Accept(const policy::Actor& actor, int64_t signoff_id);
  // The sign-offs of the schools below a unit (review list).
  absl::StatusOr<std::vector<SignOffRow>> SignOffs(const policy::Actor& actor, int64_t unit_id,
                                                   std::optional<int> year);

  int CurrentYear() const;

 private:
  absl::StatusOr<UnitRef> Readable(soci::session& s, const policy::Actor& actor, int64_t unit_id, policy::DataClass dc,
                                   policy::Action action);
  std::vector<ShownValue> Shown(const std::vector<Value>& values, int k, bool school_level) const;
  int K(soci::session& s);
  absl::StatusOr<SignOff> Step(const policy::Actor& actor, int64_t signoff_id, const std::string& step,
                               const std::string& comment);

  // A unit's view (its figures, its league table, every ancestor) is kept
  // for kViewTtl and shared by every reader; access and the breadcrumb are
  // decided per reader. The sign-off steps here drop it at once.
  struct KeptView {
    std::chrono::steady_clock::time_point at;
    UnitView view;
    std::vector<UnitRef> ancestors;  // all, from the top
  };
  static constexpr std::chrono::milliseconds kViewTtl{500};
  void ForgetViews();

  std::mutex views_mu_;
  std::map<std::pair<int64_t, int>, KeptView> views_;
  db::Database& db_;
  IndicatorStore& store_;
  Engine& engine_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace xq::indicators
