#include "crisis/trace_export.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/status.h"
#include "fmt/format.h"
#include "xlsxwriter.h"

namespace xq::crisis {

absl::StatusOr<std::string> TraceWorkbook(const TraceReport& rep, const std::string& watermark) {
  char tmpl[] = "/tmp/xq-trace-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return Internal("no temporary file for the export");
  close(fd);
  const std::string path = tmpl;
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) {
    std::remove(path.c_str());
    return Internal("xlsx workbook not created");
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, "倒查");
  std::string w;
  for (char c : watermark) w += c == '&' ? std::string("&&") : std::string(1, c);
  worksheet_set_header(ws, ("&L" + w.substr(0, 200) + "&R心桥 · 仅限授权用途").c_str());
  auto str = [&](int r, int c, const std::string& s) {
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), s.c_str(), nullptr);
  };
  str(0, 0,
      rep.chain_ok ? "审计日志哈希链校验通过"
                   : fmt::format("审计日志被改动：第 {} 条起无法校验（{}）", rep.first_bad_seq, rep.problem));
  str(1, 0, "生成时间");
  str(1, 1, FormatRfc3339(rep.generated_at));
  const char* heads[] = {"时间", "来源", "序号", "操作人", "角色",  "操作/事件",
                         "对象", "结果", "目的", "内容",   "已校验"};
  for (int c = 0; c < 11; ++c) str(3, c, heads[c]);
  int r = 4;
  for (const TraceLine& t : rep.lines) {
    str(r, 0, FormatRfc3339(t.at));
    str(r, 1, t.source == "audit" ? "审计日志" : "事件");
    str(r, 2, std::to_string(t.seq));
    str(r, 3, t.actor_name);
    str(r, 4, t.source == "audit" ? TraceRoleZh(t.actor_role) : "");
    str(r, 5, TraceWhatZh(t));
    str(r, 6, t.object_type.empty() ? "" : t.object_type + ":" + t.object_id);
    str(r, 7, t.outcome);
    str(r, 8, t.purpose);
    str(r, 9, t.detail);
    str(r, 10, t.source == "audit" ? (t.verified ? "是" : "否") : "");
    ++r;
  }
  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    std::remove(path.c_str());
    return Internal(fmt::format("xlsx write failed: {}", lxw_strerror(err)));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  return ss.str();
}

}  // namespace xq::crisis
