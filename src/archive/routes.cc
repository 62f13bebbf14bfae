#include "archive/routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::archive {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

absl::StatusOr<int> PageSize(const Request& req, int dflt) {
  auto ps = req.Query("page_size");
  if (!ps || ps->empty()) return dflt;
  auto n = IdFromString(std::string(*ps));
  if (!n || *n < 1 || *n > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  return static_cast<int>(*n);
}

absl::StatusOr<std::optional<int>> SchoolYear(const Request& req) {
  auto y = req.Query("school_year");
  if (!y || y->empty()) return std::optional<int>();
  auto n = IdFromString(std::string(*y));
  if (!n || *n < 2000 || *n > 2100) return InvalidArgument("school_year must be a year", "school_year");
  return std::optional<int>(static_cast<int>(*n));
}

std::string_view ModeZh(std::string_view m) {
  if (m == "in_person") return "面谈";
  if (m == "phone") return "电话";
  if (m == "video") return "视频";
  return "";
}

Json ContactJson(const Contact& c, bool show_summary) {
  Json j = {{"id", IdToString(c.id)},
            {"student_id", IdToString(c.student_id)},
            {"student_name", c.student_name},
            {"kind", c.kind},
            {"date", c.contact_date},
            {"mode", c.mode},
            {"mode_label", std::string(ModeZh(c.mode))},
            {"author_name", c.author_name},
            {"author_role", c.author_role},
            {"school_year", c.school_year},
            {"created_at", FormatRfc3339(c.created_at)}};
  if (show_summary) {
    j["summary"] = c.summary;
    j["follow_up"] = c.follow_up;
  }
  return j;
}

Json ProgressJson(const QuotaProgress& p) {
  return {{"role", p.role},
          {"required", p.required},
          {"done", p.done},
          {"met", p.met},
          {"semester_starts_met", p.semester_starts_met}};
}

Json TransferJson(const Transfer& t) {
  return {{"id", IdToString(t.id)},
          {"student_id", IdToString(t.student_id)},
          {"from_school_id", IdToString(t.school_id)},
          {"to_school_id", IdToString(t.to_school_id)},
          {"to_school_name", t.to_school_name},
          {"consent", t.consent},
          {"consented_by", t.consented_by},
          {"consenter_name", t.consenter_name},
          {"consented_on", t.consented_on},
          {"recorded_at", FormatRfc3339(t.created_at)}};
}

absl::StatusOr<int64_t> BodyId(JsonReader& r, std::string_view key) {
  std::string s;
  r.Required(key, &s);
  if (!r.ok()) return r.Finish();
  auto id = IdFromString(s);
  if (!id) return InvalidArgument("not an id", key);
  return *id;
}

}  // namespace

void RegisterArchiveRoutes(http::Router& router, ArchiveService& svc) {
  router.Add("GET", "/api/v1/students/{id}/timeline", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"module", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto size = PageSize(req, 50);
    if (!size.ok()) return Response::Error(size.status());
    TimelineRequest r{
        .module = req.Query("module").value_or(""), .page_size = *size, .after = req.Query("after").value_or("")};
    auto page = svc.Timeline(ActorOf(req), *id, r);
    if (!page.ok()) return Response::Error(page.status());
    const StudentArchive& a = page->student;
    Json student = {{"id", IdToString(a.student_id)}, {"transferred_in", a.transferred_in}};
    if (page->show_roster || a.transferred_in) {
      student["name"] = a.name;
      if (!a.class_name.empty() && !a.transferred_in) student["class_name"] = a.class_name;
    }
    if (page->show_level) {
      if (a.attention_level > 0) {
        student["attention"] = {{"level", a.attention_level},
                                {"guidance", a.attention_guidance},
                                {"expires_at", FormatRfc3339(a.attention_expires_at)}};
      } else {
        student["attention"] = nullptr;
      }
    }
    Json items = Json::array();
    for (const auto& e : page->items)
      items.push_back({{"id", IdToString(e.event_id)},
                       {"kind", e.kind},
                       {"data_class", e.data_class},
                       {"summary_zh", e.summary_zh},
                       {"ref_type", e.ref_type},
                       {"ref_id", e.ref_id},
                       {"occurred_at", FormatRfc3339(e.occurred_at)}});
    return Response::Json(
        {{"student", student}, {"items", items}, {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}});
  });

  router.Add("GET", "/api/v1/students/{id}/contacts", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"kind", "page_size", "after"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto size = PageSize(req, 50);
    if (!size.ok()) return Response::Error(size.status());
    auto list =
        svc.ListContacts(ActorOf(req), *id, req.Query("kind").value_or(""), *size, req.Query("after").value_or(""));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& v : list->first) items.push_back(ContactJson(v.contact, v.show_summary));
    return Response::Json({{"items", items}, {"next", list->second.empty() ? Json(nullptr) : Json(list->second)}});
  });

  router.Add("POST", "/api/v1/contacts", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    ContactInput in;
    auto sid = BodyId(r, "student_id");
    if (!sid.ok()) return Response::Error(sid.status());
    in.student_id = *sid;
    std::optional<std::string> follow_up;
    r.Required("kind", &in.kind);
    r.Required("date", &in.contact_date);
    r.Required("mode", &in.mode);
    r.Required("summary", &in.summary);
    r.Optional("follow_up", &follow_up);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    in.follow_up = follow_up.value_or("");
    auto c = svc.RecordContact(ActorOf(req), in);
    return c.ok() ? Response::Json(ContactJson(*c, true), 201) : Response::Error(c.status());
  });

  router.Add("GET", "/api/v1/contact-quota", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_year"}); !st.ok()) return Response::Error(st);
    auto year = SchoolYear(req);
    if (!year.ok()) return Response::Error(year.status());
    auto list = svc.MyQuota(ActorOf(req), *year);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& p : *list) items.push_back(ProgressJson(p));
    return Response::Json({{"items", items}});
  });

  router.Add("GET", "/api/v1/contact-quota/school", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_year"}); !st.ok()) return Response::Error(st);
    auto year = SchoolYear(req);
    if (!year.ok()) return Response::Error(year.status());
    auto list = svc.SchoolQuota(ActorOf(req), *year);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& s : *list) {
      Json j = ProgressJson(s.progress);
      j["account_id"] = IdToString(s.account_id);
      j["name"] = s.name;
      items.push_back(j);
    }
    return Response::Json({{"items", items}});
  });

  router.Add("POST", "/api/v1/students/{id}/transfers", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    TransferInput in;
    auto to = BodyId(r, "to_school_id");
    if (!to.ok()) return Response::Error(to.status());
    in.to_school_id = *to;
    r.Required("consent", &in.consent);
    r.Required("consented_by", &in.consented_by);
    r.Required("consenter_name", &in.consenter_name);
    r.Required("consented_on", &in.consented_on);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto t = svc.RecordTransfer(ActorOf(req), *id, in);
    return t.ok() ? Response::Json(TransferJson(*t), 201) : Response::Error(t.status());
  });

  router.Add("GET", "/api/v1/students/{id}/transfers", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto list = svc.ListTransfers(ActorOf(req), *id);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& t : *list) items.push_back(TransferJson(t));
    return Response::Json({{"items", items}});
  });
}

}  // namespace xq::archive
