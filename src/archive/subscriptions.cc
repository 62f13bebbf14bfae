#include "archive/subscriptions.h"

#include <charconv>
#include <string_view>

#include "archive/archive_store.h"
#include "core/ids.h"
#include "nlohmann/json.hpp"
#include "policy/neutral_words.h"
#include "spdlog/spdlog.h"

namespace xq::archive {
namespace {

int64_t IntOf(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) return IdFromString(j.get<std::string>()).value_or(0);
  return 0;
}

}  // namespace

std::optional<TimelineEntry> TimelineEntryOf(const events::Event& e) {
  constexpr std::string_view kPrefix = "student:";
  std::string_view subject = e.subject;
  if (subject.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  subject.remove_prefix(kPrefix.size());
  int64_t student = 0;
  auto [end, ec] = std::from_chars(subject.data(), subject.data() + subject.size(), student);
  if (ec != std::errc() || end != subject.data() + subject.size() || student <= 0) return std::nullopt;
  nlohmann::json p = nlohmann::json::parse(e.payload, nullptr, false);
  if (!p.is_object()) return std::nullopt;
  TimelineEntry t;
  t.event_id = e.id;
  t.school_id = e.school_id;
  t.student_id = student;
  t.kind = e.kind;
  t.occurred_at = e.created_at;
  if (e.kind == "warning.raised" && !p.contains("data_class")) {
    // Published before the timeline convention: a warning raised from a
    // critical answer (screening results, D3).
    t.data_class = "D3";
    t.summary_zh = "产生了一条需要跟进的提示";
    t.ref_type = "warning";
    t.ref_id = p.value("warning_id", "");
    return t;
  }
  if (!p.contains("data_class") || !p["data_class"].is_string() || !p.contains("summary_zh") ||
      !p["summary_zh"].is_string())
    return std::nullopt;
  t.data_class = p["data_class"].get<std::string>();
  if (t.data_class != "D3" && t.data_class != "D4" && t.data_class != "D5" && t.data_class != "D6" &&
      t.data_class != "D8")
    return std::nullopt;
  if (p.contains("student_id") && IntOf(p["student_id"]) != student) return std::nullopt;
  t.summary_zh = p["summary_zh"].get<std::string>().substr(0, 300);
  if (t.summary_zh.empty() || !policy::DiagnosticWordsIn(t.summary_zh).empty()) t.summary_zh = "记录了一条信息";
  if (p.contains("ref_type") && p["ref_type"].is_string()) t.ref_type = p["ref_type"].get<std::string>();
  if (p.contains("ref_id")) t.ref_id = p["ref_id"].is_string() ? p["ref_id"].get<std::string>() : p["ref_id"].dump();
  if (p.contains("occurred_at") && IntOf(p["occurred_at"]) > 0) t.occurred_at = IntOf(p["occurred_at"]);
  for (const char* k : {"author_account_id", "reporter_account_id", "counsellor_account_id"})
    if (p.contains(k) && IntOf(p[k]) > 0) {
      t.author_account_id = IntOf(p[k]);
      break;
    }
  return t;
}

events::Subscription TimelineSubscription() {
  return events::Subscription{.name = kTimelineSubscriber,
                              .log = events::kOutbox,
                              .kinds = {},
                              .handler = [](soci::session& s, const events::Event& e) -> absl::Status {
                                auto entry = TimelineEntryOf(e);
                                if (!entry) return absl::OkStatus();
                                auto inserted = InsertTimelineIn(s, *entry);
                                return inserted.status();
                              }};
}

}  // namespace xq::archive
