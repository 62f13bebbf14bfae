// The declared targets of the plan: one table in definitions.cc.
// Adding a target, or a fact source to one, is a row, not code.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "indicators/facts.h"
#include "indicators/model.h"

namespace xq::indicators {

struct Definition {
  std::string_view id, name_zh, name_en;
  unsigned stages;
  Level level;
  Kind kind;
  std::string_view condition;    // kShareOfUnits
  std::string_view numerator;    // kRatio
  std::string_view denominator;  // kRatio
  double target;
  Direction direction;
  bool screening;
  std::string_view evidence_zh;
};

// Parses a table of definitions; the first bad expression is an error
// naming the indicator and the position.
absl::StatusOr<std::vector<Indicator>> ParseDefinitions(const std::vector<Definition>& defs);
// The plan's targets (parsed once; the table is checked by a unit test).
const std::vector<Indicator>& Indicators();
const Indicator* FindIndicator(std::string_view id);

// A unit's share in ind, given its facts and stage (a school of another
// stage contributes nothing).
Contribution Contribute(const Indicator& ind, const Facts& facts, unsigned stage);

// Whether value meets the target.
bool Meets(const Indicator& ind, double value);

}  // namespace xq::indicators
