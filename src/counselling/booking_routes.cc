#include "counselling/booking_routes.h"

#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::counselling {
namespace {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

std::string Time(int64_t micros) { return micros ? FormatRfc3339(micros) : std::string(); }

absl::StatusOr<int64_t> IdField(JsonReader& r, std::string_view key, bool required) {
  std::optional<std::string> s;
  r.Optional(key, &s);
  if (!r.ok()) return r.Finish();
  if (!s || s->empty()) {
    if (required) return InvalidArgument(std::string(key) + " is required", key);
    return 0;
  }
  std::optional<int64_t> id = IdFromString(*s);
  if (!id) return InvalidArgument(std::string(key) + " is not an id", key);
  return *id;
}

absl::StatusOr<int64_t> TimeField(const Json& j, std::string_view key) {
  if (!j.is_string()) return InvalidArgument(std::string(key) + " is an RFC 3339 time", key);
  int64_t t = 0;
  if (!ParseRfc3339(j.get<std::string>(), &t)) return InvalidArgument(std::string(key) + " is an RFC 3339 time", key);
  return t;
}

absl::StatusOr<int64_t> QueryTime(const Request& req, std::string_view key, int64_t fallback) {
  std::optional<std::string> v = req.Query(key);
  if (!v || v->empty()) return fallback;
  int64_t t = 0;
  if (!ParseRfc3339(*v, &t)) return InvalidArgument(std::string(key) + " is an RFC 3339 time", key);
  return t;
}

absl::StatusOr<int64_t> QueryInt(const Request& req, std::string_view key, int64_t fallback) {
  std::optional<std::string> v = req.Query(key);
  if (!v || v->empty()) return fallback;
  try {
    size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("");
    return n;
  } catch (...) {
    return InvalidArgument(std::string(key) + " is not a number", key);
  }
}

absl::StatusOr<int64_t> QueryIdOr0(const Request& req, std::string_view key) {
  XQ_ASSIGN_OR_RETURN(std::optional<int64_t> id, http::QueryId(req, key));
  return id.value_or(0);
}

Json SlotJson(const Slot& s, bool with_bookers) {
  Json j = {{"id", IdToString(s.id)},
            {"room", s.room},
            {"starts_at", Time(s.starts_at)},
            {"ends_at", Time(s.ends_at)},
            {"counsellor_name", s.counsellor_name},
            {"counsellor_account_id", IdToString(s.counsellor_account_id)},
            {"taken", s.taken}};
  if (with_bookers) {
    j["waiting"] = s.waiting;
    if (s.taken) {
      j["booking_id"] = IdToString(s.booking_id);
      j["student_id"] = IdToString(s.student_id);
      j["student_name"] = s.student_name;
      j["booking_state"] = s.booking_state;
    }
  } else if (s.booking_id != 0) {
    j["booking_id"] = IdToString(s.booking_id);  // the caller's own
    j["mine"] = true;
  }
  return j;
}

Json BookingJson(const Booking& b) {
  return {{"id", IdToString(b.id)},
          {"slot_id", IdToString(b.slot_id)},
          {"student_id", IdToString(b.student_id)},
          {"student_name", b.student_name},
          {"source", b.source},
          {"state", b.state},
          {"room", b.room},
          {"starts_at", Time(b.starts_at)},
          {"ends_at", Time(b.ends_at)},
          {"counsellor_name", b.counsellor_name},
          {"created_at", Time(b.created_at)}};
}

Json WaitJson(const WaitlistEntry& w) {
  return {{"id", IdToString(w.id)},
          {"slot_id", IdToString(w.slot_id)},
          {"state", w.state},
          {"created_at", Time(w.created_at)}};
}

Json ReferralJson(const Referral& r, bool full) {
  Json j = {{"id", IdToString(r.id)},
            {"student_id", IdToString(r.student_id)},
            {"student_name", r.student_name},
            {"state", r.state},
            {"created_at", Time(r.created_at)}};
  if (full) {
    j["reason"] = r.reason;
    j["referred_by_name"] = r.referred_by_name;
    if (r.received_at) j["received_at"] = Time(r.received_at);
  }
  return j;
}

Json RecordJson(const SessionRecord& r, bool texts) {
  Json j = {{"id", IdToString(r.id)},         {"student_id", IdToString(r.student_id)},
            {"student_name", r.student_name}, {"author_account_id", IdToString(r.author_account_id)},
            {"author_name", r.author_name},   {"risk", r.risk},
            {"held_at", Time(r.held_at)},     {"created_at", Time(r.created_at)}};
  if (r.booking_id) j["booking_id"] = IdToString(r.booking_id);
  if (r.crisis_case_id) j["crisis_case_id"] = IdToString(r.crisis_case_id);
  if (texts) {
    j["presenting_concern"] = r.concern;
    j["notes"] = r.notes;
    j["next_steps"] = r.next_steps;
  }
  return j;
}

Json ShareJson(const Share& s) {
  return {{"id", IdToString(s.id)},
          {"record_id", IdToString(s.record_id)},
          {"expert_account_id", IdToString(s.expert_account_id)},
          {"expert_name", s.expert_name},
          {"shared_by_name", s.shared_by_name},
          {"summary", s.summary},
          {"created_at", Time(s.created_at)}};
}

// Cursor paging by id (newest first): next is the last id of a full page.
template <typename T, typename F>
Json Page(const std::vector<T>& items, int page_size, F to_json, int64_t last_id) {
  Json arr = Json::array();
  for (const auto& x : items) arr.push_back(to_json(x));
  Json next = static_cast<int>(items.size()) >= page_size ? Json(IdToString(last_id)) : Json(nullptr);
  return {{"items", arr}, {"next", next}};
}

#define XQ_OR_ERROR(lhs, rexpr)                                                                  \
  auto XQ_CONCAT_(r_, __LINE__) = (rexpr);                                                       \
  if (!XQ_CONCAT_(r_, __LINE__).ok()) return Response::Error(XQ_CONCAT_(r_, __LINE__).status()); \
  lhs = std::move(*XQ_CONCAT_(r_, __LINE__))

}  // namespace

