// What the screening reports return (screening_service.h): progress, result
// rows with their Chinese labels, a page of results, a student's history and
// the aggregate table. Plain values; routes.cc renders them to the API's
// JSON (report_json.h) and export.cc builds workbooks from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "screening/campaign_tallies.h"
#include "screening/model.h"

namespace xq::screening {

// A unit as reports name it.
struct UnitRef {
  int64_t id = 0;
  std::string name;
  std::string kind;
};

// GET /campaigns/{id}/progress: the unit's tally and one per child unit
// (in display order).
struct ProgressReport {
  int64_t campaign_id = 0;
  UnitRef unit;
  ProgressTally totals;
  struct Child {
    UnitRef unit;
    ProgressTally tally;
  };
  std::vector<Child> children;
};

// The stored result of a submission, parsed: the score map as scoring wrote
// it (scores, bands, classes, critical hits, validity flags) and the norm
// set that classified it, if any.
struct ParsedResult {
  Json scores = Json::object();
  Json bands = Json::object();
  Json classes = Json::object();
  Json critical = Json::array();
  Json flags = Json::array();
  std::optional<Json> norm_set;
};

// A reported score (or a further band set of one, id "total.severity") with
// its label and band.
struct ScoreLine {
  std::string id;
  std::string label;
  std::optional<Json> value;  // from the score map; absent for a band set
  std::optional<std::string> band_id;
  std::optional<std::string> band_label;
};

struct ClassLine {
  std::string id;
  std::string label;
  std::string level_id;
  std::optional<std::string> level_label;
};

// Labels of one critical hit, in the order of ParsedResult::critical.
struct CriticalLabel {
  std::optional<std::string> label;
  std::optional<std::string> item_text;
};

// The Chinese labels of a result, from the scale's definition (absent when
// the scale is not bundled).
struct ResultLabels {
  std::string instrument_title;
  std::vector<ScoreLine> score_list;
  int band_rank = -1;  // orders rows by severity
  std::vector<ClassLine> class_list;
  std::vector<CriticalLabel> critical;
  std::vector<std::string> flag_labels;
};

// One submission as staff read it.
struct ResultRow {
  Submission submission;
  ParsedResult result;
  int64_t class_id = 0;    // the last unit of the student's path
  std::string class_name;  // "七年级1班"
  std::optional<ResultLabels> labels;
};

// GET /campaigns/{id}/results: a page of rows with the facets present
// before filtering by band.
struct ResultsPageView {
  std::vector<ResultRow> items;
  std::optional<std::string> next;  // cursor of the next page
  int64_t total = 0;
  struct Facet {
    std::string id;
    std::string label;
  };
  std::vector<Facet> bands;    // id, band label
  std::vector<Facet> classes;  // class id, class name
};

// Item text and the chosen option's text of an answered item.
struct AnswerLine {
  std::string id;
  std::string text;
  std::string answer;
};

// GET /students/{id}/screening-results.
struct StudentHistoryView {
  int64_t student_id = 0;
  std::string student_name;
  struct Entry {
    ResultRow row;
    std::optional<Json> answers;  // the answer map (D2), for those who may read it
    std::vector<AnswerLine> answer_list;
  };
  std::vector<Entry> items;
};

// GET /campaigns/{id}/aggregates: counts of valid submissions by one or two
// dimensions, small cells suppressed.
struct AggregateCell {
  std::string key;  // the column's key (empty for row and grand totals)
  bool suppressed = false;
  int64_t screened = 0;
  int64_t positive = 0;
};

struct AggregateTable {
  int64_t campaign_id = 0;
  std::string instrument_id;
  int k = 0;
  std::vector<std::string> by;
  struct Column {
    std::string key;
    std::string label;
  };
  std::vector<Column> columns;
  struct Row {
    std::string key;
    std::string label;
    std::vector<AggregateCell> cells;
    std::optional<AggregateCell> total;  // with more than one column
  };
  std::vector<Row> rows;
  std::vector<AggregateCell> column_totals;
  AggregateCell total;
};

}  // namespace xq::screening
