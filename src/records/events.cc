#include "records/events.h"

#include "core/json.h"
#include "core/status.h"
#include "events/events.h"

namespace xq::records {

std::string Encode(const Changed& c) {
  return Json{{"school_id", c.school_id}, {"unit_id", c.unit_id}, {"kind", c.kind}, {"school_year", c.school_year}}
      .dump();
}

absl::StatusOr<Changed> DecodeChanged(const std::string& payload) {
  Json j = Json::parse(payload, nullptr, false);
  if (!j.is_object()) return InvalidArgument("records.changed: payload is not a JSON object");
  try {
    return Changed{j.at("school_id").get<int64_t>(), j.at("unit_id").get<int64_t>(), j.at("kind").get<std::string>(),
                   j.at("school_year").get<int>()};
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("records.changed: ") + e.what());
  }
}

absl::Status PublishChanged(soci::session& s, const Changed& c, int64_t now_micros) {
  return events::Publish(s, {.school_id = c.school_id,
                             .kind = kRecordsChanged,
                             .subject = "unit:" + std::to_string(c.unit_id),
                             .payload = Encode(c),
                             .created_at = now_micros})
      .status();
}

}  // namespace xq::records
