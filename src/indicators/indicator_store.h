// Storage of the indicators module: facts, values, sign-offs. SQL only, no
// decisions; every call runs on the caller's session (inside the caller's
// transaction for writes).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "indicators/facts.h"
#include "indicators/model.h"
#include "soci/soci.h"

namespace xq::indicators {

class IndicatorStore {
 public:
  virtual ~IndicatorStore() = default;

  virtual absl::StatusOr<std::optional<UnitRef>> Unit(soci::session& s, int64_t id) = 0;
  // Units directly below id that take part (districts and schools).
  virtual absl::StatusOr<std::vector<UnitRef>> Children(soci::session& s, int64_t id) = 0;
  // Schools (kind = "school") or districts (+ the city) in the subtree at
  // path, ordered by id, after the cursor id, at most limit.
  virtual absl::StatusOr<std::vector<UnitRef>> UnitsUnder(soci::session& s, const std::string& path, bool schools,
                                                          int64_t after, int limit) = 0;

  virtual absl::StatusOr<Facts> ReadFacts(soci::session& s, int64_t unit_id, int year) = 0;
  virtual absl::Status WriteFacts(soci::session& s, int64_t unit_id, int64_t school_id, int year, const Facts& facts,
                                  int64_t now) = 0;

  virtual absl::StatusOr<std::vector<Value>> Values(soci::session& s, int64_t unit_id, int year) = 0;
  // Values of many units (a league table), keyed by unit id.
  virtual absl::StatusOr<std::map<int64_t, std::vector<Value>>> ValuesOf(soci::session& s,
                                                                         const std::vector<int64_t>& unit_ids,
                                                                         int year) = 0;
  // School years with values of the unit, ascending.
  virtual absl::StatusOr<std::vector<int>> Years(soci::session& s, int64_t unit_id) = 0;
  // Adds a delta to a unit's value (creating the row).
  virtual absl::Status AddValue(soci::session& s, int64_t unit_id, int64_t school_id, int year,
                                const std::string& indicator_id, double dnum, double dden, int64_t dunits,
                                int64_t now) = 0;
  // Drops a school year's facts and values (recompute).
  virtual absl::Status ClearYear(soci::session& s, int year) = 0;
  // Every fact of a school year, keyed by unit (recompute check, tests).
  virtual absl::StatusOr<std::map<int64_t, std::vector<Value>>> AllValues(soci::session& s, int year) = 0;

  // Owes the unit a refresh of its facts for the year (inside the caller's
  // transaction): a new mark waits from `now`; an existing one keeps its
  // time and gets a new version. A prompt mark waits for nothing: its time
  // is 0 (RefreshMark::kPrompt), before every `before`.
  virtual absl::Status Mark(soci::session& s, int64_t unit_id, int64_t school_id, int year, int64_t now,
                            bool prompt) = 0;
  // Marks every school, district and the city for the year (the hourly
  // catch-up of the facts whose changes publish no event), as Mark does.
  virtual absl::Status MarkAll(soci::session& s, int year, int64_t now) = 0;
  // The marks made at or before `before`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<RefreshMark>> Marked(soci::session& s, int64_t before, int limit) = 0;
  // Settles a refresh that read the mark `read`: removes the mark when it
  // still has that version (true); else it was marked again meanwhile
  // (false), and waits again from `now` — unless the refresh read was
  // prompt or a prompt mark came meanwhile: then it stays prompt.
  virtual absl::StatusOr<bool> Unmark(soci::session& s, const RefreshMark& read, int64_t now) = 0;

  virtual absl::StatusOr<std::optional<SignOff>> SignOffOf(soci::session& s, int64_t school_id, int year) = 0;
  virtual absl::StatusOr<std::optional<SignOff>> SignOffById(soci::session& s, int64_t id) = 0;
  // Sign-offs of the schools in the subtree at path for a year.
  virtual absl::StatusOr<std::vector<SignOff>> SignOffsUnder(soci::session& s, const std::string& path, int year) = 0;
  // Inserts or updates the row (state, snapshot, who/when) and appends step.
  virtual absl::Status SaveSignOff(soci::session& s, const SignOff& so, const SignOffStep& step) = 0;
};

std::unique_ptr<IndicatorStore> NewSociIndicatorStore();

// The snapshot's text form (stored frozen in indicator_signoffs).
std::string EncodeSnapshot(const std::vector<Value>& values);
absl::StatusOr<std::vector<Value>> DecodeSnapshot(const std::string& text);

}  // namespace xq::indicators
