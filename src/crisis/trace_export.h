// The 倒查 report as an Excel workbook (libxlsxwriter), watermarked with who
// exported it and when, like the screening exports.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "crisis/model.h"

namespace xq::crisis {

absl::StatusOr<std::string> TraceWorkbook(const TraceReport& rep, const std::string& watermark);

// What a line of the report says in Chinese, for the screen, the print page
// and the workbook alike: an audit entry's action, object and detail in
// words ("推进步骤 · 危机个案：报告 → 评估"), an event's summary as it is.
// An action without words is shown as recorded.
std::string TraceWhatZh(const TraceLine& line);
// The Chinese label of an audit entry's role ("心理中心教师"; "系统" for
// the system), else the role as recorded.
std::string TraceRoleZh(const std::string& role);

}  // namespace xq::crisis
