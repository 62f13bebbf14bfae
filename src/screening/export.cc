// Excel exports of a campaign (libxlsxwriter). Every file carries a
// watermark: who exported it and when, in each sheet's header and footer
// and on a cover sheet, with the stated purpose. Identified results are for
// psychology staff only and need a reason; every export is audited.
#include <algorithm>
#include <set>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "policy/scopes.h"
#include "screening/json.h"
#include "screening/screening_service.h"
#include "xlsxwriter.h"

namespace xq::screening {
namespace {

// Header/footer text: '&' starts a control code, so a literal one is doubled.
std::string HeaderSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&&";
    else
      out += c;
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
  int sheets() const { return sheets_; }
  lxw_worksheet* Sheet(const char* name, const std::string& watermark) {
    lxw_worksheet* ws = workbook_add_worksheet(wb_, name);
    ++sheets_;
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
  int sheets_ = 0;
};

void Str(lxw_worksheet* ws, int r, int c, const std::string& s) {
  worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), s.c_str(), nullptr);
}
void Num(lxw_worksheet* ws, int r, int c, double v) {
  worksheet_write_number(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), v, nullptr);
}

// The one mark of a suppressed cell, in the web UI and in exports.
constexpr const char* kSuppressedMark = "—";

std::string SuppressionLegend(int k) {
  return fmt::format("“—”：为保护个人隐私不显示（人数、需关注人数或其余人数少于 {}，或为防止由合计推算而一并隐藏）", k);
}

// Excel sheet names: at most 31 characters, none of []:*?/\, unique.
std::string SheetName(std::string_view title, std::set<std::string>& used) {
  std::string out;
  int chars = 0;
  for (size_t i = 0; i < title.size() && chars < 28;) {
    const unsigned char c = static_cast<unsigned char>(title[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string_view ch = title.substr(i, len);
    if (!(len == 1 && std::string_view("[]:*?/\\").find(ch[0]) != std::string_view::npos)) out += ch;
    i += len;
    ++chars;
  }
  if (out.empty()) out = "结果";
  const std::string base = out;
  for (int n = 2; used.count(out); ++n) out = base + std::to_string(n);
  used.insert(out);
  return out;
}

// A file name without path separators or control characters.
std::string FileSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == '"')
      out += '_';
    else
      out += c;
  }
  size_t cut = std::min<size_t>(out.size(), 180);
  while (cut < out.size() && cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut);
}

}  // namespace

