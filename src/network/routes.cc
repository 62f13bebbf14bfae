// HTTP ↔ NetworkService.
#include "network/routes.h"

#include <algorithm>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::network {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

absl::StatusOr<int> PageSize(const Request& req, int fallback) {
  auto ps = req.Query("page_size");
  if (!ps) return fallback;
  auto n = IdFromString(std::string(*ps));
  if (!n || *n < 1 || *n > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  return static_cast<int>(*n);
}

Json Next(const std::string& next) { return next.empty() ? Json(nullptr) : Json(next); }

constexpr char kWithheld[] = "（含专业用语，内容仅心理中心可见）";

Json ObservationJson(const ObservationView& v) {
  const Observation& o = v.o;
  Json j = {{"id", IdToString(o.id)},
            {"student_id", IdToString(o.student_id)},
            {"student_name", o.student_name},
            {"class_name", o.class_name},
            {"category", o.category},
            {"category_label", std::string(CategoryLabel(o.category))},
            {"urgency", o.urgency},
            {"what_seen", v.text_withheld ? std::string(kWithheld) : o.what_seen},
            {"own", v.own},
            {"created_at", FormatRfc3339(o.created_at)}};
  if (!v.own && !o.reporter_name.empty()) {
    j["reporter_name"] = o.reporter_name;
    j["reporter_role"] = o.reporter_role;
  }
  return j;
}

Json FactorJson(const FactorView& v) {
  const RiskFactor& f = v.f;
  Json j = {{"id", IdToString(f.id)},
            {"student_id", IdToString(f.student_id)},
            {"student_name", f.student_name},
            {"factor", f.factor},
            {"factor_label", std::string(CategoryLabel(f.factor))},
            {"source", f.source},
            {"start_date", f.start_date},
            {"status", f.status},
            {"note", v.note_withheld ? std::string(kWithheld) : f.note},
            {"recorded_by_name", f.recorder_name},
            {"created_at", FormatRfc3339(f.created_at)}};
  if (!f.end_date.empty()) j["end_date"] = f.end_date;
  if (f.source_id) j["source_id"] = IdToString(f.source_id);
  return j;
}

Json WeeklyJson(const WeeklyReport& r) {
  return {{"id", IdToString(r.id)}, {"class_id", IdToString(r.class_id)},
          {"week", r.week},         {"nothing_to_report", r.nothing_to_report},
          {"note", r.note},         {"created_at", FormatRfc3339(r.created_at)}};
}

}  // namespace

