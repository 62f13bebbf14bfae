#include "counselling/hotline_routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "http/params.h"

namespace xq::counselling {
namespace {

using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

Json UnitJson(const HotlineUnit& u) { return {{"id", IdToString(u.id)}, {"kind", u.kind}, {"name", u.name}}; }

Json TimeJson(int64_t t) { return t ? Json(FormatRfc3339(t)) : Json(nullptr); }

Json StatusJson(const AwarenessStatus& st) {
  return {{"applies", st.applies},
          {"needs_confirm", st.needs_confirm},
          {"last_change_at", TimeJson(st.last_change_at)},
          {"confirmed_at", TimeJson(st.confirmed_at)},
          {"class_meeting_at", TimeJson(st.class_meeting_at)}};
}

// Counts are omitted (not null) when suppressed.
Json RateJson(const RateRow& r) {
  Json j = {{"unit", UnitJson(r.unit)}, {"suppressed", r.suppressed}};
  if (!r.suppressed) {
    j["students"] = r.students;
    j["confirmed"] = r.confirmed;
    j["rate"] = r.students ? static_cast<double>(r.confirmed) / static_cast<double>(r.students) : 0.0;
  }
  return j;
}

}  // namespace

void RegisterHotlineRoutes(http::Router& router, HotlineEditor& editor) {
  router.Add("GET", "/api/v1/hotlines/editable", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto units = editor.EditableUnits(ActorOf(req));
    if (!units.ok()) return Response::Error(units.status());
    Json items = Json::array();
    for (const auto& e : *units) {
      Json lines = Json::array();
      for (const auto& l : e.lines)
        lines.push_back({{"name", l.name}, {"number", l.number}, {"hours", l.hours}, {"note", l.note}});
      Json u = UnitJson(e.unit);
      u["lines"] = lines;
      u["built_in"] = e.built_in;
      items.push_back(u);
    }
    return Response::Json({{"items", items}});
  });

  router.Add("PUT", "/api/v1/hotlines/units/{id}", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = http::PathId(req, "id");
    if (!id.ok()) return Response::Error(NotFound("org unit not found"));
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    Json arr;
    r.Required("lines", &arr);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    if (!arr.is_array()) return Response::Error(InvalidArgument("lines is a list", "lines"));
    if (arr.size() > static_cast<size_t>(kMaxLinesPerUnit))
      return Response::Error(InvalidArgument(fmt::format("a unit lists at most {} lines", kMaxLinesPerUnit), "lines"));
    std::vector<HotlineLine> lines;
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string prefix = fmt::format("lines[{}].", i);
      if (!arr[i].is_object())
        return Response::Error(InvalidArgument("a line is an object", prefix.substr(0, prefix.size() - 1)));
      JsonReader lr(arr[i], prefix);
      HotlineLine l;
      std::optional<std::string> hours, note;
      lr.MaxLength(1000);
      lr.Required("name", &l.name);
      lr.Required("number", &l.number);
      lr.Optional("hours", &hours);
      lr.Optional("note", &note);
      if (auto st = lr.Finish(); !st.ok()) return Response::Error(st);
      l.hours = hours.value_or("");
      l.note = note.value_or("");
      lines.push_back(std::move(l));
    }
    auto st = editor.ReplaceLines(ActorOf(req), *id, lines);
    return st.ok() ? Response::NoContent() : Response::Error(st);
  });

  router.Add("GET", "/api/v1/hotlines/awareness/me", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto st = editor.MyAwareness(ActorOf(req));
    if (!st.ok()) return Response::Error(st.status());
    return Response::Json(StatusJson(*st));
  });

  router.Add("POST", "/api/v1/hotlines/awareness/confirm", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    std::string via = "sign_in";
    if (!req.body.empty()) {
      auto body = ParseJsonObject(req.body);
      if (!body.ok()) return Response::Error(body.status());
      JsonReader r(*body);
      std::optional<std::string> v;
      r.Optional("via", &v);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      if (v) via = *v;
    }
    auto st = editor.Confirm(ActorOf(req), via);
    if (!st.ok()) return Response::Error(st.status());
    return Response::Json(StatusJson(*st));
  });

  router.Add("POST", "/api/v1/hotlines/awareness/class-meetings", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string cls;
    r.Required("class_id", &cls);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto id = IdFromString(cls);
    if (!id) return Response::Error(InvalidArgument("class_id is not an id", "class_id"));
    auto st = editor.MarkClassMeeting(ActorOf(req), *id);
    return st.ok() ? Response::NoContent() : Response::Error(st);
  });

  router.Add("GET", "/api/v1/hotlines/awareness/rates", [&editor](Request& req) {
    if (auto st = http::CheckQuery(req, {"unit_id"}); !st.ok()) return Response::Error(st);
    auto unit = http::QueryId(req, "unit_id");
    if (!unit.ok()) return Response::Error(unit.status());
    auto t = editor.Rates(ActorOf(req), unit->value_or(0));
    if (!t.ok()) return Response::Error(t.status());
    Json rows = Json::array();
    for (const auto& row : t->rows) rows.push_back(RateJson(row));
    return Response::Json({{"total", RateJson(t->total)}, {"rows", rows}, {"k", t->k}});
  });
}

}  // namespace xq::counselling
