#include "instruments/csv_scoring.h"

#include <charconv>
#include <cmath>
#include <map>

#include "core/status.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  std::vector<CsvRecord> out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // Excel's UTF-8 BOM
  size_t i = 0, line = 1;
  const size_t n = text.size();
  while (i < n) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool in_quotes = false, quoted = false;
    for (;;) {
      if (i >= n) {
        if (in_quotes) return InvalidArgument(fmt::format("line {}: unterminated quoted field", rec.line));
        rec.fields.push_back(std::move(field));
        break;
      }
      char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
          } else {
            in_quotes = false;
            ++i;
          }
        } else {
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        continue;
      }
      if (c == '"' && field.empty() && !quoted) {
        in_quotes = quoted = true;
        ++i;
      } else if (c == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted = false;
        ++i;
      } else if (c == '\r' || c == '\n') {
        rec.fields.push_back(std::move(field));
        if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        break;
      } else {
        field.push_back(c);
        ++i;
      }
    }
    bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
  }
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int64_t* out) {
  s = Trim(s);
  if (s.starts_with('+')) s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

absl::StatusOr<int32_t> OneOption(const ScoringPlan& plan, size_t item, std::string_view tok, bool by_value) {
  const std::string& id = plan.definition().items[item].id;
  if (by_value) {
    int64_t v = 0;
    if (!ParseInt(tok, &v))
      return InvalidArgument(fmt::format("item {}: \"{}\" is not an integer option value", id, tok), id);
    auto idx = plan.OptionByValue(item, v);
    if (!idx) return InvalidArgument(fmt::format("item {}: no option with value {}", id, v), id);
    return *idx;
  }
  auto idx = plan.OptionByCode(item, tok);
  if (!idx) return InvalidArgument(fmt::format("item {}: unknown option code \"{}\"", id, tok), id);
  return *idx;
}

}  // namespace

