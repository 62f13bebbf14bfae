// Instrument definitions (量表定义): the parsed, validated form of one
// `xinqiao-instrument/1` JSON document (docs/instruments.md).
//
// ParseDefinition() checks the document completely when it is loaded:
// structure, unknown fields, every reference (items, option sets, scores,
// bands, classes), band and norm coverage of each score's range without gaps
// or overlaps, monotone norm tables, language completeness and the
// non-diagnostic wording of student-facing feedback. Errors are
// invalid_argument carrying the JSON path (message prefix and FieldOf()).
//
// A Definition is a plain value (copyable, immutable by convention);
// thread-safe to share once built.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "instruments/rational.h"
#include "nlohmann/json.hpp"

namespace xq::instruments {

inline constexpr std::string_view kFormat = "xinqiao-instrument/1";

// Language tag → text.
using Text = std::map<std::string, std::string>;

enum class ItemType { kSingle, kYesNo, kMulti, kText };
enum class Op { kEq, kNe, kGt, kGe, kLt, kLe };
enum class Method { kSum, kMean, kProratedSum, kCount };
enum class Rounding { kNone, kHalfUp };
enum class NormKind { kTScore, kPercentile, kStandardScore };
enum class NormBy { kAge, kGrade };
enum class Sex { kUnknown, kMale, kFemale, kAny };
enum class Urgency { kLow, kModerate, kHigh, kUrgent };
enum class ValidityKind { kLieScale, kAllSame, kTooFast, kInconsistentPairs, kRule };
enum class Effect { kInvalidate, kFlag };
enum class Audience { kStudent, kCounsellor, kGuardian };

struct Option {
  std::string code;
  int64_t value = 0;
  Text text;
};

// A condition tree (docs/instruments.md "Conditions"). References are kept
// by id here; Compile() resolves them to indices.
struct Condition {
  enum class Kind { kItemCompare, kItemCode, kAnswered, kScoreCompare, kBand, kClass, kAll, kAny, kNot, kCount };
  Kind kind = Kind::kAll;
  std::string ref;  // item, score, band set ("total" / "total.set") or class id
  Op op = Op::kEq;
  Rational value;                  // compare / count threshold
  std::vector<std::string> codes;  // kItemCode: option codes; kBand/kClass: band/level ids
  std::vector<Condition> children;
};

struct Item {
  std::string id;
  ItemType type = ItemType::kSingle;
  Text text;
  std::vector<Option> options;
  std::string option_set;  // name when taken from option_sets
  bool reverse = false;
  bool required = true;
  bool lie = false;
  std::optional<Condition> show_if;
  std::string fhir_link_id;
  std::string fhir_system;
};

struct Band {
  std::string id;
  Text label;
  Rational min;
  Rational upper;
  bool upper_inclusive = true;  // "max" (inclusive) vs "below" (exclusive)
};

struct BandSet {
  std::string id;  // "" for the score's primary `bands`
  std::vector<Band> bands;
};

struct Score {
  std::string id;
  Text label;
  Method method = Method::kSum;
  std::vector<std::string> items;   // either items ...
  std::vector<std::string> scores;  // ... or earlier scores
  Op count_op = Op::kGe;
  int64_t count_value = 0;
  std::optional<int64_t> min_answered;
  Rounding round = Rounding::kNone;
  int decimals = 2;
  bool report = true;
  std::vector<BandSet> band_sets;
  // Derived during validation.
  Rational range_min, range_max;
  bool integer_valued = true;
};

struct NormRow {
  Rational min, upper;
  bool upper_inclusive = true;
  double value = 0;
};

struct NormGroup {
  Sex sex = Sex::kAny;
  int64_t from = 0, to = 0;
  std::vector<NormRow> rows;
};

struct Norm {
  std::string id;
  std::string score;
  NormKind kind = NormKind::kTScore;
  NormBy by = NormBy::kAge;
  std::vector<NormGroup> groups;
};

struct ClassLevel {
  std::string id;
  Text label;
  std::optional<Condition> when;
};

struct ClassRule {
  std::string id;
  Text label;
  std::vector<ClassLevel> levels;
};

struct Critical {
  std::string id;
  std::string item;  // may be empty (a rule over several items)
  Condition when;
  Urgency urgency = Urgency::kUrgent;
  Text label;
};

struct ValidityRule {
  std::string id;
  ValidityKind kind = ValidityKind::kRule;
  Effect effect = Effect::kInvalidate;
  Text label;
  // lie_scale
  std::string score;
  Op op = Op::kGe;
  Rational value;
  // all_same / inconsistent_pairs
  std::vector<std::string> items;
  int64_t min_answered = 2;
  // too_fast
  double min_seconds = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
  bool opposite = false;
  int64_t max_diff = 0;
  int64_t max_count = 0;
  // rule
  std::optional<Condition> when;
};

struct Feedback {
  std::string key;
  Audience audience = Audience::kStudent;
  Condition when;
  Text text;
};

// Who holds the rights to a scale and on what terms it may be used.
struct Licence {
  std::string holder;
  std::string terms;
  // The terms forbid shipping the scale active (e.g. electronic versions
  // licensed per customer): the definition is disabled until a school
  // enables it under its own licence.
  bool requires_licence = false;
};

struct Provenance {
  std::string citation;
  Licence licence;
  std::string source_version;
  std::string validation;
  // validated (the published validated wording, wording_citation says
  // where) | translation (our own, unvalidated) | by_permission (wording
  // used with the holder's permission) | placeholder (test definitions).
  std::string wording_status;
  std::string wording_source;
  std::string wording_citation;
  std::string notes;
};

// A named set of cut-offs normed on one population (e.g. Chinese secondary
// students). It replaces the primary bands of the scores it names and the
// levels of the classes it names; every other score and class is scored as
// the definition says. A campaign picks one; the result records it.
struct NormSet {
  std::string id;
  Text label;
  Text population;
  std::string citation;
  std::string notes;
  std::map<std::string, std::vector<Band>> bands;          // score id -> bands
  std::map<std::string, std::vector<ClassLevel>> classes;  // class id -> levels
};

struct Definition {
  std::string id;
  std::string version;
  std::vector<std::string> languages;
  Text title, description, instructions;
  Provenance provenance;
  std::vector<Item> items;
  bool allow_missing = false;
  std::vector<Score> scores;
  std::vector<Norm> norms;
  std::vector<ClassRule> classes;
  std::vector<Critical> critical;
  std::vector<ValidityRule> validity;
  std::vector<Feedback> feedback;
  std::vector<NormSet> norm_sets;
  std::string default_norm_set;  // set when norm_sets is not empty
  std::string applied_norm_set;  // the set whose cut-offs are in place (WithNormSet)
  nlohmann::json source;         // the document as loaded (for `instruments show`)

