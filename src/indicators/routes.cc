#include "indicators/routes.h"

#include <charconv>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"
#include "indicators/definitions.h"

namespace xq::indicators {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

absl::StatusOr<std::optional<int>> YearOf(const Request& req) {
  auto q = req.Query("school_year");
  if (!q) return std::optional<int>();
  int y = 0;
  auto [p, ec] = std::from_chars(q->data(), q->data() + q->size(), y);
  if (ec != std::errc() || p != q->data() + q->size() || y < 2000 || y > 2100)
    return InvalidArgument("school_year is a year such as 2026 (for 2026–27)", "school_year");
  return std::optional<int>(y);
}

absl::StatusOr<int64_t> IntQuery(const Request& req, const char* name, int64_t dflt, int64_t lo, int64_t hi) {
  auto q = req.Query(name);
  if (!q) return dflt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(q->data(), q->data() + q->size(), v);
  if (ec != std::errc() || p != q->data() + q->size() || v < lo || v > hi)
    return InvalidArgument(std::string(name) + " is out of range", name);
  return v;
}

Json UnitJson(const UnitRef& u) {
  Json j = {{"id", IdToString(u.id)}, {"kind", u.kind}, {"name", u.name}};
  if (!u.school_kind.empty()) j["school_kind"] = u.school_kind;
  return j;
}

Json ValueJson(const ShownValue& sv) {
  const Indicator* ind = FindIndicator(sv.value.indicator_id);
  Json j = {{"indicator_id", sv.value.indicator_id}, {"units", sv.value.units}, {"suppressed", sv.suppressed}};
  auto v = sv.value.value();
  if (sv.suppressed || !v) {
    j["value"] = nullptr;
    j["meets"] = nullptr;
    j["gap"] = nullptr;
  } else {
    j["value"] = *v;
    j["num"] = sv.value.num;
    j["den"] = sv.value.den;
    j["meets"] = ind ? Meets(*ind, *v) : false;
    j["gap"] = ind ? *v - ind->target : 0.0;
  }
  return j;
}

Json ValuesJson(const std::vector<ShownValue>& values) {
  Json a = Json::array();
  for (const auto& v : values) a.push_back(ValueJson(v));
  return a;
}

Json SignOffJson(const SignOff& so) {
  Json snap = Json::array();
  for (const auto& v : so.snapshot) snap.push_back(ValueJson({v, false}));
  Json steps = Json::array();
  for (const auto& st : so.steps)
    steps.push_back({{"step", st.step},
                     {"actor_id", IdToString(st.actor_id)},
                     {"actor_role", st.actor_role},
                     {"comment", st.comment},
                     {"at", st.at}});
  Json j = {{"id", IdToString(so.id)},
            {"school_id", IdToString(so.school_id)},
            {"school_year", so.school_year},
            {"state", std::string(SignOffStateName(so.state))},
            {"version", so.version},
            {"snapshot", snap},
            {"submitted_by", IdToString(so.submitted_by)},
            {"submitted_at", so.submitted_at},
            {"comment", so.comment},
            {"steps", steps}};
  if (so.reviewed_at) {
    j["reviewed_by"] = IdToString(so.reviewed_by);
    j["reviewed_at"] = so.reviewed_at;
  }
  if (so.accepted_at) {
    j["accepted_by"] = IdToString(so.accepted_by);
    j["accepted_at"] = so.accepted_at;
  }
  return j;
}

Json IndicatorJson(const Indicator& ind) {
  Json stages = Json::array();
  for (auto [bit, name] :
       {std::pair{kPrimary, "primary"}, {kJunior, "junior"}, {kSenior, "senior"}, {kHigher, "higher"}})
    if (ind.stages & bit) stages.push_back(name);
  return {{"id", ind.id},
          {"name_zh", ind.name_zh},
          {"name_en", ind.name_en},
          {"stages", stages},
          {"level", ind.level == Level::kSchool ? "school" : "district"},
          {"kind", ind.kind == Kind::kShareOfUnits ? "share_of_units" : "ratio"},
          {"target", ind.target},
          {"direction", ind.direction == Direction::kAtLeast ? "at_least" : "at_most"},
          {"evidence_zh", ind.evidence_zh}};
}

}  // namespace