void RegisterNetworkRoutes(http::Router& router, NetworkService& svc) {
  router.Add("GET", "/api/v1/network/categories", [](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    Json items = Json::array();
    for (const auto& c : Categories()) items.push_back({{"name", c.name}, {"label", c.label_zh}});
    return Response::Json({{"items", items}});
  });

  router.Add("GET", "/api/v1/network/students", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    auto size = PageSize(req, 200);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.ListPickable(ActorOf(req), *size, req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const auto& p : page->items)
      items.push_back({{"id", IdToString(p.id)}, {"name", p.name}, {"class_name", p.class_name}});
    return Response::Json({{"items", items}, {"next", Next(page->next)}});
  });

  router.Add("POST", "/api/v1/network/observations", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    ObservationInput in;
    std::string student;
    r.Required("student_id", &student);
    r.Required("category", &in.category);
    r.Required("urgency", &in.urgency);
    r.Required("what_seen", &in.what_seen);
    r.Optional("add_factor", &in.add_factor);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto id = IdFromString(student);
    if (!id) return Response::Error(InvalidArgument("no such student", "student_id"));
    in.student_id = *id;
    auto v = svc.Report(ActorOf(req), in);
    return v.ok() ? Response::Json(ObservationJson(*v), 201) : Response::Error(v.status());
  });

  router.Add("GET", "/api/v1/network/observations", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"mine", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto mine = req.Query("mine").value_or("true");
    if (mine != "true" && mine != "false")
      return Response::Error(InvalidArgument("mine must be true or false", "mine"));
    auto size = PageSize(req, 50);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.ListObservations(ActorOf(req), mine == "true", *size, req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const auto& v : page->items) items.push_back(ObservationJson(v));
    return Response::Json({{"items", items}, {"next", Next(page->next)}});
  });

  router.Add("POST", "/api/v1/network/weekly-reports", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    WeeklyInput in;
    std::string cls;
    std::optional<std::string> week, note;
    r.Required("class_id", &cls);
    r.Required("nothing_to_report", &in.nothing_to_report);
    r.Optional("week", &week);
    r.Optional("note", &note);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto id = IdFromString(cls);
    if (!id) return Response::Error(NotFound("class not found"));
    in.class_id = *id;
    in.week = week.value_or("");
    in.note = note.value_or("");
    auto w = svc.FileWeekly(ActorOf(req), in);
    return w.ok() ? Response::Json(WeeklyJson(*w), 201) : Response::Error(w.status());
  });

  router.Add("GET", "/api/v1/network/classes", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"week", "silent", "silent_weeks", "page_size", "after"}); !st.ok())
      return Response::Error(st);
    ClassWeekQuery q;
    q.week = req.Query("week").value_or("");
    auto silent = req.Query("silent").value_or("false");
    if (silent != "true" && silent != "false")
      return Response::Error(InvalidArgument("silent must be true or false", "silent"));
    q.only_silent = silent == "true";
    if (auto n = req.Query("silent_weeks")) {
      auto v = IdFromString(std::string(*n));
      if (!v) return Response::Error(InvalidArgument("silent_weeks must be 1..12", "silent_weeks"));
      q.silent_weeks = static_cast<int>(std::clamp<int64_t>(*v, 0, 100));
    }
    auto size = PageSize(req, 50);
    if (!size.ok()) return Response::Error(size.status());
    q.page_size = *size;
    q.after = req.Query("after").value_or("");
    auto page = svc.ListClassWeeks(ActorOf(req), q);
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const auto& c : page->items) {
      Json j = {{"class_id", IdToString(c.class_id)}, {"class_name", c.class_name}, {"filed", c.filed}};
      if (c.filed) {
        j["nothing_to_report"] = c.nothing_to_report;
        j["note"] = c.note;
      }
      j["last_week"] = c.last_week.empty() ? Json(nullptr) : Json(c.last_week);
      items.push_back(std::move(j));
    }
    return Response::Json({{"items", items},
                           {"week", q.week.empty() ? IsoWeek(svc.clock().NowMicros()) : q.week},
                           {"next", Next(page->next)}});
  });

  router.Add("POST", "/api/v1/network/risk-factors", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    FactorInput in;
    std::string student;
    std::optional<std::string> source, start, note;
    r.Required("student_id", &student);
    r.Required("factor", &in.factor);
    r.Optional("source", &source);
    r.Optional("start_date", &start);
    r.Optional("note", &note);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto id = IdFromString(student);
    if (!id) return Response::Error(NotFound("student not found"));
    in.student_id = *id;
    in.source = source.value_or("manual");
    in.start_date = start.value_or("");
    in.note = note.value_or("");
    auto f = svc.AddFactor(ActorOf(req), in);
    return f.ok() ? Response::Json(FactorJson(*f), 201) : Response::Error(f.status());
  });

  router.Add("POST", "/api/v1/network/risk-factors/{id}/resolution", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    std::optional<std::string> end;
    if (!req.body.empty()) {
      auto body = ParseJsonObject(req.body);
      if (!body.ok()) return Response::Error(body.status());
      JsonReader r(*body);
      r.Optional("end_date", &end);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    }
    auto f = svc.ResolveFactor(ActorOf(req), *id, end.value_or(""));
    return f.ok() ? Response::Json(FactorJson(*f)) : Response::Error(f.status());
  });

  router.Add("GET", "/api/v1/network/risk-factors", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"status", "student_id", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto student = http::QueryId(req, "student_id");
    if (!student.ok()) return Response::Error(student.status());
    auto size = PageSize(req, 50);
    if (!size.ok()) return Response::Error(size.status());
    auto page = svc.ListFactors(ActorOf(req), req.Query("status").value_or("active"), student->value_or(0), *size,
                                req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const auto& f : page->items) items.push_back(FactorJson(f));
    return Response::Json({{"items", items}, {"next", Next(page->next)}});
  });
}

}  // namespace xq::network