  // -1 when absent.
  int ItemIndex(std::string_view id) const;
  int ScoreIndex(std::string_view id) const;
  const NormSet* FindNormSet(std::string_view id) const;
  // False when the licence forbids shipping the scale active.
  bool enabled_by_default() const { return !provenance.licence.requires_licence; }
  // The wording is not a validated or licensed text: campaigns warn.
  bool unvalidated_wording() const {
    return provenance.wording_status != "validated" && provenance.wording_status != "by_permission";
  }
};

// The definition as scored under norm set `id` (empty: the default set, or
// the definition itself when it has none): the set's bands and class levels
// in place of the definition's. not_found for an unknown set.
[[nodiscard]] absl::StatusOr<Definition> WithNormSet(const Definition& def, std::string_view id);

// Parses and validates a definition document (UTF-8 JSON text).
[[nodiscard]] absl::StatusOr<Definition> ParseDefinition(std::string_view json);
// Validates an already-parsed JSON document.
[[nodiscard]] absl::StatusOr<Definition> DefinitionFromJson(const nlohmann::json& doc);
// Serializes a definition back to its JSON form (inverse of
// DefinitionFromJson up to option-set sharing and defaults).
nlohmann::json DefinitionToJson(const Definition& def);

std::string_view OpName(Op op);
std::string_view UrgencyName(Urgency u);
std::string_view AudienceName(Audience a);
bool Compare(const Rational& a, Op op, const Rational& b);

}  // namespace xq::instruments
