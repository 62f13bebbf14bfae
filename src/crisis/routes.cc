// HTTP ↔ CrisisService. What a view excludes is omitted (API.md): a
// summary (school leader, crisis group) carries status, step, owner and
// deadlines, never items, sources or notes.
#include "crisis/routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "crisis/trace_export.h"
#include "http/params.h"

namespace xq::crisis {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

Json Time(int64_t t) { return t ? Json(FormatRfc3339(t)) : Json(nullptr); }

Json ItemJson(const CaseItem& i) {
  Json j = {{"id", IdToString(i.id)},
            {"step", i.step},
            {"kind", i.kind},
            {"by", {{"id", IdToString(i.by_account)}, {"name", i.by_name}}},
            {"at", Time(i.at)}};
  if (i.kind == "notice_scan") {
    size_t semi = i.state.find(';');
    j["content_type"] = i.state.substr(0, semi);
    j["file_name"] = semi == std::string::npos ? "" : i.state.substr(semi + 1);
  } else {
    j["text"] = i.body;
    if (!i.state.empty()) j["state"] = i.state;
  }
  if (i.kind == "watch") {
    j["starts_at"] = Time(i.starts_at);
    j["ends_at"] = Time(i.ends_at);
  }
  return j;
}

Json CaseJson(const CaseView& v) {
  const Case& c = v.c;
  const int64_t now = SystemClock::Instance().NowMicros();
  Json j = {{"id", IdToString(c.id)},
            {"student", {{"id", IdToString(c.student_id)}, {"name", c.student_name}, {"student_no", c.student_no}}},
            {"school", {{"id", IdToString(c.school_id)}, {"name", c.school_name}}},
            {"level", c.level},
            {"status", c.status},
            {"step", c.step},
            {"step_name", std::string(StepNameZh(c.step))},
            {"owner", {{"id", IdToString(c.step_owner)}, {"name", c.owner_name}}},
            {"step_due_at", Time(c.step_due_at)},
            {"overdue", c.status == "open" && c.step_due_at != 0 && c.step_due_at < now},
            {"escalated", !c.escalated_path.empty()},
            {"opened_at", Time(c.opened_at)},
            {"closed_at", Time(c.closed_at)},
            {"view", std::string(policy::ViewName(v.view))}};
  if (v.break_glass) {
    j["break_glass"] = true;
    j["break_glass_until"] = Time(v.break_glass_until);
  }
  if (v.view != policy::View::kFull) return j;
  j["source"] = c.source;
  if (c.source_id) j["source_id"] = IdToString(c.source_id);
  j["escalated_at"] = Time(c.escalated_at);
  Json consulted = Json::array();
  for (int64_t id : c.consulted) consulted.push_back(IdToString(id));
  j["consulted"] = consulted;
  Json items = Json::array();
  for (const CaseItem& i : v.items) items.push_back(ItemJson(i));
  j["items"] = items;
  return j;
}

Json ReferralJson(const Referral& r) {
  Json j = {{"id", IdToString(r.id)},
            {"case_id", IdToString(r.case_id)},
            {"student", {{"id", IdToString(r.student_id)}, {"name", r.student_name}}},
            {"hospital", {{"id", IdToString(r.hospital_id)}, {"name", r.hospital_name}}},
            {"summary", r.summary},
            {"state", r.state},
            {"due_at", Time(r.due_at)},
            {"overdue", r.state == "sent" && r.due_at < SystemClock::Instance().NowMicros()},
            {"escalated", !r.escalated_path.empty()},
            {"accepted_at", Time(r.accepted_at)},
            {"appointment_at", Time(r.appointment_at)},
            {"answered_at", Time(r.answered_at)},
            {"created_at", Time(r.created_at)}};
  if (!r.clinical.empty()) j["clinical_summary"] = r.clinical;
  if (!r.advice.empty()) j["advice"] = r.advice;
  return j;
}

Json BreakGlassJson(const BreakGlass& b) {
  Json j = {{"id", IdToString(b.id)},
            {"case_id", IdToString(b.case_id)},
            {"school_id", IdToString(b.school_id)},
            {"account", {{"id", IdToString(b.account_id)}, {"name", b.account_name}}},
            {"role", b.role},
            {"reason", b.reason},
            {"opened_at", Time(b.opened_at)},
            {"expires_at", Time(b.expires_at)},
            {"reviewed", b.reviewed_at != 0}};
  if (b.reviewed_at) {
    j["reviewed_at"] = Time(b.reviewed_at);
    j["review_comment"] = b.review_comment;
  }
  return j;
}

Json ReturnJson(const Return& r, bool staff) {
  Json j = {{"id", IdToString(r.id)},
            {"case_id", IdToString(r.case_id)},
            {"student", {{"id", IdToString(r.student_id)}, {"name", r.student_name}}},
            {"state", r.state},
            {"plan", r.plan_neutral},
            {"planned_at", Time(r.planned_at)}};
  if (!staff) return j;
  j["certificate"] = {{"name", r.certificate_name}, {"content_type", r.certificate_type}};
  j["assessment"] = r.assessment;
  j["created_at"] = Time(r.created_at);
  return j;
}

// A string id in a body ("123"), or absent.
void ReadId(JsonReader& r, std::string_view key, bool required, int64_t* out) {
  std::optional<std::string> s;
  r.Optional(key, &s);
  if (!s) {
    if (required) r.Fail(InvalidArgument(std::string(key) + " is required", key));
    return;
  }
  std::optional<int64_t> id = IdFromString(*s);
  if (!id) return r.Fail(InvalidArgument(std::string(key) + " is not an id", key));
  *out = *id;
}

// An RFC 3339 time in a body, or absent.
void ReadTime(JsonReader& r, std::string_view key, int64_t* out) {
  std::optional<std::string> s;
  r.Optional(key, &s);
  if (!s) return;
  if (!ParseRfc3339(*s, out)) r.Fail(InvalidArgument(std::string(key) + " is not an RFC 3339 time", key));
}

template <typename F>
Response WithBody(Request& req, F&& f) {
  auto body = ParseJsonObject(req.body.empty() ? "{}" : req.body);
  if (!body.ok()) return Response::Error(body.status());
  JsonReader r(std::move(*body));
  return f(r);
}

}  // namespace