absl::StatusOr<Export> ScreeningService::ExportXlsx(const policy::Principal& p, int64_t campaign_id,
                                                    std::string_view kind, std::string_view reason,
                                                    const AggregateQuery& q) {
  if (kind != "aggregates" && kind != "results") return InvalidArgument("kind must be aggregates or results", "kind");
  if (reason.size() > 500) return InvalidArgument("reason is too long", "reason");
  const bool identified = kind == "results";
  auto scopes = policy::ScopesFor(
      p.actor, policy::Action::kExport, identified ? policy::DataClass::kResults : policy::DataClass::kAggregate,
      identified ? std::vector<policy::Role>{policy::Role::kPsychStaff} : std::vector<policy::Role>{});
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
  Str(cover, 5, 1,
      identified ? "仅限本校心理中心工作使用，不得外传、不得用于给学生贴标签。" : "汇总数据，不含个人信息。");
  Str(cover, 6, 0, "水印");
  Str(cover, 6, 1, watermark);

  if (identified) {
    XQ_ASSIGN_OR_RETURN(std::vector<ResultRow> res, Results(p, campaign_id, q.unit_id));
    // One sheet per scale (in the campaign's order), named after it; one
    // column per score and per band, the class beside the name; no codes
    // and no JSON in cells.
    std::set<std::string> used = {"说明"};
    static const ResultLabels kUnlabelled;
    auto labels = [](const ResultRow& row) -> const ResultLabels& { return row.labels ? *row.labels : kUnlabelled; };
    for (const auto& scale : c.scales) {
      std::vector<const ResultRow*> rows;
      for (const auto& row : res)
        if (row.submission.instrument_id == scale.instrument_id) rows.push_back(&row);
      std::string title = scale.instrument_id;
      if (!rows.empty()) {
        if (rows.front()->labels) title = rows.front()->labels->instrument_title;
      } else if (const auto* e = instruments::BundledDefinitions().Find(scale.instrument_id, scale.version)) {
        title = e->definition.title.count("zh-CN") ? e->definition.title.at("zh-CN") : title;
      }
      lxw_worksheet* ws = book.Sheet(SheetName(title, used).c_str(), watermark);
      // Columns: score values and band labels as they occur.
      struct Col {
        std::string id;
        bool band;
        std::string head;
      };
      std::vector<Col> cols;
      auto has = [&](const std::string& id, bool band) {
        return std::any_of(cols.begin(), cols.end(), [&](const Col& x) { return x.id == id && x.band == band; });
      };
      std::vector<std::pair<std::string, std::string>> class_cols;  // id, label
      for (const ResultRow* row : rows) {
        for (const auto& sc : labels(*row).score_list) {
          if (sc.value && !has(sc.id, false)) cols.push_back({sc.id, false, sc.label});
          if (sc.band_label && !has(sc.id, true)) cols.push_back({sc.id, true, sc.label + "分段"});
        }
        for (const auto& cl : labels(*row).class_list) {
          if (std::none_of(class_cols.begin(), class_cols.end(), [&](const auto& x) { return x.first == cl.id; }))
            class_cols.emplace_back(cl.id, cl.label);
        }
      }
      std::vector<std::string> head = {"学号", "姓名", "班级"};
      for (const auto& col : cols) head.push_back(col.head);
      for (const auto& cl : class_cols) head.push_back(cl.second);
      for (const char* h : {"关键条目", "有效", "作答提示", "需跟进", "来源", "提交时间"}) head.push_back(h);
      for (size_t i = 0; i < head.size(); ++i) Str(ws, 0, static_cast<int>(i), head[i]);
      int r = 1;
      for (const ResultRow* rowp : rows) {
        const ResultRow& row = *rowp;
        const Submission& x = row.submission;
        const ResultLabels& l = labels(row);
        int col = 0;
        Str(ws, r, col++, x.student_no);
        Str(ws, r, col++, x.student_name);
        Str(ws, r, col++, row.class_name);
        for (const auto& cdef : cols) {
          const ScoreLine* hit = nullptr;
          for (const auto& sc : l.score_list)
            if (sc.id == cdef.id) hit = &sc;
          if (hit && !cdef.band && hit->value && hit->value->is_number()) {
            Num(ws, r, col, hit->value->get<double>());
          } else if (hit && cdef.band) {
            Str(ws, r, col, hit->band_label.value_or(""));
          }
          ++col;
        }
        for (const auto& cl : class_cols) {
          for (const auto& cx : l.class_list)
            if (cx.id == cl.first) Str(ws, r, col, cx.level_label.value_or(""));
          ++col;
        }
        std::string critical;
        for (size_t i = 0; i < row.result.critical.size(); ++i) {
          const CriticalLabel hit = i < l.critical.size() ? l.critical[i] : CriticalLabel{};
          std::string one = hit.label.value_or("");
          if (hit.item_text) one += "（" + *hit.item_text + "）";
          critical += (critical.empty() ? "" : "；") + one;
        }
        std::string flags;
        for (const auto& f : l.flag_labels) flags += (flags.empty() ? "" : "；") + f;
        Str(ws, r, col++, critical);
        Str(ws, r, col++, x.valid ? "是" : "否");
        Str(ws, r, col++, flags);
        Str(ws, r, col++, x.positive ? "是" : "否");
        Str(ws, r, col++, x.source == "paper" ? "纸质" : "线上");
        Str(ws, r, col++, FormatRfc3339(x.submitted_at));
        ++r;
      }
    }
  } else {
    XQ_ASSIGN_OR_RETURN(AggregateTable agg, Aggregates(p, campaign_id, q));
    lxw_worksheet* ws = book.Sheet("汇总", watermark);
    std::string title = agg.instrument_id;
    for (const auto& sj : CampaignToJson(c)["scales"])
      if (sj["instrument_id"] == title) title = sj.value("title", title);
    Str(ws, 0, 0, fmt::format("{}；{}", title, SuppressionLegend(agg.k)));
    int col = 1;
    for (const auto& cdef : agg.columns) {
      Str(ws, 1, col, cdef.label + " 筛查人数");
      Str(ws, 1, col + 1, cdef.label + " 需关注人数");
      col += 2;
    }
    int r = 2;
    auto put = [&](int row, int col0, const AggregateCell& cell) {
      if (cell.suppressed) {
        Str(ws, row, col0, kSuppressedMark);
        Str(ws, row, col0 + 1, kSuppressedMark);
      } else {
        Num(ws, row, col0, static_cast<double>(cell.screened));
        Num(ws, row, col0 + 1, static_cast<double>(cell.positive));
      }
    };
    for (const auto& row : agg.rows) {
      Str(ws, r, 0, row.label);
      int cc = 1;
      for (const auto& cell : row.cells) {
        put(r, cc, cell);
        cc += 2;
      }
      ++r;
    }
    Str(ws, r, 0, "合计");
    int cc = 1;
    for (const auto& cell : agg.column_totals) {
      put(r, cc, cell);
      cc += 2;
    }
  }
  XQ_ASSIGN_OR_RETURN(auto bytes, book.Finish());
  XQ_RETURN_IF_ERROR(Audit(&p, "export", identified ? "screening_results" : "screening_aggregates",
                           IdToString(campaign_id), 0, "ok",
                           fmt::format("{{\"kind\":\"{}\",\"bytes\":{}}}", kind, bytes.size()), std::string(reason)));
  // Named after the unit (the school for psychology staff), the campaign
  // and the date; sent with an RFC 5987 UTF-8 filename*.
  std::string unit_name;
  {
    int64_t unit = q.unit_id.value_or(0);
    if (!unit) {
      for (const auto& g : p.actor.grants)
        if (g.unit_path == scopes.front().path) unit = g.unit_id;
    }
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(unit));
    if (u) unit_name = u->name;
  }
  std::string name = FileSafe(unit_name.empty() ? c.name : unit_name + "-" + c.name);
  name += "-" + FormatDate(clock_.NowMicros()) + (identified ? "-筛查结果" : "-汇总统计") + ".xlsx";
  return Export{std::move(name), std::move(bytes)};
}

}  // namespace xq::screening
