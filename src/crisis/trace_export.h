// The 倒查 report as an Excel workbook (libxlsxwriter), watermarked with who
// exported it and when, like the screening exports.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "crisis/model.h"

namespace xq::crisis {

absl::StatusOr<std::string> TraceWorkbook(const TraceReport& rep, const std::string& watermark);

}  // namespace xq::crisis
