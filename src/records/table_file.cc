#include "records/table_file.h"

#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/status.h"
#include "fmt/format.h"
#include "xlsxwriter.h"

namespace xq::records {
namespace {

constexpr size_t kMaxInflated = 64u << 20;  // one zip member, uncompressed

uint32_t U16(std::string_view b, size_t at) {
  return static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8);
}
uint32_t U32(std::string_view b, size_t at) { return U16(b, at) | (U16(b, at + 2) << 16); }

// The members of a zip archive: name -> contents (stored or deflated).
absl::StatusOr<std::map<std::string, std::string>> Unzip(std::string_view zip) {
  // End of central directory: the last 22+ bytes, signature 0x06054b50.
  if (zip.size() < 22) return InvalidArgument("文件不是有效的 .xlsx（太短）", "file");
  size_t eocd = std::string_view::npos;
  for (size_t i = zip.size() - 22 + 1; i-- > 0 && zip.size() - i <= 22 + 65535;) {
    if (U32(zip, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return InvalidArgument("文件不是有效的 .xlsx（没有 zip 目录）", "file");
  const uint32_t entries = U16(zip, eocd + 10);
  size_t at = U32(zip, eocd + 16);
  std::map<std::string, std::string> out;
  for (uint32_t n = 0; n < entries; ++n) {
    if (at + 46 > zip.size() || U32(zip, at) != 0x02014b50)
      return InvalidArgument("文件不是有效的 .xlsx（zip 目录损坏）", "file");
    const uint32_t method = U16(zip, at + 10);
    const uint32_t csize = U32(zip, at + 20), usize = U32(zip, at + 24);
    const uint32_t name_len = U16(zip, at + 28), extra_len = U16(zip, at + 30), comment_len = U16(zip, at + 32);
    const uint32_t local = U32(zip, at + 42);
    if (at + 46 + name_len > zip.size()) return InvalidArgument("文件不是有效的 .xlsx（zip 目录损坏）", "file");
    std::string name(zip.substr(at + 46, name_len));
    at += 46 + name_len + extra_len + comment_len;
    if (local + 30 > zip.size() || U32(zip, local) != 0x04034b50)
      return InvalidArgument("文件不是有效的 .xlsx（zip 成员损坏）", "file");
    const size_t data = local + 30 + U16(zip, local + 26) + U16(zip, local + 28);
    if (data + csize > zip.size() || usize > kMaxInflated)
      return InvalidArgument("文件不是有效的 .xlsx（zip 成员过大或损坏）", "file");
    std::string_view comp = zip.substr(data, csize);
    if (method == 0) {
      out[name] = std::string(comp);
    } else if (method == 8) {
      std::string buf(usize, '\0');
      z_stream zs{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Internal("zlib init failed");
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(comp.data()));
      zs.avail_in = static_cast<uInt>(comp.size());
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      const int rc = inflate(&zs, Z_FINISH);
      const size_t got = zs.total_out;
      inflateEnd(&zs);
      if (rc != Z_STREAM_END) return InvalidArgument("文件不是有效的 .xlsx（无法解压）", "file");
      buf.resize(got);
      out[name] = std::move(buf);
    } else {
      return InvalidArgument("文件不是有效的 .xlsx（不支持的压缩方式）", "file");
    }
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      unsigned long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                             ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                             : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
      if (cp < 0x80)
        out += static_cast<char>(cp);
      else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

// The value of attribute `name` in the start tag `tag` ("" if none).
std::string Attr(std::string_view tag, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  size_t at = tag.find(key);
  if (at == std::string_view::npos) return "";
  at += key.size();
  const size_t end = tag.find('"', at);
  return end == std::string_view::npos ? "" : std::string(tag.substr(at, end - at));
}

// Concatenated text of every <t>…</t> inside s.
std::string TextRuns(std::string_view s) {
  std::string out;
  size_t at = 0;
  while ((at = s.find("<t", at)) != std::string_view::npos) {
    const size_t close = s.find('>', at);
    if (close == std::string_view::npos) break;
    const char next = s[at + 2];
    if (next != '>' && next != ' ') {
      at = close;
      continue;
    }
    if (s[close - 1] == '/') {
      at = close;
      continue;
    }
    const size_t end = s.find("</t>", close);
    if (end == std::string_view::npos) break;
    out += Unescape(s.substr(close + 1, end - close - 1));
    at = end + 4;
  }
  return out;
}

// Column letters of a cell reference ("AB12") as a 0-based index.
int ColumnOf(std::string_view ref) {
  int col = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z') break;
    col = col * 26 + (c - 'A' + 1);
  }
  return col - 1;
}

absl::StatusOr<std::vector<TableRow>> ReadXlsx(std::string_view bytes) {
  XQ_ASSIGN_OR_RETURN(auto files, Unzip(bytes));
  std::vector<std::string> shared;
  if (auto it = files.find("xl/sharedStrings.xml"); it != files.end()) {
    std::string_view x = it->second;
    size_t at = 0;
    while ((at = x.find("<si", at)) != std::string_view::npos) {
      const size_t end = x.find("</si>", at);
      if (end == std::string_view::npos) break;
      shared.push_back(TextRuns(x.substr(at, end - at)));
      at = end + 5;
    }
  }
  auto sheet = files.find("xl/worksheets/sheet1.xml");
  if (sheet == files.end()) {
    for (auto it = files.begin(); it != files.end(); ++it)
      if (it->first.starts_with("xl/worksheets/") && it->first.ends_with(".xml")) {
        sheet = it;
        break;
      }
  }
  if (sheet == files.end()) return InvalidArgument("文件不是有效的 .xlsx（没有工作表）", "file");
  std::string_view x = sheet->second;
  std::vector<TableRow> rows;
  size_t at = 0;
  while ((at = x.find("<row", at)) != std::string_view::npos) {
    const size_t tag_end = x.find('>', at);
    if (tag_end == std::string_view::npos) break;
    TableRow row;
    row.line = std::atoi(Attr(x.substr(at, tag_end - at), "r").c_str());
    if (row.line <= 0) row.line = rows.empty() ? 1 : rows.back().line + 1;
    if (x[tag_end - 1] == '/') {
      at = tag_end;
      continue;
    }
    const size_t row_end = x.find("</row>", tag_end);
    if (row_end == std::string_view::npos) break;
    std::string_view body = x.substr(tag_end + 1, row_end - tag_end - 1);
    size_t c = 0;
    int next_col = 0;
    while ((c = body.find("<c", c)) != std::string_view::npos) {
      const size_t ctag_end = body.find('>', c);
      if (ctag_end == std::string_view::npos) break;
      std::string_view ctag = body.substr(c, ctag_end - c + 1);
      const char after = body[c + 2];
      if (after != ' ' && after != '>' && after != '/') {
        c = ctag_end;
        continue;
      }
      const std::string ref = Attr(ctag, "r");
      const int col = ref.empty() ? next_col : ColumnOf(ref);
      next_col = col + 1;
      const std::string type = Attr(ctag, "t");
      std::string value;
      bool numeric = false;
      size_t cell_end = ctag_end;
      if (ctag[ctag.size() - 2] != '/') {
        cell_end = body.find("</c>", ctag_end);
        if (cell_end == std::string_view::npos) break;
        std::string_view inner = body.substr(ctag_end + 1, cell_end - ctag_end - 1);
        if (type == "inlineStr") {
          value = TextRuns(inner);
        } else {
          const size_t v = inner.find("<v>");
          const size_t v_end = inner.find("</v>");
          std::string raw = v != std::string_view::npos && v_end != std::string_view::npos
                                ? Unescape(inner.substr(v + 3, v_end - v - 3))
                                : "";
          if (type == "s") {
            const int i = std::atoi(raw.c_str());
            if (i >= 0 && static_cast<size_t>(i) < shared.size()) value = shared[i];
          } else {
            value = raw;
            numeric = type.empty() || type == "n";
          }
        }
      }
      if (col >= 0 && col < 1000) {
        if (static_cast<int>(row.cells.size()) <= col) {
          row.cells.resize(col + 1);
          row.numeric.resize(col + 1);
        }
        row.cells[col] = value;
        row.numeric[col] = numeric && !value.empty();
      }
      c = cell_end;
    }
    rows.push_back(std::move(row));
    at = row_end;
  }
  return rows;
}

std::vector<TableRow> ReadCsv(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  std::vector<TableRow> rows;
  TableRow row;
  std::string cell;
  bool quoted = false;
  int line = 1;
  row.line = 1;
  auto end_row = [&] {
    row.cells.push_back(cell);
    cell.clear();
    row.numeric.assign(row.cells.size(), false);
    rows.push_back(std::move(row));
    row = TableRow{};
    row.line = line;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        cell += ch;
      }
    } else if (ch == '"' && cell.empty()) {
      quoted = true;
    } else if (ch == ',') {
      row.cells.push_back(cell);
      cell.clear();
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      ++line;
      end_row();
    } else {
      cell += ch;
    }
  }
  if (!cell.empty() || !row.cells.empty()) end_row();
  return rows;
}

void Str(lxw_worksheet* ws, int r, int c, const std::string& s, lxw_format* f = nullptr) {
  worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), s.c_str(), f);
}

std::string Allowed(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kText:
      return "文字";
    case FieldType::kInt:
      return fmt::format("整数 {}–{}", f.min, f.max);
    case FieldType::kNumber:
      return fmt::format("数字 {}–{}", f.min, f.max);
    case FieldType::kBool:
      return "是 / 否";
    case FieldType::kDate:
      return "日期 YYYY-MM-DD";
    case FieldType::kChoice: {
      std::string s;
      for (const Choice& c : f.choices) s += (s.empty() ? "" : " / ") + std::string(c.label_zh);
      return s;
    }
  }
  return "";
}

}  // namespace

