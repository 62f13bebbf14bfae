// HTTP ↔ WarningService.
#include "warning/routes.h"

#include <algorithm>

#include "core/ids.h"
#include "core/json.h"
#include "http/params.h"
#include "core/status.h"

namespace xq::warning {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;

Json WarningJson(const Warning& w) {
  Json j = {{"id", IdToString(w.id)},
            {"student_id", IdToString(w.student_id)},
            {"student_name", w.student_name},
            {"student_no", w.student_no},
            {"campaign_id", IdToString(w.campaign_id)},
            {"submission_id", IdToString(w.submission_id)},
            {"instrument_id", w.instrument_id},
            {"item_id", w.item_id},
            {"critical_id", w.critical_id},
            {"urgency", w.urgency},
            {"label", w.label},
            {"state", w.state},
            {"created_at", FormatRfc3339(w.created_at)}};
  if (w.acknowledged_at) {
    j["acknowledged_at"] = FormatRfc3339(w.acknowledged_at);
    j["acknowledged_by"] = {{"id", IdToString(w.acknowledged_by)}, {"name", w.acknowledged_by_name}};
  }
  return j;
}

Json FollowUpJson(const FollowUp& f, int64_t now) {
  Json j = {{"id", IdToString(f.id)},
            {"student_id", IdToString(f.student_id)},
            {"student_name", f.student_name},
            {"student_no", f.student_no},
            {"campaign_id", IdToString(f.campaign_id)},
            {"submission_id", IdToString(f.submission_id)},
            {"instrument_id", f.instrument_id},
            {"reason", f.reason},
            {"due_at", FormatRfc3339(f.due_at)},
            {"overdue", f.state == "open" && f.due_at < now},
            {"state", f.state},
            {"created_at", FormatRfc3339(f.created_at)}};
  if (f.closed_at) j["closed_at"] = FormatRfc3339(f.closed_at);
  return j;
}

// page_size: 1..200, default 200 (the most a page holds).
absl::StatusOr<int> PageSize(const Request& req) {
  auto ps = req.Query("page_size");
  if (!ps) return 200;
  auto n = IdFromString(std::string(*ps));
  if (!n || *n < 1 || *n > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  return static_cast<int>(*n);
}

}  // namespace

void RegisterWarningRoutes(http::Router& router, WarningService& svc) {
  router.Add("GET", "/api/v1/warnings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"state", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto size = PageSize(req);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.ListWarningsPage(*req.principal, req.Query("state").value_or("open"), *size,
                                     req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    Json out = Json::array();
    for (const auto& w : page->items) out.push_back(WarningJson(w));
    return Response::Json(
        {{"items", out}, {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}, {"total", page->total}});
  });

  router.Add("POST", "/api/v1/warnings/{id}/acknowledgement", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    if (!req.body.empty()) {
      auto body = ParseJsonObject(req.body);
      if (!body.ok()) return Response::Error(body.status());
      JsonReader r(*body);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    }
    auto w = svc.Acknowledge(*req.principal, *id);
    return w.ok() ? Response::Json(WarningJson(*w)) : Response::Error(w.status());
  });

  router.Add("GET", "/api/v1/follow-ups", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"state", "overdue", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto overdue = req.Query("overdue").value_or("false");
    if (overdue != "true" && overdue != "false")
      return Response::Error(InvalidArgument("overdue must be true or false", "overdue"));
    auto size = PageSize(req);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.ListFollowUpsPage(*req.principal, req.Query("state").value_or("open"), overdue == "true", *size,
                                      req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    const int64_t now = SystemClock::Instance().NowMicros();
    Json out = Json::array();
    for (const auto& f : page->items) out.push_back(FollowUpJson(f, now));
    return Response::Json(
        {{"items", out}, {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}, {"total", page->total}});
  });

  router.Add("POST", "/api/v1/follow-ups/{id}/interview", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    InterviewInput in;
    std::optional<int64_t> level, valid_days;
    std::optional<std::string> guidance, notes;
    r.Required("outcome", &in.outcome);
    r.Optional("level", &level);
    r.Optional("guidance", &guidance);
    r.Optional("notes", &notes);
    r.Optional("valid_days", &valid_days);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    in.level = static_cast<int>(std::clamp<int64_t>(level.value_or(0), -1, 99));
    in.guidance = guidance.value_or("");
    in.notes = notes.value_or("");
    in.valid_days = static_cast<int>(std::clamp<int64_t>(valid_days.value_or(180), -1, 100000));
    auto f = svc.RecordInterview(*req.principal, *id, in);
    return f.ok() ? Response::Json(FollowUpJson(*f, SystemClock::Instance().NowMicros()), 201)
                  : Response::Error(f.status());
  });

  router.Add("GET", "/api/v1/attention-levels", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto out = svc.ListLevels(*req.principal);
    return out.ok() ? Response::Json(*out) : Response::Error(out.status());
  });
}

}  // namespace xq::warning