absl::StatusOr<int32_t> ParseAnswerCell(const ScoringPlan& plan, size_t item, std::string_view cell, bool by_value) {
  const Item& it = plan.definition().items.at(item);
  cell = Trim(cell);
  if (it.type == ItemType::kText || cell.empty()) return kMissing;
  if (it.type != ItemType::kMulti) return OneOption(plan, item, cell, by_value);
  int32_t mask = 0;
  size_t start = 0;
  while (start <= cell.size()) {
    size_t bar = cell.find('|', start);
    std::string_view tok =
        Trim(cell.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (!tok.empty()) {
      XQ_ASSIGN_OR_RETURN(int32_t idx, OneOption(plan, item, tok, by_value));
      mask |= int32_t{1} << idx;
    }
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return mask;
}

namespace {

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string JsonScalarText(const json& j) {
  if (j.is_null()) return "";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

}  // namespace

absl::StatusOr<CsvScoreOutput> ScoreCsv(const ScoringPlan& plan, std::string_view csv, const CsvScoreOptions& opt) {
  XQ_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(csv));
  if (records.empty()) return InvalidArgument("the CSV is empty: expected a header row with respondent_id");
  const Definition& def = plan.definition();
  const auto& header = records[0].fields;
  int id_col = -1, elapsed_col = -1, sex_col = -1, age_col = -1, grade_col = -1;
  std::vector<int> item_col(def.items.size(), -1);
  for (size_t c = 0; c < header.size(); ++c) {
    std::string name(Trim(header[c]));
    int* slot = nullptr;
    if (name == "respondent_id")
      slot = &id_col;
    else if (name == "elapsed_seconds")
      slot = &elapsed_col;
    else if (name == "sex")
      slot = &sex_col;
    else if (name == "age")
      slot = &age_col;
    else if (name == "grade")
      slot = &grade_col;
    else {
      int item = def.ItemIndex(name);
      if (item < 0)
        return InvalidArgument(fmt::format("line 1: column \"{}\" is not an item of {}", name, def.id), name);
      slot = &item_col[item];
    }
    if (*slot >= 0) return InvalidArgument(fmt::format("line 1: duplicate column \"{}\"", name), name);
    *slot = static_cast<int>(c);
  }
  if (id_col < 0) return InvalidArgument("line 1: missing column respondent_id", "respondent_id");

  CsvScoreOutput out;
  const size_t ni = def.items.size();
  ColumnBatch batch;
  batch.answers.assign(ni, {});
  std::vector<size_t> rec_of_row;  // batch row -> record index
  std::vector<std::string> ids;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    ++out.rows;
    auto fail = [&](std::string_view msg) {
      std::string rid = id_col < static_cast<int>(rec.fields.size()) ? rec.fields[id_col] : "";
      out.errors.push_back(fmt::format("line {}: respondent {}: {}", rec.line, rid.empty() ? "?" : rid, msg));
    };
    if (rec.fields.size() != header.size()) {
      fail(fmt::format("{} fields, the header has {}", rec.fields.size(), header.size()));
      continue;
    }
    std::string rid(Trim(rec.fields[id_col]));
    if (rid.empty()) {
      fail("empty respondent_id");
      continue;
    }
    std::vector<int32_t> answers(ni, kMissing);
    absl::Status st;
    for (size_t i = 0; i < ni && st.ok(); ++i) {
      if (item_col[i] < 0) continue;
      auto a = ParseAnswerCell(plan, i, rec.fields[item_col[i]], opt.by_value);
      if (a.ok())
        answers[i] = *a;
      else
        st = a.status();
    }
    double elapsed = std::nan("");
    Sex sex = Sex::kUnknown;
    int64_t age = -1, grade = -1;
    if (st.ok() && elapsed_col >= 0 && !Trim(rec.fields[elapsed_col]).empty()) {
      std::string s(Trim(rec.fields[elapsed_col]));
      char* end = nullptr;
      elapsed = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size() || !std::isfinite(elapsed) || elapsed < 0)
        st = InvalidArgument(fmt::format("elapsed_seconds \"{}\" is not a number of seconds", s));
    }
    if (st.ok() && sex_col >= 0) {
      std::string_view s = Trim(rec.fields[sex_col]);
      if (s == "male" || s == "m" || s == "M" || s == "男")
        sex = Sex::kMale;
      else if (s == "female" || s == "f" || s == "F" || s == "女")
        sex = Sex::kFemale;
      else if (!s.empty())
        st = InvalidArgument(fmt::format("sex \"{}\" is not male/female", s));
    }
    for (auto [col, dst, name] : {std::tuple{age_col, &age, "age"}, std::tuple{grade_col, &grade, "grade"}}) {
      if (!st.ok() || col < 0 || Trim(rec.fields[col]).empty()) continue;
      if (!ParseInt(rec.fields[col], dst) || *dst < 0 || *dst > 150)
        st = InvalidArgument(fmt::format("{} \"{}\" is not a whole number", name, rec.fields[col]));
    }
    if (!st.ok()) {
      fail(std::string(st.message()));
      continue;
    }
    for (size_t i = 0; i < ni; ++i) batch.answers[i].push_back(answers[i]);
    batch.elapsed_seconds.push_back(elapsed);
    batch.sex.push_back(sex);
    batch.age.push_back(static_cast<int16_t>(age));
    batch.grade.push_back(static_cast<int16_t>(grade));
    rec_of_row.push_back(r);
    ids.push_back(std::move(rid));
  }
  batch.rows = rec_of_row.size();
  BatchResult br = plan.ScoreBatch(batch);
  std::map<size_t, std::string> row_errors;
  for (const auto& [row, st] : br.errors) row_errors[row] = std::string(st.message());

  // Errors are reported in input order.
  std::vector<std::pair<size_t, std::string>> all_errors;
  for (const auto& e : out.errors) {
    size_t line = std::strtoul(e.c_str() + 5, nullptr, 10);
    all_errors.emplace_back(line, e);
  }

  std::vector<std::string> columns;
  if (opt.format == OutputFormat::kCsv) {
    columns.push_back("respondent_id");
    for (const auto& s : def.scores)
      if (s.report) columns.push_back(s.id);
    for (const auto& b : plan.band_sets())
      if (def.scores[b.score].report) columns.push_back(b.name + "_band");
    for (const auto& n : def.norms) columns.push_back(n.id);
    for (const auto& c : def.classes) columns.push_back(c.id);
    for (const char* c : {"critical", "valid", "flags"}) columns.push_back(c);
    for (size_t k = 0; k < columns.size(); ++k) out.output += (k ? "," : "") + CsvField(columns[k]);
    out.output += "\n";
  }
  for (size_t row = 0; row < batch.rows; ++row) {
    const CsvRecord& rec = records[rec_of_row[row]];
    if (auto it = row_errors.find(row); it != row_errors.end()) {
      all_errors.emplace_back(rec.line, fmt::format("line {}: respondent {}: {}", rec.line, ids[row], it->second));
      continue;
    }
    ++out.scored;
    json j = ResultToJson(plan, plan.RowOf(br, row));
    if (opt.format == OutputFormat::kJsonl) {
      // Keys in a fixed, readable order: respondent_id first.
      nlohmann::ordered_json line;
      line["respondent_id"] = ids[row];
      for (const char* key :
           {"scores", "bands", "norms", "classes", "critical", "valid", "flags", "feedback", "norm_set"})
        if (j.contains(key)) line[key] = nlohmann::ordered_json::parse(j[key].dump());
      out.output += line.dump() + "\n";
      continue;
    }
    std::vector<std::string> cells{ids[row]};
    for (const auto& s : def.scores)
      if (s.report) cells.push_back(JsonScalarText(j["scores"][s.id]));
    for (const auto& b : plan.band_sets()) {
      if (!def.scores[b.score].report) continue;
      cells.push_back(j["bands"].contains(b.name) ? j["bands"][b.name]["id"].get<std::string>() : "");
    }
    for (const auto& n : def.norms) cells.push_back(j["norms"].contains(n.id) ? j["norms"][n.id].dump() : "");
    for (const auto& c : def.classes)
      cells.push_back(j["classes"].contains(c.id) ? j["classes"][c.id]["id"].get<std::string>() : "");
    std::string crit, flags;
    for (const auto& c : j["critical"])
      crit += (crit.empty() ? "" : "|") + c["id"].get<std::string>() + ":" + c["urgency"].get<std::string>();
    for (const auto& f : j["flags"]) flags += (flags.empty() ? "" : "|") + f.get<std::string>();
    cells.push_back(crit);
    cells.push_back(j["valid"].get<bool>() ? "true" : "false");
    cells.push_back(flags);
    for (size_t k = 0; k < cells.size(); ++k) out.output += (k ? "," : "") + CsvField(cells[k]);
    out.output += "\n";
  }
  std::stable_sort(all_errors.begin(), all_errors.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.errors.clear();
  for (auto& [line, e] : all_errors) out.errors.push_back(std::move(e));
  return out;
}

}  // namespace xq::instruments
