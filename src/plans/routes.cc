#include "plans/routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "http/params.h"

namespace xq::plans {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

absl::StatusOr<int> PageSize(const Request& req) {
  auto ps = req.Query("page_size");
  if (!ps || ps->empty()) return 50;
  auto n = IdFromString(std::string(*ps));
  if (!n || *n < 1 || *n > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  return static_cast<int>(*n);
}

Json PlanJson(const Plan& p) {
  Json resp = Json::array();
  for (const auto& r : p.responsible) resp.push_back({{"role", r.role}, {"name", r.name}});
  Json notes = Json::array();
  for (const auto& n : p.notes)
    notes.push_back({{"id", IdToString(n.id)},
                     {"note", n.note},
                     {"source", n.source},
                     {"created_at", FormatRfc3339(n.created_at)}});
  Json j = {{"id", IdToString(p.id)},
            {"student_id", IdToString(p.student_id)},
            {"student_name", p.student_name},
            {"level", p.level},
            {"goals", p.goals},
            {"measures", p.measures},
            {"responsible", resp},
            {"next_review_date", p.next_review_date},
            {"state", p.state},
            {"notes", notes},
            {"created_at", FormatRfc3339(p.created_at)},
            {"updated_at", FormatRfc3339(p.updated_at)}};
  if (p.state == "closed") {
    j["close_reason"] = p.close_reason;
    j["closed_at"] = FormatRfc3339(p.closed_at);
  }
  return j;
}

Json ReviewJson(const ReviewMeeting& m) {
  Json decisions = Json::array();
  for (const auto& d : m.decisions)
    decisions.push_back({{"student_id", IdToString(d.student_id)},
                         {"decision", d.decision},
                         {"level_before", d.level_before},
                         {"level_after", d.level_after},
                         {"note", d.note}});
  return {{"id", IdToString(m.id)},
          {"unit_id", IdToString(m.unit_id)},
          {"held_on", m.held_on},
          {"attendees", m.attendees},
          {"next_review_date", m.next_review_date},
          {"decisions", decisions},
          {"created_at", FormatRfc3339(m.created_at)}};
}

absl::StatusOr<PlanInput> ReadPlan(const std::string& body) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(j);
  PlanInput in;
  std::optional<int64_t> level;
  Json resp;
  r.Optional("level", &level);
  r.Required("goals", &in.goals);
  r.Required("measures", &in.measures);
  r.Required("responsible", &resp);
  r.Required("next_review_date", &in.next_review_date);
  if (auto st = r.Finish(); !st.ok()) return st;
  in.level = static_cast<int>(std::clamp<int64_t>(level.value_or(0), -1, 99));
  if (!resp.is_array()) return InvalidArgument("must be an array", "responsible");
  if (resp.size() > 20) return InvalidArgument("at most 20", "responsible");
  for (size_t i = 0; i < resp.size(); ++i) {
    if (!resp[i].is_object()) return InvalidArgument("must be an object", fmt::format("responsible[{}]", i));
    JsonReader rr(resp[i], fmt::format("responsible[{}].", i));
    Responsible x;
    rr.Required("role", &x.role);
    rr.Required("name", &x.name);
    if (auto st = rr.Finish(); !st.ok()) return st;
    in.responsible.push_back(std::move(x));
  }
  return in;
}

absl::StatusOr<std::string> ReadOne(const std::string& body, std::string_view key) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(j);
  std::string v;
  r.Required(key, &v);
  if (auto st = r.Finish(); !st.ok()) return st;
  return v;
}

absl::StatusOr<ReviewInput> ReadReview(const std::string& body) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(j);
  ReviewInput in;
  std::string unit;
  std::optional<int64_t> valid_days;
  Json decisions;
  r.Required("unit_id", &unit);
  r.Required("held_on", &in.held_on);
  r.Optional("attendees", &in.attendees);
  r.Required("next_review_date", &in.next_review_date);
  r.Optional("valid_days", &valid_days);
  r.Required("decisions", &decisions);
  if (auto st = r.Finish(); !st.ok()) return st;
  auto uid = IdFromString(unit);
  if (!uid) return InvalidArgument("not an id", "unit_id");
  in.unit_id = *uid;
  in.valid_days = static_cast<int>(std::clamp<int64_t>(valid_days.value_or(90), -1, 100000));
  if (!decisions.is_array()) return InvalidArgument("must be an array", "decisions");
  if (decisions.size() > 500) return InvalidArgument("at most 500", "decisions");
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (!decisions[i].is_object()) return InvalidArgument("must be an object", fmt::format("decisions[{}]", i));
    JsonReader dr(decisions[i], fmt::format("decisions[{}].", i));
    Decision d;
    std::string sid;
    std::optional<std::string> note;
    dr.Required("student_id", &sid);
    dr.Required("decision", &d.decision);
    dr.Optional("note", &note);
    if (auto st = dr.Finish(); !st.ok()) return st;
    auto id = IdFromString(sid);
    if (!id) return InvalidArgument("not an id", fmt::format("decisions[{}].student_id", i));
    d.student_id = *id;
    d.note = note.value_or("");
    in.decisions.push_back(std::move(d));
  }
  return in;
}

}  // namespace