void RegisterCrisisRoutes(http::Router& router, CrisisService& svc) {
  router.Add("GET", "/api/v1/crisis/cases", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"status", "page_size", "after"}); !st.ok()) return Response::Error(st);
    int page_size = 50;
    if (auto ps = req.Query("page_size"); ps && !ps->empty()) {
      std::optional<int64_t> n = IdFromString(*ps);
      if (!n || *n < 1) return Response::Error(InvalidArgument("page_size is 1..200", "page_size"));
      page_size = static_cast<int>(std::min<int64_t>(*n, 200));
    }
    auto page =
        svc.ListCases(ActorOf(req), req.Query("status").value_or(""), page_size, req.Query("after").value_or(""));
    if (!page.ok()) return Response::Error(page.status());
    Json items = Json::array();
    for (const CaseView& v : page->items) items.push_back(CaseJson(v));
    return Response::Json({{"items", items}, {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}});
  });

  router.Add("POST", "/api/v1/crisis/cases", [&svc](Request& req) {
    return WithBody(req, [&](JsonReader& r) {
      OpenInput in;
      std::optional<int64_t> level;
      std::optional<std::string> record;
      ReadId(r, "student_id", true, &in.student_id);
      r.Required("source", &in.source);
      ReadId(r, "source_id", false, &in.source_id);
      r.Optional("level", &level);
      r.MaxLength(kMaxText);
      r.Optional("record", &record);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      in.level = static_cast<int>(std::clamp<int64_t>(level.value_or(2), -1, 99));
      in.record = record.value_or("");
      auto c = svc.OpenCase(ActorOf(req), in);
      return c.ok() ? Response::Json(CaseJson(*c), 201) : Response::Error(c.status());
    });
  });

  router.Add("GET", "/api/v1/crisis/cases/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto c = svc.GetCase(ActorOf(req), *id);
    return c.ok() ? Response::Json(CaseJson(*c)) : Response::Error(c.status());
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/advance", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      AdvanceInput in;
      r.Required("to", &in.to);
      r.MaxLength(kMaxText);
      r.Required("record", &in.record);
      ReadId(r, "owner_account_id", false, &in.owner);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto c = svc.Advance(ActorOf(req), *id, in);
      return c.ok() ? Response::Json(CaseJson(*c)) : Response::Error(c.status());
    });
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/items", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      ItemInput in;
      std::optional<std::string> text;
      r.Required("kind", &in.kind);
      r.MaxLength(kMaxText);
      r.Optional("text", &text);
      ReadTime(r, "starts_at", &in.starts_at);
      ReadTime(r, "ends_at", &in.ends_at);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      in.text = text.value_or("");
      auto item = svc.AddItem(ActorOf(req), *id, in);
      return item.ok() ? Response::Json(ItemJson(*item), 201) : Response::Error(item.status());
    });
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/guardian-notice",
             [&svc](Request& req) {
               if (auto st = CheckQuery(req, {"name"}); !st.ok()) return Response::Error(st);
               auto id = PathId(req);
               if (!id.ok()) return Response::Error(id.status());
               FileInput f;
               f.name = req.Query("name").value_or("scan");
               std::string_view ct = req.Header("content-type");
               f.content_type = std::string(ct.substr(0, ct.find(';')));
               f.bytes = std::move(req.body);
               auto item = svc.AttachGuardianNotice(ActorOf(req), *id, f);
               return item.ok() ? Response::Json(ItemJson(*item), 201) : Response::Error(item.status());
             },
             {.max_body = kMaxFileBytes, .content_types = {"application/pdf", "image/jpeg", "image/png"}});

  router.Add("GET", "/api/v1/crisis/cases/{id}/guardian-notice/{item_id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto item = PathId(req, "item_id");
    if (!item.ok()) return Response::Error(item.status());
    auto f = svc.GuardianNoticeFile(ActorOf(req), *id, *item);
    if (!f.ok()) return Response::Error(f.status());
    return Response::File(std::move(f->bytes), f->content_type, f->name);
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/consults", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      int64_t account = 0;
      ReadId(r, "account_id", true, &account);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto st = svc.Consult(ActorOf(req), *id, account);
      return st.ok() ? Response::NoContent() : Response::Error(st);
    });
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/break-glass", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      std::string reason;
      r.Required("reason", &reason);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto b = svc.BreakGlassOpen(ActorOf(req), *id, reason);
      return b.ok() ? Response::Json(BreakGlassJson(*b), 201) : Response::Error(b.status());
    });
  });

  router.Add("GET", "/api/v1/crisis/guardian-notices", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto list = svc.GuardianNotices(ActorOf(req));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const GuardianNotice& n : *list)
      items.push_back({{"id", IdToString(n.item_id)},
                       {"student", {{"id", IdToString(n.student_id)}, {"name", n.student_name}}},
                       {"state", n.state},
                       {"at", Time(n.at)}});
    return Response::Json({{"items", items}, {"next", nullptr}});
  });

  router.Add("POST", "/api/v1/crisis/guardian-notices/{id}/confirmation", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto st = svc.ConfirmGuardianNotice(ActorOf(req), *id);
    return st.ok() ? Response::NoContent() : Response::Error(st);
  });

  router.Add("GET", "/api/v1/crisis/hospitals", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto list = svc.ListHospitals(ActorOf(req));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const Hospital& h : *list) {
      Json j = {{"id", IdToString(h.id)}, {"name", h.name}};
      if (!h.liaisons.empty()) {
        Json ls = Json::array();
        for (int64_t a : h.liaisons) ls.push_back(IdToString(a));
        j["liaison_account_ids"] = ls;
      }
      items.push_back(j);
    }
    return Response::Json({{"items", items}, {"next", nullptr}});
  });

  router.Add("POST", "/api/v1/crisis/hospitals", [&svc](Request& req) {
    return WithBody(req, [&](JsonReader& r) {
      std::string name;
      int64_t unit = 0;
      std::vector<std::string> liaisons;
      r.Required("name", &name);
      ReadId(r, "unit_id", true, &unit);
      r.Optional("liaison_account_ids", &liaisons);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      std::vector<int64_t> ids;
      for (const std::string& s : liaisons) {
        std::optional<int64_t> id = IdFromString(s);
        if (!id) return Response::Error(InvalidArgument("not an id", "liaison_account_ids"));
        ids.push_back(*id);
      }
      auto h = svc.CreateHospital(ActorOf(req), name, unit, ids);
      return h.ok() ? Response::Json({{"id", IdToString(h->id)}, {"name", h->name}}, 201) : Response::Error(h.status());
    });
  });

  router.Add("GET", "/api/v1/crisis/referrals", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"case_id"}); !st.ok()) return Response::Error(st);
    auto cid = QueryId(req, "case_id");
    if (!cid.ok()) return Response::Error(cid.status());
    auto list = svc.ListReferrals(ActorOf(req), cid->value_or(0));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const Referral& r : *list) items.push_back(ReferralJson(r));
    return Response::Json({{"items", items}, {"next", nullptr}});
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/referrals", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      int64_t hospital = 0;
      std::string summary;
      ReadId(r, "hospital_id", true, &hospital);
      r.Required("summary", &summary);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto ref = svc.Refer(ActorOf(req), *id, hospital, summary);
      return ref.ok() ? Response::Json(ReferralJson(*ref), 201) : Response::Error(ref.status());
    });
  });

  router.Add("GET", "/api/v1/crisis/referrals/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto r = svc.GetReferral(ActorOf(req), *id);
    return r.ok() ? Response::Json(ReferralJson(*r)) : Response::Error(r.status());
  });

  router.Add("POST", "/api/v1/crisis/referrals/{id}/acceptance", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto r = svc.AcceptReferral(ActorOf(req), *id);
    return r.ok() ? Response::Json(ReferralJson(*r)) : Response::Error(r.status());
  });

  router.Add("POST", "/api/v1/crisis/referrals/{id}/appointment", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      std::string kind;
      int64_t at = 0;
      r.Required("kind", &kind);
      ReadTime(r, "at", &at);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto ref = svc.RecordAppointment(ActorOf(req), *id, kind, at);
      return ref.ok() ? Response::Json(ReferralJson(*ref)) : Response::Error(ref.status());
    });
  });

  router.Add("POST", "/api/v1/crisis/referrals/{id}/feedback", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      std::string clinical, advice;
      r.MaxLength(kMaxText);
      r.Required("clinical_summary", &clinical);
      r.Required("advice", &advice);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto ref = svc.AnswerReferral(ActorOf(req), *id, clinical, advice);
      return ref.ok() ? Response::Json(ReferralJson(*ref)) : Response::Error(ref.status());
    });
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/return/certificate",
             [&svc](Request& req) {
               if (auto st = CheckQuery(req, {"name"}); !st.ok()) return Response::Error(st);
               auto id = PathId(req);
               if (!id.ok()) return Response::Error(id.status());
               FileInput f;
               f.name = req.Query("name").value_or("certificate");
               std::string_view ct = req.Header("content-type");
               f.content_type = std::string(ct.substr(0, ct.find(';')));
               f.bytes = std::move(req.body);
               auto r = svc.AttachCertificate(ActorOf(req), *id, f);
               return r.ok() ? Response::Json(ReturnJson(*r, true), 201) : Response::Error(r.status());
             },
             {.max_body = kMaxFileBytes, .content_types = {"application/pdf", "image/jpeg", "image/png"}});

  router.Add("GET", "/api/v1/crisis/cases/{id}/return/certificate", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto f = svc.CertificateFile(ActorOf(req), *id);
    if (!f.ok()) return Response::Error(f.status());
    return Response::File(std::move(f->bytes), f->content_type, f->name);
  });

  router.Add("GET", "/api/v1/crisis/cases/{id}/return", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto r = svc.GetReturn(ActorOf(req), *id);
    return r.ok() ? Response::Json(ReturnJson(*r, true)) : Response::Error(r.status());
  });

  router.Add("POST", "/api/v1/crisis/cases/{id}/return/plan", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      std::string assessment, plan;
      r.MaxLength(kMaxText);
      r.Required("assessment", &assessment);
      r.Required("plan", &plan);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto ret = svc.WriteReturnPlan(ActorOf(req), *id, assessment, plan);
      return ret.ok() ? Response::Json(ReturnJson(*ret, true)) : Response::Error(ret.status());
    });
  });

  router.Add("GET", "/api/v1/crisis/guidance", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto list = svc.Guidance(ActorOf(req));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const Return& r : *list) items.push_back(ReturnJson(r, false));
    return Response::Json({{"items", items}, {"next", nullptr}});
  });

  router.Add("GET", "/api/v1/crisis/trace", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"student_id", "case_id"}); !st.ok()) return Response::Error(st);
    auto sid = QueryId(req, "student_id");
    if (!sid.ok()) return Response::Error(sid.status());
    auto cid = QueryId(req, "case_id");
    if (!cid.ok()) return Response::Error(cid.status());
    auto rep = svc.Trace(ActorOf(req), sid->value_or(0), cid->value_or(0));
    if (!rep.ok()) return Response::Error(rep.status());
    Json lines = Json::array();
    for (const TraceLine& t : rep->lines) {
      Json j = {{"at", Time(t.at)},   {"source", t.source},     {"seq", t.seq},          {"action", t.action},
                {"detail", t.detail}, {"what", TraceWhatZh(t)}, {"verified", t.verified}};
      if (t.source == "audit") {
        j["actor"] = {{"id", IdToString(t.actor_id)},
                      {"name", t.actor_name},
                      {"role", t.actor_role},
                      {"role_label", TraceRoleZh(t.actor_role)}};
        j["object"] = {{"type", t.object_type}, {"id", t.object_id}};
        j["outcome"] = t.outcome;
        if (!t.purpose.empty()) j["purpose"] = t.purpose;
      }
      lines.push_back(j);
    }
    Json chain = {{"ok", rep->chain_ok}};
    if (!rep->chain_ok) {
      chain["first_bad_seq"] = rep->first_bad_seq;
      chain["problem"] = rep->problem;
    }
    return Response::Json({{"student_id", IdToString(rep->student_id)},
                           {"case_id", rep->case_id ? Json(IdToString(rep->case_id)) : Json(nullptr)},
                           {"generated_at", Time(rep->generated_at)},
                           {"chain", chain},
                           {"lines", lines}});
  });

  router.Add("GET", "/api/v1/crisis/trace/export", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"student_id", "case_id"}); !st.ok()) return Response::Error(st);
    auto sid = QueryId(req, "student_id");
    if (!sid.ok()) return Response::Error(sid.status());
    auto cid = QueryId(req, "case_id");
    if (!cid.ok()) return Response::Error(cid.status());
    auto x = svc.TraceExport(ActorOf(req), sid->value_or(0), cid->value_or(0));
    if (!x.ok()) return Response::Error(x.status());
    return Response::File(std::move(*x), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          "trace.xlsx");
  });

  router.Add("GET", "/api/v1/crisis/break-glass", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"unreviewed"}); !st.ok()) return Response::Error(st);
    std::string u = req.Query("unreviewed").value_or("false");
    if (u != "true" && u != "false")
      return Response::Error(InvalidArgument("unreviewed is true or false", "unreviewed"));
    auto list = svc.BreakGlassList(ActorOf(req), u == "true");
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const BreakGlass& b : *list) items.push_back(BreakGlassJson(b));
    return Response::Json({{"items", items}, {"next", nullptr}});
  });

  router.Add("POST", "/api/v1/crisis/break-glass/{id}/review", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return WithBody(req, [&](JsonReader& r) {
      std::string comment;
      r.Required("comment", &comment);
      if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
      auto b = svc.BreakGlassReview(ActorOf(req), *id, comment);
      return b.ok() ? Response::Json(BreakGlassJson(*b)) : Response::Error(b.status());
    });
  });
}

}  // namespace xq::crisis