void RegisterIndicatorRoutes(http::Router& router, IndicatorsService& svc) {
  router.Add("GET", "/api/v1/indicators", [](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    Json items = Json::array();
    for (const auto& ind : Indicators()) items.push_back(IndicatorJson(ind));
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", items.size()}});
  });

  router.Add("GET", "/api/v1/indicators/home", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto u = svc.Home(ActorOf(req));
    if (!u.ok()) return Response::Error(u.status());
    return Response::Json({{"unit", UnitJson(*u)}, {"school_year", svc.CurrentYear()}});
  });

  router.Add("GET", "/api/v1/indicators/units/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_year"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto year = YearOf(req);
    if (!year.ok()) return Response::Error(year.status());
    auto v = svc.View(ActorOf(req), *id, *year);
    if (!v.ok()) return Response::Error(v.status());
    Json children = Json::array();
    for (const auto& c : v->children)
      children.push_back({{"unit", UnitJson(c.unit)}, {"values", ValuesJson(c.values)}});
    Json ancestors = Json::array();
    for (const auto& a : v->ancestors) ancestors.push_back(UnitJson(a));
    Json j = {{"school_year", v->school_year}, {"unit", UnitJson(v->unit.unit)}, {"values", ValuesJson(v->unit.values)},
              {"children", children},          {"ancestors", ancestors},         {"k", v->k}};
    j["signoff"] = v->signoff ? SignOffJson(*v->signoff) : Json(nullptr);
    return Response::Json(j);
  });

  router.Add("GET", "/api/v1/indicators/units/{id}/trend", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto t = svc.Trend(ActorOf(req), *id);
    if (!t.ok()) return Response::Error(t.status());
    Json items = Json::array();
    for (const auto& p : *t) items.push_back({{"school_year", p.school_year}, {"values", ValuesJson(p.values)}});
    return Response::Json({{"items", items}});
  });

  router.Add("GET", "/api/v1/indicators/units/{id}/evidence", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"indicator", "school_year", "after", "page_size"}); !st.ok())
      return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto year = YearOf(req);
    if (!year.ok()) return Response::Error(year.status());
    auto ind = req.Query("indicator");
    if (!ind || ind->empty()) return Response::Error(InvalidArgument("indicator is required", "indicator"));
    int64_t after = 0;
    if (auto a = req.Query("after"); a && !a->empty()) {
      auto v = IdFromString(*a);
      if (!v) return Response::Error(InvalidArgument("after is a cursor from the previous page", "after"));
      after = *v;
    }
    auto size = IntQuery(req, "page_size", 100, 1, 500);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.EvidenceOf(ActorOf(req), *id, *ind, *year, after, static_cast<int>(*size));
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const auto& e : page->items) {
      Json facts = Json::object();
      for (const auto& [k, v] : e.facts) facts[k] = v;
      Json j = {{"unit", UnitJson(e.unit)}, {"suppressed", e.suppressed}, {"facts", facts}};
      j["meets"] = e.meets ? Json(*e.meets) : Json(nullptr);
      if (e.contribution.known) {
        j["num"] = e.contribution.num;
        j["den"] = e.contribution.den;
      }
      items.push_back(j);
    }
    return Response::Json({{"indicator", IndicatorJson(*page->indicator)},
                           {"items", items},
                           {"next", page->next ? Json(IdToString(page->next)) : Json(nullptr)}});
  });

  router.Add("GET", "/api/v1/indicators/units/{id}/export", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_year"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto year = YearOf(req);
    if (!year.ok()) return Response::Error(year.status());
    auto file = svc.Export(ActorOf(req), *id, *year);
    if (!file.ok()) return Response::Error(file.status());
    return Response::File(std::move(*file), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          "indicators.xlsx");
  });

  router.Add("GET", "/api/v1/indicators/units/{id}/signoffs", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_year"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto year = YearOf(req);
    if (!year.ok()) return Response::Error(year.status());
    auto rows = svc.SignOffs(ActorOf(req), *id, *year);
    if (!rows.ok()) return Response::Error(rows.status());
    Json items = Json::array();
    for (const auto& r : *rows)
      items.push_back(
          {{"school", UnitJson(r.school)}, {"signoff", r.signoff ? SignOffJson(*r.signoff) : Json(nullptr)}});
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", items.size()}});
  });

  router.Add("POST", "/api/v1/indicator-signoffs", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string school;
    std::optional<int64_t> year;
    r.Required("school_id", &school);
    r.Optional("school_year", &year);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto sid = IdFromString(school);
    if (!sid) return Response::Error(InvalidArgument("school_id is not an id", "school_id"));
    if (year && (*year < 2000 || *year > 2100))
      return Response::Error(InvalidArgument("school_year is a year such as 2026", "school_year"));
    auto so = svc.Submit(ActorOf(req), *sid, year ? std::optional<int>(static_cast<int>(*year)) : std::nullopt);
    return so.ok() ? Response::Json(SignOffJson(*so), 201) : Response::Error(so.status());
  });

  for (const char* step : {"approve", "accept", "return"}) {
    router.Add("POST", std::string("/api/v1/indicator-signoffs/{id}/") + step,
               [&svc, step = std::string(step)](Request& req) {
                 auto id = PathId(req);
                 if (!id.ok()) return Response::Error(id.status());
                 std::optional<std::string> comment;
                 if (!req.body.empty()) {
                   auto body = ParseJsonObject(req.body);
                   if (!body.ok()) return Response::Error(body.status());
                   JsonReader r(*body);
                   if (step == "return") r.Optional("comment", &comment);
                   if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
                 }
                 absl::StatusOr<SignOff> so = step == "approve"  ? svc.Approve(ActorOf(req), *id)
                                              : step == "accept" ? svc.Accept(ActorOf(req), *id)
                                                                 : svc.Return(ActorOf(req), *id, comment.value_or(""));
                 return so.ok() ? Response::Json(SignOffJson(*so)) : Response::Error(so.status());
               });
  }
}

}  // namespace xq::indicators
