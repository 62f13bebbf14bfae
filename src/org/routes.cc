#include "org/routes.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "core/ids.h"
#include "core/json.h"
#include "http/params.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::org {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;
using policy::View;

constexpr size_t kMaxCsvBytes = 16 * 1024 * 1024;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

Json UnitJson(const OrgUnit& u) {
  Json j = {{"id", IdToString(u.id)},
            {"parent_id", u.parent_id ? Json(IdToString(u.parent_id)) : Json(nullptr)},
            {"kind", u.kind},
            {"name", u.name},
            {"has_children", u.has_children}};
  if (!u.school_kind.empty()) {
    j["school_kind"] = u.school_kind;
    j["school_kind_label"] = std::string(SchoolKindLabelFor(u.school_kind));
  }
  return j;
}

// Omits what the view excludes (API.md: omitted, not null).
Json StudentJson(const StudentRecord& r, View view) {
  const Student& s = r.student;
  Json j = {{"id", IdToString(s.id)}, {"name", s.name}};
  if (!r.class_name.empty()) j["class_name"] = r.class_name;
  if (view != View::kFull) return j;
  j["student_no"] = s.student_no;
  j["sex"] = s.sex;
  if (!s.birth_date.empty()) j["birth_date"] = s.birth_date;
  if (s.class_id) j["class_id"] = IdToString(s.class_id);
  if (!r.grade_name.empty()) j["grade_name"] = r.grade_name;
  if (!r.school_name.empty()) j["school_name"] = r.school_name;
  if (!r.dorm_name.empty()) j["dorm_name"] = r.dorm_name;
  return j;
}

Json ErrorsJson(const std::vector<RosterError>& errors) {
  Json details = Json::array();
  for (const auto& e : errors)
    details.push_back({{"line", e.line}, {"column", e.column}, {"field", e.field}, {"reason", e.reason}});
  return details;
}

}  // namespace