void RegisterPlansRoutes(http::Router& router, PlansService& svc) {
  router.Add("GET", "/api/v1/students/{id}/plan", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto p = svc.CurrentPlan(ActorOf(req), *id);
    return p.ok() ? Response::Json(PlanJson(*p)) : Response::Error(p.status());
  });
  router.Add("POST", "/api/v1/students/{id}/plan", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto in = ReadPlan(req.body);
    if (!in.ok()) return Response::Error(in.status());
    auto p = svc.CreatePlan(ActorOf(req), *id, *in);
    return p.ok() ? Response::Json(PlanJson(*p), 201) : Response::Error(p.status());
  });
  router.Add("GET", "/api/v1/plans/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto p = svc.GetPlan(ActorOf(req), *id);
    return p.ok() ? Response::Json(PlanJson(*p)) : Response::Error(p.status());
  });
  router.Add("PUT", "/api/v1/plans/{id}", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto in = ReadPlan(req.body);
    if (!in.ok()) return Response::Error(in.status());
    auto p = svc.UpdatePlan(ActorOf(req), *id, *in);
    return p.ok() ? Response::Json(PlanJson(*p)) : Response::Error(p.status());
  });
  router.Add("POST", "/api/v1/plans/{id}/notes", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto note = ReadOne(req.body, "note");
    if (!note.ok()) return Response::Error(note.status());
    auto p = svc.AddNote(ActorOf(req), *id, *note);
    return p.ok() ? Response::Json(PlanJson(*p), 201) : Response::Error(p.status());
  });
  router.Add("POST", "/api/v1/plans/{id}/closure", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto reason = ReadOne(req.body, "reason");
    if (!reason.ok()) return Response::Error(reason.status());
    auto p = svc.Close(ActorOf(req), *id, *reason);
    return p.ok() ? Response::Json(PlanJson(*p)) : Response::Error(p.status());
  });
  // The overdue reviews, and every open plan (在案的一生一策): the same lines.
  auto plan_list = [&svc](bool overdue) {
    return [&svc, overdue](Request& req) {
      if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
      auto size = PageSize(req);
      if (!size.ok()) return Response::Error(size.status());
      const std::string after(req.Query("after").value_or(""));
      auto list = overdue ? svc.Overdue(ActorOf(req), *size, after) : svc.OpenPlans(ActorOf(req), *size, after);
      if (!list.ok()) return Response::Error(list.status());
      Json items = Json::array();
      for (const auto& p : list->first)
        items.push_back({{"id", IdToString(p.id)},
                         {"student_id", IdToString(p.student_id)},
                         {"student_name", p.student_name},
                         {"level", p.level},
                         {"next_review_date", p.next_review_date}});
      return Response::Json({{"items", items}, {"next", list->second.empty() ? Json(nullptr) : Json(list->second)}});
    };
  };
  router.Add("GET", "/api/v1/overdue-plan-reviews", plan_list(true));
  router.Add("GET", "/api/v1/plans", plan_list(false));
  router.Add("POST", "/api/v1/review-meetings", [&svc](Request& req) {
    auto in = ReadReview(req.body);
    if (!in.ok()) return Response::Error(in.status());
    auto m = svc.RecordReview(ActorOf(req), *in);
    return m.ok() ? Response::Json(ReviewJson(*m), 201) : Response::Error(m.status());
  });
  router.Add("GET", "/api/v1/review-meetings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    auto size = PageSize(req);
    if (!size.ok()) return Response::Error(size.status());
    auto list = svc.ListReviews(ActorOf(req), *size, req.Query("after").value_or(""));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& m : list->first) items.push_back(ReviewJson(m));
    return Response::Json({{"items", items}, {"next", list->second.empty() ? Json(nullptr) : Json(list->second)}});
  });
}

}  // namespace xq::plans
