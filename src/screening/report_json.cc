#include "screening/report_json.h"

#include "core/clock.h"
#include "core/ids.h"

namespace xq::screening {
namespace {

Json TallyToJson(const ProgressTally& t) {
  const int64_t expected = t.students - t.declined;
  return Json{{"students", t.students},
              {"completed", t.completed},
              {"declined", t.declined},
              {"awaiting_consent", t.awaiting_consent},
              {"pending", t.students - t.completed - t.declined - t.awaiting_consent},
              {"rate", expected > 0 ? static_cast<double>(t.completed) / static_cast<double>(expected) : 0.0}};
}

void AddLabels(Json& j, const ResultLabels& l) {
  j["instrument_title"] = l.instrument_title;
  Json list = Json::array();
  for (const auto& s : l.score_list) {
    Json e = {{"id", s.id}, {"label", s.label}};
    if (s.value) e["value"] = *s.value;
    if (s.band_id) e["band_id"] = *s.band_id;
    if (s.band_label) e["band_label"] = *s.band_label;
    list.push_back(std::move(e));
  }
  j["score_list"] = std::move(list);
  j["band_rank"] = l.band_rank;
  Json classes = Json::array();
  for (const auto& c : l.class_list) {
    Json e = {{"id", c.id}, {"label", c.label}, {"level_id", c.level_id}};
    if (c.level_label) e["level_label"] = *c.level_label;
    classes.push_back(std::move(e));
  }
  j["class_list"] = std::move(classes);
  Json& critical = j["critical"];
  if (critical.is_array())
    for (size_t i = 0; i < critical.size() && i < l.critical.size(); ++i) {
      if (l.critical[i].label) critical[i]["label"] = *l.critical[i].label;
      if (l.critical[i].item_text) critical[i]["item_text"] = *l.critical[i].item_text;
    }
  j["flag_labels"] = l.flag_labels;
}

Json CellToJson(const AggregateCell& c) {
  if (c.suppressed) return Json{{"suppressed", true}};
  return Json{{"screened", c.screened},
              {"positive", c.positive},
              {"rate", c.screened ? static_cast<double>(c.positive) / static_cast<double>(c.screened) : 0.0}};
}

Json KeyedCellToJson(const AggregateCell& c) {
  Json j = CellToJson(c);
  j["key"] = c.key;
  return j;
}

}  // namespace

Json ProgressToJson(const ProgressReport& r) {
  Json kids = Json::array();
  for (const auto& c : r.children) {
    Json j = TallyToJson(c.tally);
    j["unit_id"] = IdToString(c.unit.id);
    j["name"] = c.unit.name;
    j["kind"] = c.unit.kind;
    kids.push_back(std::move(j));
  }
  Json out = TallyToJson(r.totals);
  out["campaign_id"] = IdToString(r.campaign_id);
  out["unit"] = {{"id", IdToString(r.unit.id)}, {"name", r.unit.name}, {"kind", r.unit.kind}};
  out["children"] = std::move(kids);
  return out;
}

Json ResultRowToJson(const ResultRow& r) {
  const Submission& x = r.submission;
  Json j = {{"submission_id", IdToString(x.id)},
            {"student_id", IdToString(x.student_id)},
            {"student_name", x.student_name},
            {"student_no", x.student_no},
            {"class_id", IdToString(r.class_id)},
            {"class_name", r.class_name},
            {"instrument_id", x.instrument_id},
            {"version", x.version},
            {"scores", r.result.scores},
            {"bands", r.result.bands},
            {"classes", r.result.classes},
            {"critical", r.result.critical},
            {"valid", x.valid},
            {"flags", r.result.flags},
            {"positive", x.positive},
            {"source", x.source},
            {"submitted_at", FormatRfc3339(x.submitted_at)}};
  if (r.result.norm_set) j["norm_set"] = *r.result.norm_set;
  if (r.labels) AddLabels(j, *r.labels);
  return j;
}

Json ResultsPageToJson(const ResultsPageView& page) {
  Json items = Json::array(), bands = Json::array(), classes = Json::array();
  for (const auto& r : page.items) items.push_back(ResultRowToJson(r));
  for (const auto& b : page.bands) bands.push_back({{"id", b.id}, {"label", b.label}});
  for (const auto& c : page.classes) classes.push_back({{"id", c.id}, {"name", c.label}});
  return Json{{"items", std::move(items)},
              {"next", page.next ? Json(*page.next) : Json(nullptr)},
              {"total", page.total},
              {"bands", std::move(bands)},
              {"classes", std::move(classes)}};
}

Json StudentHistoryToJson(const StudentHistoryView& h) {
  Json items = Json::array();
  for (const auto& e : h.items) {
    Json j = ResultRowToJson(e.row);
    j["campaign_id"] = IdToString(e.row.submission.campaign_id);
    if (e.answers) {
      j["answers"] = *e.answers;
      Json list = Json::array();
      for (const auto& a : e.answer_list) list.push_back({{"id", a.id}, {"text", a.text}, {"answer", a.answer}});
      j["answer_list"] = std::move(list);
    }
    items.push_back(std::move(j));
  }
  return Json{{"student_id", IdToString(h.student_id)}, {"student_name", h.student_name}, {"items", std::move(items)}};
}

Json AggregatesToJson(const AggregateTable& t) {
  Json rows = Json::array(), cols = Json::array(), col_totals = Json::array();
  for (const auto& r : t.rows) {
    Json cells = Json::array();
    for (const auto& c : r.cells) cells.push_back(KeyedCellToJson(c));
    Json row = {{"key", r.key}, {"label", r.label}, {"cells", std::move(cells)}};
    if (r.total) row["total"] = CellToJson(*r.total);
    rows.push_back(std::move(row));
  }
  for (const auto& c : t.columns) cols.push_back({{"key", c.key}, {"label", c.label}});
  for (const auto& c : t.column_totals) col_totals.push_back(KeyedCellToJson(c));
  return Json{{"campaign_id", IdToString(t.campaign_id)},
              {"instrument_id", t.instrument_id},
              {"k", t.k},
              {"by", t.by},
              {"columns", std::move(cols)},
              {"rows", std::move(rows)},
              {"column_totals", std::move(col_totals)},
              {"total", CellToJson(t.total)}};
}

}  // namespace xq::screening