void RegisterOrgRoutes(http::Router& router, OrgService& svc) {
  router.Add("GET", "/api/v1/org-units", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"parent_id"}); !st.ok()) return Response::Error(st);
    auto parent = QueryId(req, "parent_id");
    if (!parent.ok()) return Response::Error(parent.status());
    auto units = svc.ListUnits(ActorOf(req), *parent);
    if (!units.ok()) return Response::Error(units.status());
    Json items = Json::array();
    for (const auto& u : *units) items.push_back(UnitJson(u));
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", units->size()}});
  });

  router.Add("GET", "/api/v1/org-units/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto d = svc.GetUnit(ActorOf(req), *id);
    if (!d.ok()) return Response::Error(d.status());
    Json j = UnitJson(d->unit);
    Json ancestors = Json::array();
    for (const auto& a : d->ancestors)
      ancestors.push_back({{"id", IdToString(a.id)}, {"name", a.name}, {"kind", a.kind}});
    j["ancestors"] = ancestors;
    if (d->students) j["counts"] = {{"students", *d->students}};
    return Response::Json(j);
  });

  router.Add("GET", "/api/v1/org-units/{id}/pairing-coverage", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto c = svc.Coverage(ActorOf(req), *id);
    if (!c.ok()) return Response::Error(c.status());
    return Response::Json(
        {{"unit_id", IdToString(*id)}, {"students", c->students}, {"paired", c->paired}, {"percent", c->percent()}});
  });

  router.Add("GET", "/api/v1/students", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"unit_id", "q", "page_size", "after"}); !st.ok()) return Response::Error(st);
    StudentListRequest r;
    auto unit = QueryId(req, "unit_id");
    if (!unit.ok()) return Response::Error(unit.status());
    r.unit_id = *unit;
    r.q = req.Query("q").value_or("");
    r.after = req.Query("after").value_or("");
    if (auto ps = req.Query("page_size"); ps && !ps->empty()) {
      int n = 0;
      auto [p, ec] = std::from_chars(ps->data(), ps->data() + ps->size(), n);
      if (ec == std::errc::result_out_of_range && p == ps->data() + ps->size())
        n = kMaxPageSize;
      else if (ec != std::errc() || p != ps->data() + ps->size())
        return Response::Error(InvalidArgument("page_size must be a number", "page_size"));
      r.page_size = n;
    }
    auto list = svc.ListStudents(ActorOf(req), r);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& it : list->items) items.push_back(StudentJson(it.record, it.view));
    return Response::Json(
        {{"items", items}, {"next", list->next.empty() ? Json(nullptr) : Json(list->next)}, {"total", list->total}});
  });

  router.Add("GET", "/api/v1/students/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto d = svc.GetStudent(ActorOf(req), *id);
    if (!d.ok()) return Response::Error(d.status());
    Json j = StudentJson(d->record, d->view);
    if (d->view == View::kFull) {
      if (!d->record.student.enrolment_date.empty()) j["enrolment_date"] = d->record.student.enrolment_date;
      Json gs = Json::array();
      for (const auto& g : d->guardians) {
        Json gj = {{"name", g.guardian.name}};
        if (!g.guardian.phone.empty()) gj["phone"] = g.guardian.phone;
        if (!g.relation.empty()) gj["relation"] = g.relation;
        gs.push_back(gj);
      }
      j["guardians"] = gs;
    }
    return Response::Json(j);
  });

  router.Add("POST", "/api/v1/roster-imports",
             [&svc](Request& req) {
               if (auto st = CheckQuery(req, {"school_id"}); !st.ok()) return Response::Error(st);
               auto school = QueryId(req, "school_id");
               if (!school.ok()) return Response::Error(school.status());
               if (!*school) return Response::Error(InvalidArgument("school_id is required", "school_id"));
               auto out = svc.ImportRoster(ActorOf(req), **school, req.body);
               if (!out.ok()) return Response::Error(out.status());
               if (!out->errors.empty()) {
                 const RosterError& first = out->errors.front();
                 absl::Status st =
                     InvalidArgument(fmt::format("{} problem(s) in the file; nothing was imported (first: line {}: {})",
                                                 out->errors.size(), first.line, first.reason),
                                     first.field.empty() ? "body" : first.field);
                 return Response::ErrorWithDetails(st, ErrorsJson(out->errors));
               }
               return Response::Json({{"state", "succeeded"},
                                      {"school_id", IdToString(out->school.id)},
                                      {"total", out->total},
                                      {"created", out->counts.created},
                                      {"updated", out->counts.updated}});
             },
             {.max_body = kMaxCsvBytes, .content_types = {"text/csv"}});

  router.Add("POST", "/api/v1/pairings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string staff, student;
    r.Required("staff_id", &staff);
    r.Required("student_id", &student);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto staff_id = IdFromString(staff);
    auto student_id = IdFromString(student);
    if (!staff_id) return Response::Error(InvalidArgument("staff_id is not an id", "staff_id"));
    if (!student_id) return Response::Error(InvalidArgument("student_id is not an id", "student_id"));
    auto p = svc.Pair(ActorOf(req), *staff_id, *student_id);
    if (!p.ok()) return Response::Error(p.status());
    return Response::Json(
        {{"id", IdToString(p->id)}, {"staff_id", IdToString(p->staff_id)}, {"student_id", IdToString(p->student_id)}},
        201);
  });

  router.Add("DELETE", "/api/v1/pairings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"staff_id", "student_id"}); !st.ok()) return Response::Error(st);
    auto staff = QueryId(req, "staff_id");
    if (!staff.ok()) return Response::Error(staff.status());
    auto student = QueryId(req, "student_id");
    if (!student.ok()) return Response::Error(student.status());
    if (!*staff) return Response::Error(InvalidArgument("staff_id is required", "staff_id"));
    if (!*student) return Response::Error(InvalidArgument("student_id is required", "student_id"));
    auto st = svc.Unpair(ActorOf(req), **staff, **student);
    if (!st.ok()) return Response::Error(st);
    return Response::NoContent();
  });
}

}  // namespace xq::org
