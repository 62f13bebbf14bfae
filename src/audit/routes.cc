#include "audit/routes.h"

#include <algorithm>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "policy/policy.h"

namespace xq::audit {

void RegisterAuditRoutes(http::Router& router, AuditLog& log) {
  router.Add("GET", "/api/v1/audit-events", [&log](http::Request& req) {
    const auto& actor = req.principal->actor;
    bool allowed = false;
    for (const auto& g : actor.grants) {
      policy::Resource r;
      r.data_class = policy::DataClass::kAudit;
      r.unit_path = g.unit_path;
      if (policy::Decide(actor, policy::Action::kRead, r).allowed) allowed = true;
    }
    if (!allowed) {
      Event e;
      e.actor_id = req.principal->account_id;
      e.action = "denied";
      e.object_type = "audit_log";
      e.outcome = "denied";
      (void)log.Record(e);
      return http::Response::Error(PermissionDenied("only auditors read the audit log"));
    }
    int64_t before = 0;
    int limit = 50;
    std::optional<std::string> action;
    for (const auto& [k, v] : req.query) {
      if (k == "before") {
        auto id = IdFromString(v);
        if (!id) return http::Response::Error(InvalidArgument("before must be a sequence number", "before"));
        before = *id;
      } else if (k == "page_size") {
        auto n = IdFromString(v);
        if (!n) return http::Response::Error(InvalidArgument("page_size must be a positive number", "page_size"));
        limit = static_cast<int>(std::min<int64_t>(*n, 200));  // capped (API.md)
      } else if (k == "action") {
        action = v;
      } else {
        return http::Response::Error(InvalidArgument("unknown query parameter " + k, k));
      }
    }
    auto entries = log.List(before, limit + 1, action);
    if (!entries.ok()) return http::Response::Error(entries.status());
    Json items = Json::array();
    Json next = nullptr;
    for (size_t i = 0; i < entries->size(); ++i) {
      const Entry& e = (*entries)[i];
      if (static_cast<int>(i) == limit) {
        next = std::to_string((*entries)[i - 1].seq);
        break;
      }
      Json j = {{"seq", std::to_string(e.seq)},
                {"at", FormatRfc3339(e.at)},
                {"actor_id", e.event.actor_id ? IdToString(e.event.actor_id) : ""},
                {"actor_role", e.event.actor_role},
                {"action", e.event.action},
                {"object_type", e.event.object_type},
                {"object_id", e.event.object_id},
                {"outcome", e.event.outcome}};
      if (e.event.student_id) j["student_id"] = IdToString(e.event.student_id);
      if (!e.event.purpose.empty()) j["purpose"] = e.event.purpose;
      items.push_back(std::move(j));
    }
    // Reading the log is itself recorded.
    Event e;
    e.actor_id = req.principal->account_id;
    e.actor_role = "auditor";
    e.action = "read";
    e.object_type = "audit_log";
    (void)log.Record(e);
    return http::Response::Json({{"items", items}, {"next", next}});
  });
}

}  // namespace xq::audit
