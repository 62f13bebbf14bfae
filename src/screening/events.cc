#include "screening/events.h"

#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "nlohmann/json.hpp"

namespace xq::screening {
namespace {

using Json = nlohmann::json;
constexpr int64_t kHourMicros = 3'600'000'000;

std::string TextOf(const instruments::Text& t) {
  if (auto it = t.find("zh-CN"); it != t.end()) return it->second;
  return t.empty() ? std::string() : t.begin()->second;
}

// The critical hits recorded in a stored result (instruments::ResultJsonText),
// with their labels from the bundled definition.
std::vector<CriticalHit> HitsOf(std::string_view result, const std::string& instrument, const std::string& version) {
  std::vector<CriticalHit> out;
  Json j = Json::parse(result, nullptr, false);
  if (!j.is_object() || !j.contains("critical") || !j["critical"].is_array()) return out;
  const auto* entry = instruments::BundledDefinitions().Find(instrument, version);
  for (const auto& c : j["critical"]) {
    if (!c.is_object()) continue;
    CriticalHit h;
    h.critical_id = c.value("id", "");
    h.item_id = c.value("item", "");
    h.urgency = c.value("urgency", "");
    if (entry)
      for (const auto& rule : entry->definition.critical)
        if (rule.id == h.critical_id) h.label = TextOf(rule.label);
    out.push_back(std::move(h));
  }
  return out;
}

class SubmissionLog final : public events::Log {
 public:
  explicit SubmissionLog(db::Database& db) : db_(db) {}
  const std::string& name() const override { return name_; }

  absl::StatusOr<std::vector<events::Event>> Read(int64_t after, int limit,
                                                  const std::vector<std::string>& kinds) override {
    bool want_critical = kinds.empty(), want_positive = kinds.empty();
    for (const auto& k : kinds) {
      want_critical |= k == kCriticalAnswer;
      want_positive |= k == kPositiveResult;
    }
    std::vector<events::Event> out;
    if (!want_critical && !want_positive) return out;
    // The WHERE repeats the partial index's (screening_submissions_followed).
    // The id is the rowid on SQLite, which SOCI reads as a 32-bit int unless
    // it comes through CAST (as in screening_store.cc).
    const std::string sql = fmt::format(
        "SELECT CAST(x.id AS BIGINT), x.school_id, x.student_id, x.unit_path, x.campaign_id, x.instrument_id, "
        "x.version, x.result, "
        "x.positive, x.critical, x.submitted_at, c.urgent_due_hours, c.other_due_days FROM screening_submissions x "
        "JOIN screening_campaigns c ON c.id = x.campaign_id WHERE (x.critical = 1 OR x.positive = 1) AND x.id > :a{} "
        "ORDER BY x.id LIMIT {}",
        want_critical && want_positive ? ""
        : want_critical                ? " AND x.critical = 1"
                                       : " AND x.critical = 0",
        limit);
    XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(after)}, [&](const soci::row& row) {
      ScreeningResult r;
      r.submission_id = db::GetInt(row, 0);
      r.school_id = db::GetInt(row, 1);
      r.student_id = db::GetInt(row, 2);
      r.unit_path = db::GetStr(row, 3);
      r.campaign_id = db::GetInt(row, 4);
      r.instrument_id = db::GetStr(row, 5);
      const std::string version = db::GetStr(row, 6);
      r.positive = db::GetInt(row, 8) != 0;
      r.critical = db::GetInt(row, 9) != 0;
      r.submitted_at = db::GetInt(row, 10);
      r.follow_up_due_at =
          r.submitted_at + (r.critical ? db::GetInt(row, 11) * kHourMicros : db::GetInt(row, 12) * 24 * kHourMicros);
      if (r.critical) r.hits = HitsOf(db::GetStr(row, 7), r.instrument_id, version);
      const char* kind = r.critical ? kCriticalAnswer : kPositiveResult;
      events::Event e;
      e.id = r.submission_id;
      e.position = r.submission_id;
      e.school_id = r.school_id;
      e.kind = kind;
      e.subject = fmt::format("student:{}", r.student_id);
      e.created_at = r.submitted_at;
      e.payload = Encode(r);
      out.push_back(std::move(e));
    }));
    return out;
  }

 private:
  db::Database& db_;
  std::string name_ = kSubmissionLog;
};

}  // namespace

std::string Encode(const ScreeningResult& r) {
  Json hits = Json::array();
  for (const auto& h : r.hits)
    hits.push_back(
        {{"critical_id", h.critical_id}, {"item_id", h.item_id}, {"urgency", h.urgency}, {"label", h.label}});
  return Json{{"submission_id", r.submission_id},
              {"school_id", r.school_id},
              {"student_id", r.student_id},
              {"unit_path", r.unit_path},
              {"campaign_id", r.campaign_id},
              {"instrument_id", r.instrument_id},
              {"critical", r.critical},
              {"positive", r.positive},
              {"submitted_at", r.submitted_at},
              {"follow_up_due_at", r.follow_up_due_at},
              {"hits", hits}}
      .dump();
}

std::unique_ptr<events::Log> NewSubmissionLog(db::Database& db) { return std::make_unique<SubmissionLog>(db); }

absl::StatusOr<ScreeningResult> DecodeScreeningResult(std::string_view payload) {
  Json j = Json::parse(payload, nullptr, false);
  if (!j.is_object()) return Internal("a screening result event without a payload");
  ScreeningResult r;
  try {
    r.submission_id = j.at("submission_id").get<int64_t>();
    r.school_id = j.at("school_id").get<int64_t>();
    r.student_id = j.at("student_id").get<int64_t>();
    r.unit_path = j.at("unit_path").get<std::string>();
    r.campaign_id = j.at("campaign_id").get<int64_t>();
    r.instrument_id = j.at("instrument_id").get<std::string>();
    r.critical = j.at("critical").get<bool>();
    r.positive = j.at("positive").get<bool>();
    r.submitted_at = j.at("submitted_at").get<int64_t>();
    r.follow_up_due_at = j.at("follow_up_due_at").get<int64_t>();
    for (const auto& h : j.at("hits"))
      r.hits.push_back({h.at("critical_id").get<std::string>(), h.at("item_id").get<std::string>(),
                        h.at("urgency").get<std::string>(), h.at("label").get<std::string>()});
  } catch (const std::exception& e) {
    return Internal(fmt::format("a screening result event that cannot be read: {}", e.what()));
  }
  return r;
}

}  // namespace xq::screening
