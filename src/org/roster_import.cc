#include "org/roster_import.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <unordered_map>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::org {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Line (1-based) and byte column (1-based) of offset in text.
std::pair<int, int> LineColumnOf(std::string_view text, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start + 1)};
}

struct FieldSpec {
  std::string_view field;  // canonical name
  std::string_view zh;     // Chinese header used in messages
  bool required;
};

constexpr std::array<FieldSpec, 11> kFields = {{
    {"student_no", "学号", true},
    {"name", "姓名", true},
    {"sex", "性别", true},
    {"birth_date", "出生日期", false},
    {"school", "学校", false},
    {"grade", "年级/院系", false},
    {"class", "班级", true},
    {"dorm", "宿舍", false},
    {"guardian_name", "家长姓名", false},
    {"guardian_phone", "家长电话", false},
    {"enrolment_date", "入学日期", false},
}};

// Header text → index into kFields.
std::optional<size_t> FieldOfHeader(std::string h) {
  static const std::unordered_map<std::string, std::string_view> kAliases = {
      {"学号", "student_no"},
      {"student_no", "student_no"},
      {"姓名", "name"},
      {"name", "name"},
      {"性别", "sex"},
      {"sex", "sex"},
      {"出生日期", "birth_date"},
      {"birth_date", "birth_date"},
      {"学校", "school"},
      {"school", "school"},
      {"年级", "grade"},
      {"院系", "grade"},
      {"grade", "grade"},
      {"department", "grade"},
      {"班级", "class"},
      {"class", "class"},
      {"宿舍", "dorm"},
      {"dorm", "dorm"},
      {"家长姓名", "guardian_name"},
      {"guardian_name", "guardian_name"},
      {"家长电话", "guardian_phone"},
      {"guardian_phone", "guardian_phone"},
      {"入学日期", "enrolment_date"},
      {"enrolment_date", "enrolment_date"},
      {"enrollment_date", "enrolment_date"},
  };
  for (char& c : h)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  auto it = kAliases.find(h);
  if (it == kAliases.end()) return std::nullopt;
  for (size_t i = 0; i < kFields.size(); ++i)
    if (kFields[i].field == it->second) return i;
  return std::nullopt;
}

std::string Trim(std::string_view s) {
  // ASCII blanks and the full-width space U+3000 that Chinese input leaves.
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
      s.remove_prefix(1);
    else if (s.starts_with("\xE3\x80\x80"))
      s.remove_prefix(3);
    else
      break;
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
      s.remove_suffix(1);
    else if (s.ends_with("\xE3\x80\x80"))
      s.remove_suffix(3);
    else
      break;
  }
  return std::string(s);
}

// Number of UTF-8 code points (text is valid UTF-8 here).
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

absl::StatusOr<std::string> DecodeCsvText(std::string_view bytes, RosterError* error) {
  if (bytes.starts_with(kUtf8Bom)) bytes.remove_prefix(kUtf8Bom.size());
  if (IsValidUtf8(bytes)) return std::string(bytes);

  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return Internal("iconv has no GB18030 converter");
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* op = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    size_t r = iconv(cd, &in, &in_left, &op, &out_left);
    if (r != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      op = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    // EILSEQ or EINVAL (truncated sequence at the end): not GB18030 either.
    size_t offset = bytes.size() - in_left;
    iconv_close(cd);
    auto [line, column] = LineColumnOf(bytes, offset);
    if (error) *error = {line, column, "", "invalid encoding: neither UTF-8 nor GB18030"};
    return InvalidArgument(
        fmt::format("line {}, column {}: invalid encoding: neither UTF-8 nor GB18030", line, column));
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  if (std::string_view(out).starts_with(kUtf8Bom)) out.erase(0, kUtf8Bom.size());  // GB18030 BOM
  return out;
}

std::vector<CsvRecord> ParseCsv(std::string_view text, std::vector<RosterError>* errors) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  int line = 1;
  const size_t n = text.size();
  while (i < n) {
    CsvRecord rec;
    rec.line = line;
    bool bad = false;
    std::string field;
    bool record_done = false;
    while (!record_done) {
      field.clear();
      if (i < n && text[i] == '"') {
        // Quoted field: "" is a quote; line breaks are part of the field.
        size_t open_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (!closed) {
          if (errors)
            errors->push_back({static_cast<int>(open_line), static_cast<int>(rec.fields.size() + 1), "",
                               "unterminated quoted field"});
          bad = true;
          i = n;
        } else if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (errors)
            errors->push_back({line, static_cast<int>(rec.fields.size() + 1), "",
                               "text after a closing quote (quote the whole cell and double inner quotes)"});
          bad = true;
          while (i < n && text[i] != ',' && text[i] != '\n') ++i;
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n') {
          if (text[i] == '"' && !bad) {
            if (errors)
              errors->push_back({line, static_cast<int>(rec.fields.size() + 1), "",
                                 "quote inside an unquoted cell (quote the whole cell and double inner quotes)"});
            bad = true;
          }
          field += text[i];
          ++i;
        }
      }
      if (!field.empty() && field.back() == '\r' && (i >= n || text[i] == '\n')) field.pop_back();
      rec.fields.push_back(field);
      if (i >= n) {
        record_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') ++i;
        if (i < n && text[i] == '\n') {
          ++i;
          ++line;
        }
        record_done = true;
      }
    }
    bool blank =
        std::all_of(rec.fields.begin(), rec.fields.end(), [](const std::string& f) { return Trim(f).empty(); });
    if (bad) rec.fields.clear();  // reported already; the row is not validated further
    if (!blank || bad) records.push_back(std::move(rec));
  }
  return records;
}

