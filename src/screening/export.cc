// Excel exports of a campaign (libxlsxwriter). Every file carries a
// watermark: who exported it and when, in each sheet's header and footer
// and on a cover sheet, with the stated purpose. Identified results are for
// psychology staff only and need a reason; every export is audited.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/screening_service.h"
#include "warning/access.h"
#include "xlsxwriter.h"

namespace xq::screening {
namespace {

// Header/footer text: '&' starts a control code, so a literal one is doubled.
std::string HeaderSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&&";
    else out += c;
  }
  return out.substr(0, 200);
}

class Book {
 public:
  Book() {
    char tmpl[] = "/tmp/xq-export-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path_ = tmpl;
    wb_ = workbook_new(path_.c_str());
  }
  ~Book() {
    if (wb_) workbook_close(wb_);
    std::remove(path_.c_str());
  }
  bool ok() const { return wb_ != nullptr; }
  lxw_worksheet* Sheet(const char* name, const std::string& watermark) {
    lxw_worksheet* ws = workbook_add_worksheet(wb_, name);
    const std::string w = HeaderSafe(watermark);
    worksheet_set_header(ws, ("&L" + w + "&R心桥 · 仅限授权用途").c_str());
    worksheet_set_footer(ws, ("&L" + w + "&R&P / &N").c_str());
    return ws;
  }
  absl::StatusOr<std::string> Finish() {
    lxw_error err = workbook_close(wb_);
    wb_ = nullptr;
    if (err != LXW_NO_ERROR) return Internal(fmt::format("xlsx write failed: {}", lxw_strerror(err)));
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
  lxw_workbook* wb_ = nullptr;
};

void Str(lxw_worksheet* ws, int r, int c, const std::string& s) {
  worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), s.c_str(), nullptr);
}
void Num(lxw_worksheet* ws, int r, int c, double v) {
  worksheet_write_number(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), v, nullptr);
}

std::string Printed(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

absl::StatusOr<Export> ScreeningService::ExportXlsx(const http::Principal& p, int64_t campaign_id,
                                                    std::string_view kind, std::string_view reason,
                                                    const AggregateQuery& q) {
  if (kind != "aggregates" && kind != "results")
    return InvalidArgument("kind must be aggregates or results", "kind");
  if (reason.size() > 500) return InvalidArgument("reason is too long", "reason");
  const bool identified = kind == "results";
  auto scopes = warning::ScopesFor(p.actor, policy::Action::kExport,
                                   identified ? policy::DataClass::kResults : policy::DataClass::kAggregate,
                                   identified ? std::vector<policy::Role>{policy::Role::kPsychStaff}
                                              : std::vector<policy::Role>{});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "export", IdToString(campaign_id), 0, "denied",
                             fmt::format("{{\"kind\":\"{}\"}}", kind), std::string(reason)));
    return PermissionDenied(identified ? "identified results are exported by psychology staff only"
                                       : "no role of this account exports aggregates");
  }
  if (identified && reason.size() < 2) return InvalidArgument("a reason is required", "reason");
  XQ_ASSIGN_OR_RETURN(auto c, GetCampaign(p, campaign_id));
  const std::string when = FormatRfc3339(clock_.NowMicros());
  const std::string who = p.display_name.empty() ? p.username : p.display_name;
  const std::string watermark = fmt::format("导出人 {}（{}） {}", who, p.username, when);
  Book book;
  if (!book.ok()) return Internal("cannot create the export file");
  lxw_worksheet* cover = book.Sheet("说明", watermark);
  Str(cover, 0, 0, "心桥 · " + c.name);
  Str(cover, 1, 0, "导出人");
  Str(cover, 1, 1, fmt::format("{}（{}）", who, p.username));
  Str(cover, 2, 0, "导出时间");
  Str(cover, 2, 1, when);
  Str(cover, 3, 0, "用途");
  Str(cover, 3, 1, std::string(reason));
  Str(cover, 4, 0, "内容");
  Str(cover, 4, 1, identified ? "学生个人筛查结果（敏感个人信息）" : "汇总统计（小于 k 的单元格已抑制）");
  Str(cover, 5, 0, "提示");
  Str(cover, 5, 1, identified ? "仅限本校心理中心工作使用，不得外传、不得用于给学生贴标签。"
                              : "汇总数据，不含个人信息。");
  Str(cover, 6, 0, "水印");
  Str(cover, 6, 1, watermark);

  if (identified) {
    XQ_ASSIGN_OR_RETURN(auto res, Results(p, campaign_id, q.unit_id));
    lxw_worksheet* ws = book.Sheet("结果", watermark);
    const char* head[] = {"学号", "姓名", "量表", "版本", "分数", "分段", "分类", "有效", "标记", "关键条目", "需跟进", "提交时间"};
    for (int i = 0; i < 12; ++i) Str(ws, 0, i, head[i]);
    int r = 1;
    for (const auto& row : res["items"]) {
      Str(ws, r, 0, row["student_no"]);
      Str(ws, r, 1, row["student_name"]);
      Str(ws, r, 2, row["instrument_id"]);
      Str(ws, r, 3, row["version"]);
      Str(ws, r, 4, Printed(row["scores"]));
      Str(ws, r, 5, Printed(row["bands"]));
      Str(ws, r, 6, Printed(row["classes"]));
      Str(ws, r, 7, row["valid"].get<bool>() ? "是" : "否");
      Str(ws, r, 8, Printed(row["flags"]));
      Str(ws, r, 9, Printed(row["critical"]));
      Str(ws, r, 10, row["positive"].get<bool>() ? "是" : "否");
      Str(ws, r, 11, row["submitted_at"]);
      ++r;
    }
  } else {
    XQ_ASSIGN_OR_RETURN(auto agg, Aggregates(p, campaign_id, q));
    lxw_worksheet* ws = book.Sheet("汇总", watermark);
    Str(ws, 0, 0, fmt::format("量表 {}，k = {}；“*”为抑制的单元格", agg["instrument_id"].get<std::string>(),
                              agg["k"].get<int>()));
    int col = 1;
    for (const auto& cdef : agg["columns"]) {
      Str(ws, 1, col, cdef["label"].get<std::string>() + " 筛查人数");
      Str(ws, 1, col + 1, cdef["label"].get<std::string>() + " 需关注人数");
      col += 2;
    }
    int r = 2;
    auto put = [&](int row, int col0, const Json& cell) {
      if (cell.contains("suppressed")) {
        Str(ws, row, col0, "*");
        Str(ws, row, col0 + 1, "*");
      } else {
        Num(ws, row, col0, cell["screened"].get<double>());
        Num(ws, row, col0 + 1, cell["positive"].get<double>());
      }
    };
    for (const auto& row : agg["rows"]) {
      Str(ws, r, 0, row["label"]);
      int cc = 1;
      for (const auto& cell : row["cells"]) {
        put(r, cc, cell);
        cc += 2;
      }
      ++r;
    }
    Str(ws, r, 0, "合计");
    int cc = 1;
    for (const auto& cell : agg["column_totals"]) {
      put(r, cc, cell);
      cc += 2;
    }
  }
  XQ_ASSIGN_OR_RETURN(auto bytes, book.Finish());
  XQ_RETURN_IF_ERROR(Audit(&p, "export", identified ? "screening_results" : "screening_aggregates",
                           IdToString(campaign_id), 0, "ok",
                           fmt::format("{{\"kind\":\"{}\",\"bytes\":{}}}", kind, bytes.size()),
                           std::string(reason)));
  return Export{fmt::format("campaign-{}-{}.xlsx", IdToString(campaign_id), kind), std::move(bytes)};
}

}  // namespace xq::screening
