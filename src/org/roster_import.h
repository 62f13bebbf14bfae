// Roster import: a CSV file of students → validated RosterEntry rows.
//
// Encoding: UTF-8 (with or without BOM) or GB18030, which is what Excel in
// China writes; valid UTF-8 is taken as UTF-8, anything else is converted
// from GB18030 (glibc iconv). Quoting: RFC 4180 (CRLF or LF line ends,
// quoted fields may hold commas, quotes "" and line breaks).
//
// Headers (Chinese or English alias): 学号/student_no, 姓名/name,
// 性别/sex (男/女), 出生日期/birth_date (YYYY-MM-DD or YYYY/M/D), 学校/school,
// 年级 or 院系/grade, 班级/class, 宿舍/dorm, 家长姓名/guardian_name,
// 家长电话/guardian_phone, 入学日期/enrolment_date. Required: 学号, 姓名, 性别, 班级.
//
// All or nothing: every bad row is reported (line, 1-based column of the bad
// cell, reason); a file with any error must not be written.
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "org/model.h"

namespace xq::org {

struct RosterError {
  int line = 0;
  int column = 0;     // 1-based; 0 when the error is not about one cell
  std::string field;  // canonical field name ("student_no", ...) or ""
  std::string reason;
};

// Returns the text as UTF-8 without BOM, converting from GB18030 when the
// bytes are not valid UTF-8. An error names the line and column (in bytes,
// 1-based) of the first undecodable byte.
absl::StatusOr<std::string> DecodeCsvText(std::string_view bytes, RosterError* error);

struct CsvRecord {
  int line = 0;  // line where the record starts
  std::vector<std::string> fields;
};

// RFC 4180 parser. Blank lines are skipped. Errors (unterminated quote,
// text after a closing quote) are appended to errors with line/column.
std::vector<CsvRecord> ParseCsv(std::string_view text, std::vector<RosterError>* errors);

struct RosterParse {
  std::vector<RosterEntry> rows;
  std::vector<RosterError> errors;  // empty when every row is valid
  int school_column = 0;            // 1-based column of 学校, 0 if absent
  bool ok() const { return errors.empty(); }
};

// Decodes, parses and validates a roster file. When school_name is not
// empty, a non-empty 学校 cell must equal it ("not the target school").
RosterParse ParseRoster(std::string_view bytes, std::string_view school_name = {});

// Normalises "YYYY-MM-DD", "YYYY/M/D", "YYYY-M-D" to "YYYY-MM-DD"; "" if invalid.
std::string NormaliseDate(std::string_view s);
// Mainland mobile (1[3-9] + 9 digits, optional +86) or landline (0 + area
// code, optional '-', 7–8 digits, optional '-extension').
bool IsValidPhone(std::string_view s);

}  // namespace xq::org