std::string NormaliseDate(std::string_view s) {
  char sep = 0;
  for (char c : s)
    if (c == '-' || c == '/') {
      sep = c;
      break;
    }
  if (!sep) return {};
  std::array<std::string_view, 3> parts;
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      if (k == 3) return {};
      parts[k++] = s.substr(start, i - start);
      start = i + 1;
    }
  }
  if (k != 3) return {};
  if (parts[0].size() != 4 || !AllDigits(parts[0])) return {};
  for (int p = 1; p < 3; ++p)
    if (parts[p].empty() || parts[p].size() > 2 || !AllDigits(parts[p])) return {};
  std::string out = fmt::format("{}-{:0>2}-{:0>2}", parts[0], parts[1], parts[2]);
  return IsValidDate(out) ? out : std::string();
}

bool IsValidPhone(std::string_view s) {
  if (s.starts_with("+86")) {
    s.remove_prefix(3);
    if (s.starts_with("-") || s.starts_with(" ")) s.remove_prefix(1);
  }
  if (s.size() == 11 && AllDigits(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9') return true;
  // Landline: 0 + 2–3 digit area code, optional '-', 7–8 digits, optional -ext.
  if (s.empty() || s[0] != '0') return false;
  std::string_view rest = s;
  size_t dash = rest.find('-');
  std::string digits;
  std::string_view ext;
  if (dash != std::string_view::npos) {
    std::string_view area = rest.substr(0, dash);
    std::string_view local = rest.substr(dash + 1);
    size_t dash2 = local.find('-');
    if (dash2 != std::string_view::npos) {
      ext = local.substr(dash2 + 1);
      local = local.substr(0, dash2);
      if (!AllDigits(ext) || ext.size() > 6) return false;
    }
    if (!AllDigits(area) || area.size() < 3 || area.size() > 4) return false;
    if (!AllDigits(local) || local.size() < 7 || local.size() > 8) return false;
    return true;
  }
  return AllDigits(rest) && rest.size() >= 10 && rest.size() <= 12;
}

RosterParse ParseRoster(std::string_view bytes, std::string_view school_name) {
  RosterParse out;
  RosterError enc;
  auto text = DecodeCsvText(bytes, &enc);
  if (!text.ok()) {
    out.errors.push_back(enc);
    return out;
  }
  std::vector<CsvRecord> records = ParseCsv(*text, &out.errors);
  if (records.empty()) {
    if (out.errors.empty()) out.errors.push_back({1, 0, "", "the file holds no header row"});
    return out;
  }
  // Header row.
  const CsvRecord& header = records.front();
  std::array<int, kFields.size()> col{};  // field → 0-based column, -1 absent
  col.fill(-1);
  for (size_t c = 0; c < header.fields.size(); ++c) {
    std::string h = Trim(header.fields[c]);
    if (c == 0 && std::string_view(h).starts_with(kUtf8Bom)) h.erase(0, kUtf8Bom.size());
    if (h.empty()) continue;  // Excel leaves blank trailing header cells
    auto f = FieldOfHeader(h);
    if (!f) {
      out.errors.push_back({header.line, static_cast<int>(c + 1), "", fmt::format("unknown header '{}'", h)});
      continue;
    }
    if (col[*f] >= 0) {
      out.errors.push_back({header.line, static_cast<int>(c + 1), std::string(kFields[*f].field),
                            fmt::format("duplicate column {}", kFields[*f].zh)});
      continue;
    }
    col[*f] = static_cast<int>(c);
  }
  for (size_t f = 0; f < kFields.size(); ++f)
    if (kFields[f].required && col[f] < 0)
      out.errors.push_back(
          {header.line, 0, std::string(kFields[f].field), fmt::format("missing required column {}", kFields[f].zh)});
  auto by_position = [](const RosterError& a, const RosterError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  };
  const bool header_ok =
      std::none_of(out.errors.begin(), out.errors.end(), [&](const RosterError& e) { return e.line == header.line; });
  if (!header_ok) {  // cells cannot be interpreted without their columns
    std::stable_sort(out.errors.begin(), out.errors.end(), by_position);
    return out;
  }
  out.school_column = col[4] + 1;

  std::unordered_map<std::string, int> seen_no;  // 学号 → first line
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.fields.empty()) continue;  // a CSV syntax error, already reported
    auto cell = [&](size_t f) -> std::string {
      int c = col[f];
      return c >= 0 && static_cast<size_t>(c) < rec.fields.size() ? Trim(rec.fields[c]) : std::string();
    };
    auto fail = [&](size_t f, std::string reason) {
      out.errors.push_back({rec.line, col[f] + 1, std::string(kFields[f].field), std::move(reason)});
    };
    size_t before = out.errors.size();
    if (rec.fields.size() > header.fields.size()) {
      bool extra = false;
      for (size_t c = header.fields.size(); c < rec.fields.size(); ++c)
        if (!Trim(rec.fields[c]).empty()) extra = true;
      if (extra)
        out.errors.push_back(
            {rec.line, static_cast<int>(header.fields.size() + 1), "", "more cells than header columns"});
    }
    RosterEntry e;
    e.line = rec.line;
    e.student_no = cell(0);
    e.name = cell(1);
    std::string sex = cell(2);
    std::string birth = cell(3);
    e.school = cell(4);
    e.grade = cell(5);
    e.class_name = cell(6);
    e.dorm = cell(7);
    e.guardian_name = cell(8);
    e.guardian_phone = cell(9);
    std::string enrol = cell(10);

    if (e.student_no.empty()) {
      fail(0, "missing 学号");
    } else if (e.student_no.size() > 40 || std::any_of(e.student_no.begin(), e.student_no.end(),
                                                       [](char c) { return c == ' ' || c == '\t' || c == '\n'; })) {
      fail(0, fmt::format("bad 学号 '{}' (no blanks, at most 40 characters)", e.student_no));
    } else if (auto [it, inserted] = seen_no.emplace(e.student_no, rec.line); !inserted) {
      fail(0, fmt::format("duplicate 学号 {} (first on line {})", e.student_no, it->second));
    }
    if (e.name.empty())
      fail(1, "missing 姓名");
    else if (CodePoints(e.name) > 50)
      fail(1, "姓名 longer than 50 characters");
    if (sex.empty()) {
      fail(2, "missing 性别");
    } else if (sex == "男" || sex == "M" || sex == "m" || sex == "male" || sex == "Male") {
      e.sex = "M";
    } else if (sex == "女" || sex == "F" || sex == "f" || sex == "female" || sex == "Female") {
      e.sex = "F";
    } else {
      fail(2, fmt::format("bad 性别 '{}' (expected 男 or 女)", sex));
    }
    if (!birth.empty()) {
      e.birth_date = NormaliseDate(birth);
      if (e.birth_date.empty())
        fail(3, fmt::format("bad date in 出生日期 '{}' (expected YYYY-MM-DD or YYYY/M/D)", birth));
    }
    if (!enrol.empty()) {
      e.enrolment_date = NormaliseDate(enrol);
      if (e.enrolment_date.empty())
        fail(10, fmt::format("bad date in 入学日期 '{}' (expected YYYY-MM-DD or YYYY/M/D)", enrol));
    }
    if (!school_name.empty() && !e.school.empty() && e.school != school_name)
      fail(4, fmt::format("school '{}' is not the target school '{}'", e.school, school_name));
    if (e.class_name.empty()) fail(6, "missing 班级");
    if (!e.guardian_phone.empty() && !IsValidPhone(e.guardian_phone))
      fail(9, fmt::format("bad phone in 家长电话 '{}'", e.guardian_phone));
    for (size_t f : {1u, 4u, 5u, 6u, 7u, 8u})
      if (CodePoints(cell(f)) > 100) fail(f, fmt::format("{} longer than 100 characters", kFields[f].zh));
    if (out.errors.size() == before) out.rows.push_back(std::move(e));
  }
  std::stable_sort(out.errors.begin(), out.errors.end(), by_position);
  return out;
}

}  // namespace xq::org