void RegisterBookingRoutes(http::Router& router, CounsellingService& svc) {
  router.Add("GET", "/api/v1/counselling/slots", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_id", "from", "to", "mine"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t school, QueryIdOr0(req, "school_id"));
    const int64_t now = SystemClock::Instance().NowMicros();
    XQ_OR_ERROR(int64_t from, QueryTime(req, "from", now - int64_t{12} * 3600 * 1'000'000));
    XQ_OR_ERROR(int64_t to, QueryTime(req, "to", from + int64_t{14} * 24 * 3600 * 1'000'000));
    std::string mine = req.Query("mine").value_or("");
    if (!mine.empty() && mine != "true" && mine != "false")
      return Response::Error(InvalidArgument("mine is true or false", "mine"));
    XQ_OR_ERROR(SlotList list, svc.ListSlots(ActorOf(req), school, from, to, mine == "true"));
    Json items = Json::array();
    for (const Slot& s : list.slots) items.push_back(SlotJson(s, list.with_bookers));
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", list.slots.size()}});
  });

  router.Add("POST", "/api/v1/counselling/slots", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t school, IdField(r, "school_id", false));
    Json slots_json;
    r.Required("slots", &slots_json);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    if (!slots_json.is_array()) return Response::Error(InvalidArgument("slots is an array", "slots"));
    std::vector<SlotInput> in;
    for (const Json& j : slots_json) {
      if (!j.is_object()) return Response::Error(InvalidArgument("a slot is an object", "slots"));
      JsonReader sr(j, "slots.");
      Json starts, ends;
      SlotInput s;
      sr.Required("room", &s.room);
      sr.Required("starts_at", &starts);
      sr.Required("ends_at", &ends);
      if (auto st = sr.Finish(); !st.ok()) return Response::Error(st);
      XQ_OR_ERROR(s.starts_at, TimeField(starts, "starts_at"));
      XQ_OR_ERROR(s.ends_at, TimeField(ends, "ends_at"));
      in.push_back(std::move(s));
    }
    XQ_OR_ERROR(std::vector<Slot> out, svc.PublishSlots(ActorOf(req), school, in));
    Json items = Json::array();
    for (const Slot& s : out) items.push_back(SlotJson(s, true));
    return Response::Json({{"items", items}}, 201);
  });

  router.Add("DELETE", "/api/v1/counselling/slots/{id}", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    if (auto st = svc.WithdrawSlot(ActorOf(req), id); !st.ok()) return Response::Error(st);
    return Response::NoContent();
  });

  router.Add("POST", "/api/v1/counselling/bookings", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t slot, IdField(r, "slot_id", true));
    XQ_OR_ERROR(int64_t student, IdField(r, "student_id", false));
    std::optional<std::string> source;
    r.Optional("source", &source);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(Booking b, svc.Book(ActorOf(req), slot, student, source.value_or("")));
    return Response::Json(BookingJson(b), 201);
  });

  router.Add("GET", "/api/v1/counselling/bookings", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t size, QueryInt(req, "page_size", 50));
    if (size < 1 || size > 200) return Response::Error(InvalidArgument("page_size is 1..200", "page_size"));
    // after: "<starts_at micros>.<id>"
    int64_t after_start = 0, after_id = 0;
    if (auto a = req.Query("after"); a && !a->empty()) {
      size_t dot = a->find('.');
      std::optional<int64_t> id = dot == std::string::npos ? std::nullopt : IdFromString(a->substr(dot + 1));
      try {
        if (!id) throw std::invalid_argument("");
        after_start = std::stoll(a->substr(0, dot));
        after_id = *id;
      } catch (...) {
        return Response::Error(InvalidArgument("after is a cursor from next", "after"));
      }
    }
    XQ_OR_ERROR(std::vector<Booking> items,
                svc.MyBookings(ActorOf(req), after_start, after_id, static_cast<int>(size)));
    Json arr = Json::array();
    for (const Booking& b : items) arr.push_back(BookingJson(b));
    Json next = nullptr;
    if (static_cast<int64_t>(items.size()) == size)
      next = std::to_string(items.back().starts_at) + "." + IdToString(items.back().id);
    return Response::Json({{"items", arr}, {"next", next}});
  });

  router.Add("POST", "/api/v1/counselling/bookings/{id}/cancellation", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    if (!req.body.empty()) {
      XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
      if (auto st = JsonReader(body).Finish(); !st.ok()) return Response::Error(st);
    }
    XQ_OR_ERROR(Booking b, svc.Cancel(ActorOf(req), id));
    return Response::Json(BookingJson(b));
  });

  router.Add("POST", "/api/v1/counselling/bookings/{id}/attendance", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    std::string state;
    r.Required("state", &state);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(Booking b, svc.MarkBooking(ActorOf(req), id, state));
    return Response::Json(BookingJson(b));
  });

  router.Add("GET", "/api/v1/counselling/waitlist", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(std::vector<WaitlistEntry> items, svc.MyWaitlist(ActorOf(req)));
    Json arr = Json::array();
    for (const auto& w : items) arr.push_back(WaitJson(w));
    return Response::Json({{"items", arr}, {"next", nullptr}});
  });

  router.Add("POST", "/api/v1/counselling/waitlist", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t slot, IdField(r, "slot_id", true));
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(WaitlistEntry w, svc.JoinWaitlist(ActorOf(req), slot));
    return Response::Json(WaitJson(w), 201);
  });

  router.Add("DELETE", "/api/v1/counselling/waitlist/{id}", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    if (auto st = svc.LeaveWaitlist(ActorOf(req), id); !st.ok()) return Response::Error(st);
    return Response::NoContent();
  });

  router.Add("POST", "/api/v1/counselling/referrals", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t student, IdField(r, "student_id", true));
    std::string reason;
    r.Required("reason", &reason);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(Referral x, svc.Refer(ActorOf(req), student, reason));
    return Response::Json(ReferralJson(x, false), 201);
  });

  router.Add("GET", "/api/v1/counselling/referrals", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t size, QueryInt(req, "page_size", 50));
    if (size < 1 || size > 200) return Response::Error(InvalidArgument("page_size is 1..200", "page_size"));
    XQ_OR_ERROR(int64_t after, QueryIdOr0(req, "after"));
    XQ_OR_ERROR(auto list, svc.ListReferrals(ActorOf(req), after, static_cast<int>(size)));
    int64_t last = list.items.empty() ? 0 : list.items.back().id;
    return Response::Json(Page(
        list.items, static_cast<int>(size), [&](const Referral& x) { return ReferralJson(x, list.full); }, last));
  });

  router.Add("POST", "/api/v1/counselling/referrals/{id}/receipt", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    XQ_OR_ERROR(Referral x, svc.ReceiveReferral(ActorOf(req), id));
    return Response::Json(ReferralJson(x, true));
  });

  router.Add("POST", "/api/v1/counselling/records", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    RecordInput in;
    XQ_OR_ERROR(in.student_id, IdField(r, "student_id", true));
    XQ_OR_ERROR(in.booking_id, IdField(r, "booking_id", false));
    r.Required("risk", &in.risk);
    r.Required("presenting_concern", &in.concern);
    std::optional<std::string> notes, next, held;
    r.Optional("notes", &notes);
    r.Optional("next_steps", &next);
    r.Optional("held_at", &held);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    in.notes = notes.value_or("");
    in.next_steps = next.value_or("");
    if (held && !held->empty()) {
      XQ_OR_ERROR(in.held_at, TimeField(Json(*held), "held_at"));
    }
    XQ_OR_ERROR(SessionRecord rec, svc.RecordSession(ActorOf(req), in));
    return Response::Json(RecordJson(rec, true), 201);
  });

  router.Add("GET", "/api/v1/counselling/records", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t size, QueryInt(req, "page_size", 50));
    if (size < 1 || size > 200) return Response::Error(InvalidArgument("page_size is 1..200", "page_size"));
    XQ_OR_ERROR(int64_t after, QueryIdOr0(req, "after"));
    XQ_OR_ERROR(auto items, svc.ListRecords(ActorOf(req), after, static_cast<int>(size)));
    int64_t last = items.empty() ? 0 : items.back().id;
    return Response::Json(Page(
        items, static_cast<int>(size), [](const SessionRecord& x) { return RecordJson(x, false); }, last));
  });

  router.Add("GET", "/api/v1/counselling/records/{id}", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(RecordView v, svc.GetRecord(ActorOf(req), id));
    Json j = RecordJson(v.record, true);
    Json shares = Json::array();
    for (const Share& s : v.shares) shares.push_back(ShareJson(s));
    j["shares"] = shares;
    return Response::Json(j);
  });

  router.Add("POST", "/api/v1/counselling/records/{id}/shares", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t expert, IdField(r, "expert_account_id", true));
    std::string summary;
    r.Required("summary", &summary);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(Share s, svc.ShareRecord(ActorOf(req), id, expert, summary));
    return Response::Json(ShareJson(s), 201);
  });

  router.Add("GET", "/api/v1/counselling/experts", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_id"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t school, QueryIdOr0(req, "school_id"));
    XQ_OR_ERROR(std::vector<Expert> experts, svc.ExpertDirectory(ActorOf(req), school));
    Json items = Json::array();
    for (const Expert& e : experts)
      items.push_back({{"account_id", IdToString(e.account_id)},
                       {"display_name", e.name},
                       {"unit_id", IdToString(e.unit_id)},
                       {"unit_name", e.unit_name},
                       {"unit_kind", e.unit_kind}});
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", experts.size()}});
  });

  router.Add("GET", "/api/v1/counselling/shares", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"page_size", "after"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t size, QueryInt(req, "page_size", 50));
    if (size < 1 || size > 200) return Response::Error(InvalidArgument("page_size is 1..200", "page_size"));
    XQ_OR_ERROR(int64_t after, QueryIdOr0(req, "after"));
    XQ_OR_ERROR(auto items, svc.SharesForMe(ActorOf(req), after, static_cast<int>(size)));
    int64_t last = items.empty() ? 0 : items.back().id;
    return Response::Json(Page(items, static_cast<int>(size), ShareJson, last));
  });

  router.Add("GET", "/api/v1/counselling/shares/{id}", [&svc](Request& req) {
    XQ_OR_ERROR(int64_t id, PathId(req));
    XQ_OR_ERROR(Share s, svc.GetShare(ActorOf(req), id));
    return Response::Json(ShareJson(s));
  });

  router.Add("GET", "/api/v1/counselling/centre-head", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"school_id"}); !st.ok()) return Response::Error(st);
    XQ_OR_ERROR(int64_t school, QueryIdOr0(req, "school_id"));
    XQ_OR_ERROR(int64_t head, svc.CentreHead(ActorOf(req), school));
    return Response::Json({{"account_id", head ? Json(IdToString(head)) : Json(nullptr)}});
  });

  router.Add("PUT", "/api/v1/counselling/centre-head", [&svc](Request& req) {
    XQ_OR_ERROR(Json body, ParseJsonObject(req.body));
    JsonReader r(body);
    XQ_OR_ERROR(int64_t school, IdField(r, "school_id", true));
    XQ_OR_ERROR(int64_t account, IdField(r, "account_id", true));
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    if (auto st = svc.SetCentreHead(ActorOf(req), school, account); !st.ok()) return Response::Error(st);
    return Response::Json({{"school_id", IdToString(school)}, {"account_id", IdToString(account)}});
  });
}

}  // namespace xq::counselling