std::string ExcelSerialToDate(double serial) {
  if (!(serial >= 1 && serial < 2958466)) return "";
  // Day 25569 is 1970-01-01 (the 1900 system counts a 29 Feb 1900 that never was).
  const long long days = static_cast<long long>(std::floor(serial)) - 25569;
  // Civil from days (H. Hinnant's algorithm).
  long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

absl::StatusOr<std::vector<TableRow>> ReadTable(std::string_view bytes) {
  if (bytes.starts_with("PK\x03\x04")) return ReadXlsx(bytes);
  if (bytes.find('\0') != std::string_view::npos)
    return InvalidArgument("文件既不是 .xlsx 也不是 UTF-8 的 .csv", "file");
  return ReadCsv(bytes);
}

absl::StatusOr<std::string> WriteTemplate(const KindSpec& kind, const std::vector<Values>& rows) {
  char tmpl[] = "/tmp/xq-records-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return Internal("no temporary file for the template");
  close(fd);
  const std::string path = tmpl;
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) {
    std::remove(path.c_str());
    return Internal("xlsx workbook not created");
  }
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0xDDEBF7);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "台账");
  lxw_worksheet* help = workbook_add_worksheet(wb, "填写说明");
  Str(help, 0, 0, "列名", head);
  Str(help, 0, 1, "必填", head);
  Str(help, 0, 2, "可填的值", head);
  Str(help, 0, 3, "说明", head);
  worksheet_set_column(help, 0, 0, 22, nullptr);
  worksheet_set_column(help, 2, 3, 40, nullptr);
  for (size_t i = 0; i < kind.fields.size(); ++i) {
    const FieldSpec& f = kind.fields[i];
    const int c = static_cast<int>(i);
    Str(ws, 0, c, std::string(f.label_zh), head);
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), 18, nullptr);
    const std::string note = fmt::format("{}{}：{}", f.required ? "必填。" : "", Allowed(f), f.help_zh);
    worksheet_write_comment(ws, 0, static_cast<lxw_col_t>(c), note.c_str());
    Str(help, c + 1, 0, std::string(f.label_zh));
    Str(help, c + 1, 1, f.required ? "是" : "否");
    Str(help, c + 1, 2, Allowed(f));
    Str(help, c + 1, 3, std::string(f.help_zh));
  }
  const int notes_at = static_cast<int>(kind.fields.size()) + 3;
  Str(help, notes_at, 0, fmt::format("「{}」台账：第一行为列名，请勿修改；从第二行起每行一条记录。", kind.label_zh));
  Str(help, notes_at + 1, 0,
      "导入时选择单位和学年；导入会替换该单位该学年此类台账的全部记录，任何一行有错则一条也不写入。");
  Str(help, notes_at + 2, 0, "也可另存为 UTF-8 编码的 CSV 文件导入。");
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t i = 0; i < kind.fields.size(); ++i) {
      const FieldSpec& f = kind.fields[i];
      auto it = rows[r].find(std::string(f.name));
      if (it == rows[r].end()) continue;
      Str(ws, static_cast<int>(r) + 1, static_cast<int>(i), FormatValue(f, it->second, true));
    }
  }
  const lxw_error err = workbook_close(wb);
  std::string out;
  if (err == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
  }
  std::remove(path.c_str());
  if (err != LXW_NO_ERROR) return Internal(fmt::format("xlsx write failed: {}", lxw_strerror(err)));
  return out;
}

}  // namespace xq::records
