// Reading and writing the spreadsheets of 工作台账: the Excel template of a
// kind (libxlsxwriter) and the cells of an uploaded .xlsx or .csv file.
//
// .xlsx is read with a small reader over zlib: the zip's central
// directory, the first worksheet and the shared strings (no formulas are
// evaluated; a formula cell gives its cached value). .csv is UTF-8, with or
// without a byte-order mark, comma-separated, with RFC 4180 quoting.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "records/model.h"

namespace xq::records {

// One row of cells, as text; line is the row's number in the file (1 = the
// header), numeric tells which cells were numbers in an .xlsx (for dates).
struct TableRow {
  int line = 0;
  std::vector<std::string> cells;
  std::vector<bool> numeric;
};

// Reads an .xlsx (by its zip signature) or a .csv. An unreadable file is
// InvalidArgument naming what is wrong.
absl::StatusOr<std::vector<TableRow>> ReadTable(std::string_view bytes);

// The template of a kind: sheet 1 the headers (Chinese labels, with a
// comment on each), sheet 2 (填写说明) each column's meaning and allowed
// values. Optionally rows already filled in (an export of the records).
absl::StatusOr<std::string> WriteTemplate(const KindSpec& kind, const std::vector<Values>& rows = {});

// An Excel serial day number (1900 system) as YYYY-MM-DD, if plausible.
std::string ExcelSerialToDate(double serial);

}  // namespace xq::records
