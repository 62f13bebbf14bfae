// Paper import of the screening service (screening/screening_service.h):
// answers typed in from paper forms, as CSV, scored and written like
// submissions.
#include "screening/screening_service.h"

#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/screening_internal.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

// ---------------------------------------------------------------- paper import

absl::StatusOr<ImportResult> ScreeningService::ImportPaper(int64_t campaign_id, std::string_view csv) {
  ImportResult out;
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(campaign_id));
  if (!c) return NotFound("campaign not found");
  // Minimal CSV: comma separated, optional double quotes, UTF-8, header first.
  auto split = [](std::string_view line) {
    std::vector<std::string> cells;
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char ch = line[i];
      if (quoted) {
        if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"')
          cur += '"', ++i;
        else if (ch == '"')
          quoted = false;
        else
          cur += ch;
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.push_back(std::move(cur));
        cur.clear();
      } else if (ch != '\r') {
        cur += ch;
      }
    }
    cells.push_back(std::move(cur));
    return cells;
  };
  if (!IsValidUtf8(csv)) return InvalidArgument("the file is not UTF-8", "file");
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < csv.size();) {
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    lines.push_back(csv.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return InvalidArgument("the file is empty", "file");
  std::string_view head = lines[0];
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  auto header = split(head);
  int col_school = -1, col_no = -1, col_inst = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "school_id") col_school = static_cast<int>(i);
    if (header[i] == "student_no") col_no = static_cast<int>(i);
    if (header[i] == "instrument_id") col_inst = static_cast<int>(i);
  }
  if (col_no < 0) return InvalidArgument("line 1: the header needs a student_no column", "student_no");
  if (col_inst < 0 && c->scales.size() > 1)
    return InvalidArgument("line 1: the header needs an instrument_id column", "instrument_id");
  std::set<int64_t> schools;
  for (const auto& u : c->units) {
    XQ_ASSIGN_OR_RETURN(auto info, store_.GetUnit(u.id));
    if (info && info->school_id) schools.insert(info->school_id);
  }
  std::vector<WriteRequest> ready;
  std::set<int64_t> in_file;  // assignments seen in this file
  for (size_t ln = 1; ln < lines.size(); ++ln) {
    if (lines[ln].empty() || lines[ln] == "\r") continue;
    const int line_no = static_cast<int>(ln) + 1;
    auto cells = split(lines[ln]);
    auto fail = [&](int col, std::string field, std::string msg) {
      out.errors.push_back({line_no, col + 1, std::move(field), std::move(msg)});
    };
    ++out.rows;
    if (cells.size() != header.size()) {
      fail(0, "", fmt::format("expected {} columns, found {}", header.size(), cells.size()));
      continue;
    }
    int64_t school = 0;
    if (col_school >= 0) {
      school = IdFromString(cells[col_school]).value_or(0);
    } else if (schools.size() == 1) {
      school = *schools.begin();
    }
    if (school == 0) {
      fail(col_school, "school_id", "school_id is required when the campaign spans several schools");
      continue;
    }
    XQ_ASSIGN_OR_RETURN(auto s, store_.FindStudentByNo(school, cells[col_no]));
    if (!s) {
      fail(col_no, "student_no", "unknown student number");
      continue;
    }
    int pos = 0;
    if (col_inst >= 0) {
      pos = -1;
      for (size_t i = 0; i < c->scales.size(); ++i)
        if (c->scales[i].instrument_id == cells[col_inst]) pos = static_cast<int>(i);
      if (pos < 0) {
        fail(col_inst, "instrument_id", "the campaign has no such scale");
        continue;
      }
    }
    XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(s->id));
    std::optional<Assignment> a;
    for (const auto& x : assignments)
      if (x.campaign_id == campaign_id && x.position == pos) a = x;
    if (!a) {
      fail(col_no, "student_no", "the student has no assignment in this campaign");
      continue;
    }
    XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(campaign_id, s->id));
    if (consent && consent->decision == "decline") {
      fail(col_no, "student_no", "the student or guardian declined");
      continue;
    }
    if (!in_file.insert(a->id).second) {
      fail(col_no, "student_no", "the student appears twice for this scale");
      continue;
    }
    const std::string key = fmt::format("paper:{}:{}", campaign_id, a->id);
    XQ_ASSIGN_OR_RETURN(auto existing, store_.SubmissionOfAssignment(a->id));
    if (existing && existing->client_key != key) {
      fail(col_no, "student_no", "the student has already answered this scale");
      continue;
    }
    const auto* e = FindScale(c->scales[pos]);
    if (!e) return Internal("the campaign's scale version is not available");
    GivenAnswers answers;
    bool bad = false;
    for (size_t i = 0; i < header.size() && !bad; ++i) {
      if (static_cast<int>(i) == col_school || static_cast<int>(i) == col_no || static_cast<int>(i) == col_inst)
        continue;
      int idx = e->plan.ItemIndex(header[i]);
      if (idx < 0) continue;  // columns of other scales
      if (cells[i].empty()) continue;
      answers.push_back({header[i], GivenAnswer{GivenAnswer::Kind::kString, cells[i], {}}});
    }
    SortGivenAnswers(answers);
    auto w = Score(*c, *a, *s, answers, std::nullopt, key, "paper");
    if (!w.ok()) {
      auto field = FieldOf(w.status()).value_or("");
      std::string item = field.starts_with("answers.") ? field.substr(8) : field;
      int col = 0;
      for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == item) col = static_cast<int>(i);
      fail(col, item, std::string(w.status().message()));
      continue;
    }
    ready.push_back(std::move(*w));
  }
  if (!out.errors.empty()) return out;
  std::vector<std::pair<int64_t, size_t>> fresh;  // (submission id, warnings)
  for (const auto& w : ready) fresh.emplace_back(w.submission.id, w.urgent_warnings);
  auto stored = writer_.WriteMany(std::move(ready));
  tallies_.Touch();
  for (size_t i = 0; i < stored.size(); ++i) {
    if (!stored[i].ok()) return stored[i].status();
    if (stored[i]->id == fresh[i].first) {
      ++out.written;
      out.warnings += static_cast<int>(fresh[i].second);
    } else {
      ++out.repeats;
    }
  }
  XQ_RETURN_IF_ERROR(
      Audit(nullptr, "import", "screening_paper", IdToString(campaign_id), 0, "ok",
            fmt::format("{{\"rows\":{},\"written\":{},\"repeats\":{}}}", out.rows, out.written, out.repeats)));
  return out;
}

}  // namespace xq::screening
