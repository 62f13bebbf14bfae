// Plain types of the indicators module (R-60…R-62): the declared targets,
// the values kept per unit and school year, and the sign-off of a school's
// figures. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "indicators/expr.h"

namespace xq::indicators {

// School stages an indicator applies to (bit set).
enum Stage : unsigned {
  kPrimary = 1,  // primary (小学)
  kJunior = 2,   // junior (初中, 九年一贯制)
  kSenior = 4,   // senior (高中, 完全中学, 中职)
  kHigher = 8,   // colleges and universities
  kAllStages = 15,
};
// The stage of an org_units.school_kind; 0 for a kindergarten or unknown.
unsigned StageOf(std::string_view school_kind);

enum class Level { kSchool, kDistrict };  // where the indicator's facts live
enum class Kind { kShareOfUnits, kRatio };
enum class Direction { kAtLeast, kAtMost };

struct Indicator {
  std::string id;
  std::string name_zh;
  std::string name_en;
  unsigned stages = kAllStages;
  Level level = Level::kSchool;
  Kind kind = Kind::kRatio;
  // kShareOfUnits: the units (schools, or districts) where condition holds,
  // over those where it is known. kRatio: sum of numerator / sum of
  // denominator over the units where both are known.
  Expr condition;
  Expr numerator;
  Expr denominator;
  double target = 1.0;
  Direction direction = Direction::kAtLeast;
  bool screening = false;   // a screening figure: small cells are suppressed (k)
  std::string evidence_zh;  // what the evidence list shows
};

// One unit's share in an indicator: num/den, and whether it is known.
struct Contribution {
  double num = 0;
  double den = 0;
  bool known = false;
};

// What a unit stands at: sums over the units below (or itself).
struct Value {
  std::string indicator_id;
  double num = 0;
  double den = 0;
  int64_t units = 0;  // contributing units; 0: no data (无数据)
  // num/den, or nullopt when nothing is known or the denominator is 0.
  std::optional<double> value() const {
    if (units == 0 || den == 0) return std::nullopt;
    return num / den;
  }
};

struct UnitRef {
  int64_t id = 0;
  std::string kind;  // city | district | school
  std::string name;
  std::string path;
  std::string school_kind;
  int64_t district_id = 0;  // 0: none (the city, or a university under it)
  int64_t parent_id = 0;
};

// A unit whose facts are owed a refresh (Engine::RefreshMarked): an event
// about it marked it; marking again bumps the version.
struct RefreshMark {
  int64_t unit_id = 0;
  int64_t school_id = 0;  // the unit when it is a school, else 0
  int year = 0;
  int64_t marked_at = 0;  // the oldest mark not refreshed since (kPrompt: at once)
  int64_t version = 0;
  static constexpr int64_t kPrompt = 0;
};

enum class SignOffState { kSubmitted, kReturned, kDistrictApproved, kAccepted };
std::string_view SignOffStateName(SignOffState s);
std::optional<SignOffState> SignOffStateFromName(std::string_view s);

struct SignOffStep {
  std::string step;  // submit | return | approve | accept
  int64_t actor_id = 0;
  std::string actor_role;
  std::string comment;
  int64_t at = 0;
};

struct SignOff {
  int64_t id = 0;
  int64_t school_id = 0;
  int school_year = 0;
  SignOffState state = SignOffState::kSubmitted;
  int version = 1;
  std::vector<Value> snapshot;  // frozen at submission
  int64_t submitted_by = 0;
  int64_t submitted_at = 0;
  int64_t reviewed_by = 0;
  int64_t reviewed_at = 0;
  int64_t accepted_by = 0;
  int64_t accepted_at = 0;
  std::string comment;
  std::vector<SignOffStep> steps;
};

// A school (or district) below a unit with its standing in one indicator
// and the facts behind it (no student data).
struct Evidence {
  UnitRef unit;
  Contribution contribution;
  std::optional<bool> meets;                          // kShareOfUnits: the condition; nullopt: no data
  std::vector<std::pair<std::string, double>> facts;  // the facts it reads that are known
  bool suppressed = false;                            // a screening count under k: neither facts nor standing shown
};

}  // namespace xq::indicators
