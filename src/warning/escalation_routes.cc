// HTTP ↔ EscalationService: /api/v1/network/warnings* and
// /api/v1/schools/{id}/warning-deadlines.
#include <algorithm>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"
#include "warning/routes.h"

namespace xq::warning {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

std::string At(int64_t us) { return us ? FormatRfc3339(us) : std::string(); }

// Neutral for everybody; the source's label and urgency only for the
// psychology centre (detailed).
Json ItemJson(const BoardItem& item) {
  const Warning& w = item.warning;
  Json j = {{"id", IdToString(w.id)},
            {"student_id", IdToString(w.student_id)},
            {"student_name", w.student_name},
            {"level", w.level},
            {"level_name", std::string(LevelName(w.level))},
            {"owner_step", w.owner_step},
            {"chain", w.higher_ed ? "higher_ed" : "k12"},
            {"source", w.source},
            {"state", w.state},
            {"summary", w.summary},
            {"created_at", At(w.created_at)},
            {"ack_due_at", At(w.ack_due_at)},
            {"action_due_at", At(w.action_due_at)}};
  if (item.informed) j["informed_me"] = true;
  if (w.escalated_at) j["escalated_at"] = At(w.escalated_at);
  if (w.acknowledged_at) j["acknowledged_at"] = At(w.acknowledged_at);
  if (w.closed_at) j["closed_at"] = At(w.closed_at);
  if (item.detailed) {
    j["student_no"] = w.student_no;
    j["label"] = w.label;
    j["ref_type"] = w.ref_type;
    if (w.ref_id) j["ref_id"] = IdToString(w.ref_id);
    if (!w.close_reason.empty()) j["close_reason"] = w.close_reason;
  }
  return j;
}

Json DeadlinesJson(const Deadlines& d) {
  Json ack = Json::object(), act = Json::object();
  for (int i = 0; i < 3; ++i) {
    ack[std::to_string(i + 1)] = d.ack[i];
    act[std::to_string(i + 1)] = d.action[i];
  }
  return {{"ack_seconds", ack}, {"action_seconds", act}};
}

// {"ack_seconds":{"1":3600,...},"action_seconds":{...}}: all three levels.
absl::StatusOr<Deadlines> ParseDeadlines(const std::string& body) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(j);
  Json ack, act;
  r.Required("ack_seconds", &ack);
  r.Required("action_seconds", &act);
  XQ_RETURN_IF_ERROR(r.Finish());
  Deadlines d;
  auto read = [](const Json& o, const char* field, std::array<int64_t, 3>* out) -> absl::Status {
    if (!o.is_object() || o.size() != 3) return InvalidArgument("give levels \"1\", \"2\" and \"3\"", field);
    for (int i = 0; i < 3; ++i) {
      auto it = o.find(std::to_string(i + 1));
      if (it == o.end() || !it->is_number_integer())
        return InvalidArgument("give levels \"1\", \"2\" and \"3\" in whole seconds", field);
      (*out)[i] = it->get<int64_t>();
    }
    return absl::OkStatus();
  };
  XQ_RETURN_IF_ERROR(read(ack, "ack_seconds", &d.ack));
  XQ_RETURN_IF_ERROR(read(act, "action_seconds", &d.action));
  return d;
}

absl::StatusOr<std::string> ReasonOf(const std::string& body, std::optional<int64_t>* level) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(j);
  std::string reason;
  r.Required("reason", &reason);
  if (level) r.Required("level", &level->emplace());
  XQ_RETURN_IF_ERROR(r.Finish());
  return reason;
}

}  // namespace

void RegisterEscalationRoutes(http::Router& router, EscalationService& svc) {
  router.Add("GET", "/api/v1/network/warnings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"state", "page_size", "after"}); !st.ok()) return Response::Error(st);
    BoardQuery q;
    q.state = req.Query("state").value_or("open");
    q.after = req.Query("after").value_or("");
    if (auto ps = req.Query("page_size")) {
      auto n = IdFromString(std::string(*ps));
      if (!n) return Response::Error(InvalidArgument("page_size must be 1..200", "page_size"));
      q.page_size = static_cast<int>(std::clamp<int64_t>(*n, 0, 1000));
    }
    auto b = svc.ListBoard(ActorOf(req), q);
    if (!b.ok()) return Response::Error(b.status());
    Json items = Json::array();
    for (const auto& i : b->items) items.push_back(ItemJson(i));
    Json by_level = Json::object(), by_step = Json::object();
    for (const auto& [k, v] : b->by_level) by_level[k] = v;
    for (const auto& [k, v] : b->by_step) by_step[k] = v;
    return Response::Json({{"items", items},
                           {"next", b->next.empty() ? Json(nullptr) : Json(b->next)},
                           {"counts", {{"by_level", by_level}, {"by_step", by_step}}}});
  });

  router.Add("GET", "/api/v1/network/warnings/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto w = svc.Get(ActorOf(req), *id);
    return w.ok() ? Response::Json(ItemJson(*w)) : Response::Error(w.status());
  });

  router.Add("POST", "/api/v1/network/warnings/{id}/acknowledgement", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    if (!req.body.empty()) {
      auto body = ParseJsonObject(req.body);
      if (!body.ok()) return Response::Error(body.status());
      JsonReader r(*body);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    }
    auto w = svc.Acknowledge(ActorOf(req), *id);
    return w.ok() ? Response::Json(ItemJson(*w)) : Response::Error(w.status());
  });

  router.Add("POST", "/api/v1/network/warnings/{id}/closure", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto reason = ReasonOf(req.body, nullptr);
    if (!reason.ok()) return Response::Error(reason.status());
    auto w = svc.Close(ActorOf(req), *id, *reason);
    return w.ok() ? Response::Json(ItemJson(*w)) : Response::Error(w.status());
  });

  router.Add("POST", "/api/v1/network/warnings/{id}/level", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    std::optional<int64_t> level;
    auto reason = ReasonOf(req.body, &level);
    if (!reason.ok()) return Response::Error(reason.status());
    const int lv = static_cast<int>(std::clamp<int64_t>(level.value_or(0), -1, 99));
    auto w = svc.SetLevel(ActorOf(req), *id, lv, *reason);
    return w.ok() ? Response::Json(ItemJson(*w)) : Response::Error(w.status());
  });

  router.Add("GET", "/api/v1/schools/{id}/warning-deadlines", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto d = svc.GetDeadlines(ActorOf(req), *id);
    return d.ok() ? Response::Json(DeadlinesJson(*d)) : Response::Error(d.status());
  });

  router.Add("PUT", "/api/v1/schools/{id}/warning-deadlines", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto in = ParseDeadlines(req.body);
    if (!in.ok()) return Response::Error(in.status());
    auto d = svc.SetDeadlines(ActorOf(req), *id, *in);
    return d.ok() ? Response::Json(DeadlinesJson(*d)) : Response::Error(d.status());
  });
}

}  // namespace xq::warning
