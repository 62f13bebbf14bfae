#include "audit/audited.h"

#include "core/status.h"
#include "db/database.h"
#include "spdlog/spdlog.h"

namespace xq::audit {

absl::Status Unavailable(const absl::Status& cause) {
  spdlog::error("audit write failed, the request fails: {}", cause.ToString());
  return WithCode(absl::UnavailableError("the audit log cannot be written now; nothing was changed, please try again"),
                  kAuditUnavailable);
}

absl::Status Record(AuditLog& log, const Event& e) {
  absl::Status st = log.Record(e);
  return st.ok() ? st : Unavailable(st);
}

InTransaction RecordingIn(AuditLog& log, Event e) {
  return [&log, e = std::move(e)](soci::session& s) -> absl::Status {
    absl::Status st;
    try {
      st = log.RecordIn(s, e);
    } catch (...) {
      st = db::StatusFromCurrentException("audit");
    }
    return st.ok() ? st : Unavailable(st);
  };
}

InTransaction RecordingIn(AuditLog& log, std::vector<Event> events) {
  return [&log, events = std::move(events)](soci::session& s) -> absl::Status {
    std::vector<const Event*> all;
    for (const Event& e : events) all.push_back(&e);
    absl::Status st;
    try {
      st = log.RecordAllIn(s, all);
    } catch (...) {
      st = db::StatusFromCurrentException("audit");
    }
    return st.ok() ? st : Unavailable(st);
  };
}

}  // namespace xq::audit
