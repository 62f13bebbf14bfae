// 工作台账: the records the city's targets count (R-50…R-55; issue 21
// item 1). Each kind of record is declared here as data (its fields, their
// types and allowed values, the level of unit it belongs to), so that the
// form, the Excel template, the import and the validation all read one
// declaration. Work records (ACCESS.md D8) about a unit itself: no student
// data anywhere in this module. Pure data and functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xq::records {

enum class FieldType {
  kText,    // free text (≤ 200 characters)
  kInt,     // whole number within [min, max]
  kNumber,  // decimal within [min, max]
  kBool,    // 是/否 (also 1/0, true/false, 有/无)
  kDate,    // YYYY-MM-DD
  kChoice,  // one of choices (by code or by its Chinese label)
};
std::string_view FieldTypeName(FieldType t);  // "text" "int" "number" "bool" "date" "choice"

struct Choice {
  std::string_view code;      // stored and sent in JSON
  std::string_view label_zh;  // in templates and imports
};

struct FieldSpec {
  std::string_view name;      // snake_case key in JSON
  std::string_view label_zh;  // column header in templates
  FieldType type = FieldType::kText;
  bool required = false;
  double min = 0;
  double max = 0;
  std::vector<Choice> choices;
  std::string_view help_zh;  // what the column means (template's second sheet)
};

// Which units a kind's records belong to.
enum class Level {
  kSchool,  // a school's own records
  kUnit,    // a district's or the city's own records (school_id 0)
  kBoth,    // either
};

struct KindSpec {
  std::string_view name;      // "staff", "training", ...
  std::string_view label_zh;  // "心理教师"
  Level level = Level::kSchool;
  std::vector<FieldSpec> fields;
};

// Every kind, in the order of the UI's tabs.
const std::vector<KindSpec>& Kinds();
const KindSpec* FindKind(std::string_view name);
std::string_view LevelName(Level l);  // "school" "unit" "both"
// Whether a record of kind may belong to a unit of unit_kind ("school",
// "district", "city").
bool KindFitsUnit(const KindSpec& kind, std::string_view unit_kind);

// One item of the psychology room standard (心理辅导室建设标准). The
// checklist is data: a room meets the standard when every item holds.
struct ChecklistItem {
  std::string_view field;  // a field of the "rooms" kind
  double at_least = 1;     // bools: 1 (present); numbers: the minimum
};
const std::vector<ChecklistItem>& RoomChecklist();

// A field's value: numbers, whole numbers and bools (1/0) in num; text,
// dates and choice codes in text.
struct Value {
  std::optional<double> num;
  std::string text;
  bool operator==(const Value&) const = default;
};
using Values = std::map<std::string, Value>;  // field name -> value; absent = empty

struct Record {
  int64_t id = 0;
  std::string kind;
  int64_t school_id = 0;  // 0 for a district's or the city's record
  int64_t unit_id = 0;
  std::string unit_path;
  std::string unit_name;
  int school_year = 0;  // 2026 = the school year 2026–27
  Values values;
  int64_t created_by = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A problem with one input value. row is 0 for a form, else the file's
// line (the header is line 1); column is the template's header (zh).
struct FieldError {
  int row = 0;
  std::string column;
  std::string field;
  std::string message;
};

// Reads raw text values (form or file cell) against the kind: trims,
// checks types, ranges, choices and required fields, rejects unknown
// fields. Empty text is "no value". Errors are appended (row as given);
// the returned Values are complete only when no error was added.
Values ParseValues(const KindSpec& kind, const std::map<std::string, std::string>& raw, int row,
                   std::vector<FieldError>& errors);

// A value as text for a file cell or form: numbers without trailing zeros,
// bools as 是/否, choices as their Chinese label (zh) or code.
std::string FormatValue(const FieldSpec& f, const Value& v, bool zh);

// Valid school years: 2000..2100 (2026 means 2026–27).
bool ValidSchoolYear(int y);

}  // namespace xq::records
