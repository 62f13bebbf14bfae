#include "counselling/counselling_service.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "counselling/events.h"
#include "events/events.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/policy.h"

namespace xq::counselling {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Decide;
using policy::Decision;
using policy::Resource;

constexpr int64_t kMicrosPerMinute = 60'000'000;
constexpr int64_t kMaxSlotMinutes = 240;

std::string ViaRole(const Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : std::string(); }

Resource StudentD5(const StudentRef& s) {
  Resource r;
  r.data_class = DataClass::kClinical;
  r.unit_path = s.unit_path;
  r.student_id = s.id;
  return r;
}

Resource RecordRes(const SealedRecord& rec, bool centre_head) {
  Resource r;
  r.data_class = DataClass::kClinical;
  r.unit_path = rec.unit_path;
  r.student_id = rec.student_id;
  r.author_account_id = rec.author_account_id;
  r.session_notes = true;
  r.centre_head = centre_head;
  return r;
}

absl::Status CheckText(std::string_view text, std::string_view field, bool required) {
  if (required && text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return InvalidArgument(fmt::format("{} is required", field), field);
  if (text.size() > kMaxTextBytes) return InvalidArgument(fmt::format("{} is too long", field), field);
  return absl::OkStatus();
}

std::string RecordAd(int64_t id) { return "counselling_records:" + std::to_string(id); }
std::string ShareAd(int64_t id) { return "counselling_shares:" + std::to_string(id); }

}  // namespace

audit::Event CounsellingService::Entry(const policy::Actor& a, std::string action, std::string object_type,
                                       int64_t object_id, int64_t student_id, int64_t school_id,
                                       std::string detail) const {
  audit::Event e;
  e.actor_id = a.account_id;
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = IdToString(object_id);
  e.student_id = student_id;
  e.school_id = school_id;
  e.detail = std::move(detail);
  return e;
}

absl::Status CounsellingService::Denied(const policy::Actor& a, std::string_view object_type, int64_t object_id,
                                        int64_t student_id, int64_t school_id, std::string_view reason) {
  audit::Event e = Entry(a, "denied", std::string(object_type), object_id, student_id, school_id, std::string(reason));
  e.outcome = "denied";
  return audit::Record(audit_, e);
}

absl::StatusOr<int64_t> CounsellingService::OwnSchool(const policy::Actor& a) {
  if (a.student_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(a.student_id));
    if (s) return s->school_id;
  }
  for (const policy::Grant& g : a.grants) {
    XQ_ASSIGN_OR_RETURN(int64_t school, store_.SchoolOfUnit(g.unit_id));
    if (school != 0) return school;
  }
  return InvalidArgument("school_id is required", "school_id");
}

absl::StatusOr<StudentRef> CounsellingService::Student(int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(id));
  if (!s) return NotFound("no such student");
  return *s;
}

absl::StatusOr<Booking> CounsellingService::Booked(int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto b, store_.GetBooking(id));
  if (!b) return NotFound("no such booking");
  return *b;
}

// --- schedules -------------------------------------------------------------

absl::StatusOr<std::vector<Slot>> CounsellingService::PublishSlots(const policy::Actor& a, int64_t school_id,
                                                                   const std::vector<SlotInput>& in) {
  if (school_id == 0) {
    XQ_ASSIGN_OR_RETURN(school_id, OwnSchool(a));
  }
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school_id));
  if (path.empty()) return NotFound("no such school");
  Resource res{.data_class = DataClass::kClinical, .unit_path = path};
  Decision d = Decide(a, Action::kWrite, res);
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_slot", 0, 0, school_id, d.reason));
    return PermissionDenied("only the psychology centre's staff publish schedules");
  }
  if (in.empty()) return InvalidArgument("slots must not be empty", "slots");
  if (in.size() > kMaxSlotsPerRequest) return InvalidArgument("too many slots in one request", "slots");
  const int64_t now = clock_.NowMicros();
  std::vector<Slot> out;
  for (const SlotInput& s : in) {
    if (s.room.empty() || s.room.size() > 100) return InvalidArgument("room is required (≤ 100 bytes)", "room");
    if (s.starts_at <= now) return InvalidArgument("a slot must start in the future", "starts_at");
    if (s.ends_at <= s.starts_at || s.ends_at - s.starts_at > kMaxSlotMinutes * kMicrosPerMinute)
      return InvalidArgument("a slot ends after it starts, within 4 hours", "ends_at");
    Slot x;
    x.id = NewId();
    x.school_id = school_id;
    x.counsellor_account_id = a.account_id;
    x.room = s.room;
    x.starts_at = s.starts_at;
    x.ends_at = s.ends_at;
    x.state = "open";
    x.created_at = now;
    out.push_back(std::move(x));
  }
  audit::Event e =
      Entry(a, "create", "counselling_slot", out.front().id, 0, school_id, fmt::format("{{\"slots\":{}}}", out.size()));
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(store_.CreateSlots(out, audit::RecordingIn(audit_, e)));
  return out;
}

absl::Status CounsellingService::WithdrawSlot(const policy::Actor& a, int64_t slot_id) {
  XQ_ASSIGN_OR_RETURN(auto slot, store_.GetSlot(slot_id));
  if (!slot) return NotFound("no such slot");
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(slot->school_id));
  Decision d = Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path});
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_slot", slot_id, 0, slot->school_id, d.reason));
    return NotFound("no such slot");
  }
  audit::Event e = Entry(a, "withdraw", "counselling_slot", slot_id, 0, slot->school_id);
  e.actor_role = ViaRole(d);
  XQ_ASSIGN_OR_RETURN(bool changed, store_.WithdrawSlot(slot_id, audit::RecordingIn(audit_, e)));
  if (!changed) return Conflict("the slot is booked or already withdrawn", "slot_id");
  return absl::OkStatus();
}

absl::StatusOr<SlotList> CounsellingService::ListSlots(const policy::Actor& a, int64_t school_id, int64_t from,
                                                       int64_t to, bool mine_only) {
  if (school_id == 0) {
    XQ_ASSIGN_OR_RETURN(school_id, OwnSchool(a));
  }
  if (to <= from) return InvalidArgument("to must be after from", "to");
  if (to - from > int64_t{31} * 24 * 60 * kMicrosPerMinute) return InvalidArgument("at most 31 days", "to");
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school_id));
  if (path.empty()) return NotFound("no such school");
  SlotList out;
  Decision staff = Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path});
  if (staff) {
    out.with_bookers = true;
  } else {
    // A student of the school sees which slots are free (own appointments).
    bool own_school = false;
    if (a.student_id != 0) {
      XQ_ASSIGN_OR_RETURN(StudentRef me, Student(a.student_id));
      own_school = me.school_id == school_id && Decide(a, Action::kWrite, StudentD5(me)).allowed;
    }
    if (!own_school) {
      XQ_RETURN_IF_ERROR(Denied(a, "counselling_slot", 0, 0, school_id, "slots of another school"));
      return PermissionDenied("only the school's students and psychology centre see its schedule");
    }
  }
  XQ_ASSIGN_OR_RETURN(out.slots, store_.ListSlots(school_id, from, to, mine_only ? a.account_id : 0, 1000));
  if (!out.with_bookers) {
    for (Slot& s : out.slots) {
      const bool mine = s.student_id != 0 && s.student_id == a.student_id;
      s.student_name.clear();
      s.student_id = mine ? a.student_id : 0;
      s.booking_id = mine ? s.booking_id : 0;
      if (!mine) s.booking_state.clear();
    }
  }
  return out;
}

// --- booking ----------------------------------------------------------------

absl::StatusOr<Booking> CounsellingService::Book(const policy::Actor& a, int64_t slot_id, int64_t student_id,
                                                 std::string_view source) {
  const bool self = student_id == 0 || student_id == a.student_id;
  if (self && a.student_id == 0) return InvalidArgument("student_id is required", "student_id");
  if (!self && source != "walk_in" && source != "referral")
    return InvalidArgument("source is walk_in or referral", "source");
  // The student and the slot in one read: in a booking rush most requests
  // are for a slot already taken, and this read is all they cost.
  XQ_ASSIGN_OR_RETURN(auto facts, store_.GetBookingFacts(self ? a.student_id : student_id, slot_id));
  if (!facts.student) return NotFound("no such student");
  const StudentRef& st = *facts.student;
  Decision d = Decide(a, Action::kWrite, StudentD5(st));
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_booking", 0, st.id, st.school_id, d.reason));
    return NotFound("no such student");
  }
  const std::optional<Slot>& slot = facts.slot;
  if (!slot || slot->school_id != st.school_id || slot->state != "open") return NotFound("no such slot");
  const int64_t now = clock_.NowMicros();
  if (self && slot->starts_at <= now) return InvalidArgument("the slot has already begun", "slot_id");
  if (slot->taken) return WithCode(Conflict("the slot is already booked", "slot_id"), kSlotTaken);
  Booking b;
  b.id = NewId();
  b.school_id = st.school_id;
  b.slot_id = slot_id;
  b.student_id = st.id;
  b.unit_path = st.unit_path;
  b.source = self ? "self" : std::string(source);
  b.state = "booked";
  b.created_by = a.account_id;
  b.created_at = b.updated_at = now;
  audit::Event e = Entry(a, "create", "counselling_booking", b.id, st.id, st.school_id,
                         fmt::format("{{\"source\":\"{}\"}}", b.source));
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(store_.InsertBooking(b, audit::RecordingIn(audit_, e)));
  // Answered from what was written, as GetBooking would read it back.
  b.room = slot->room;
  b.starts_at = slot->starts_at;
  b.ends_at = slot->ends_at;
  b.student_name = st.name;
  b.counsellor_name = slot->counsellor_name;
  return b;
}

absl::StatusOr<Booking> CounsellingService::Cancel(const policy::Actor& a, int64_t booking_id) {
  XQ_ASSIGN_OR_RETURN(Booking b, Booked(booking_id));
  XQ_ASSIGN_OR_RETURN(StudentRef st, Student(b.student_id));
  Decision d = Decide(a, Action::kWrite, StudentD5(st));
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_booking", booking_id, b.student_id, b.school_id, d.reason));
    return NotFound("no such booking");
  }
  const int64_t now = clock_.NowMicros();
  audit::Event e = Entry(a, "cancel", "counselling_booking", booking_id, b.student_id, b.school_id);
  e.actor_role = ViaRole(d);
  auto record = audit::RecordingIn(audit_, e);
  XQ_ASSIGN_OR_RETURN(bool changed,
                      store_.CancelBooking(
                          booking_id, a.account_id, now, NewId(),
                          [&](soci::session& s, const std::optional<Booking>& promoted) -> absl::Status {
                            XQ_RETURN_IF_ERROR(record(s));
                            if (!promoted) return absl::OkStatus();
                            audit::Event pe =
                                Entry(a, "create", "counselling_booking", promoted->id, promoted->student_id,
                                      promoted->school_id, "{\"source\":\"waitlist\"}");
                            XQ_RETURN_IF_ERROR(audit::RecordingIn(audit_, pe)(s));
                            if (promoted->student_account_id != 0) {
                              notice::Notice n;
                              n.school_id = promoted->school_id;
                              n.account_id = promoted->student_account_id;
                              n.kind = "counselling_waitlist_booked";
                              n.params = {{"room", promoted->room}, {"starts_at", std::to_string(promoted->starts_at)}};
                              notice::PostNotices(s, {n}, now);
                            }
                            return absl::OkStatus();
                          }));
  if (!changed) return Conflict("only a booked appointment can be cancelled", "state");
  return Booked(booking_id);
}

absl::StatusOr<Booking> CounsellingService::MarkBooking(const policy::Actor& a, int64_t booking_id,
                                                        std::string_view state) {
  if (state != "attended" && state != "no_show") return InvalidArgument("state is attended or no_show", "state");
  XQ_ASSIGN_OR_RETURN(Booking b, Booked(booking_id));
  XQ_ASSIGN_OR_RETURN(StudentRef st, Student(b.student_id));
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(b.school_id));
  // The centre's staff only: the school's D5 write, not the student's own.
  Decision d = Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path});
  if (!d || !Decide(a, Action::kWrite, StudentD5(st))) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_booking", booking_id, b.student_id, b.school_id, d.reason));
    return a.student_id == b.student_id ? PermissionDenied("the centre marks attendance") : NotFound("no such booking");
  }
  audit::Event e = Entry(a, std::string(state), "counselling_booking", booking_id, b.student_id, b.school_id);
  e.actor_role = ViaRole(d);
  XQ_ASSIGN_OR_RETURN(bool changed,
                      store_.SetBookingState(booking_id, state, clock_.NowMicros(), audit::RecordingIn(audit_, e)));
  if (!changed) return Conflict("only a booked appointment can be marked", "state");
  return Booked(booking_id);
}

absl::StatusOr<std::vector<Booking>> CounsellingService::MyBookings(const policy::Actor& a, int64_t after_starts_at,
                                                                    int64_t after_id, int limit) {
  if (a.student_id == 0) return PermissionDenied("only students have bookings of their own");
  return store_.ListStudentBookings(a.student_id, after_starts_at, after_id, std::clamp(limit, 1, 200));
}

absl::StatusOr<WaitlistEntry> CounsellingService::JoinWaitlist(const policy::Actor& a, int64_t slot_id) {
  if (a.student_id == 0) return PermissionDenied("only students join a waitlist");
  XQ_ASSIGN_OR_RETURN(StudentRef st, Student(a.student_id));
  Decision d = Decide(a, Action::kWrite, StudentD5(st));
  if (!d) return PermissionDenied("not allowed");
  XQ_ASSIGN_OR_RETURN(auto slot, store_.GetSlot(slot_id));
  if (!slot || slot->school_id != st.school_id || slot->state != "open") return NotFound("no such slot");
  if (slot->starts_at <= clock_.NowMicros()) return InvalidArgument("the slot has already begun", "slot_id");
  if (!slot->taken) return WithCode(Conflict("the slot is free: book it", "slot_id"), "slot_free");
  if (slot->student_id == st.id) return WithCode(Conflict("you hold this slot", "slot_id"), "already_booked");
  WaitlistEntry w;
  w.id = NewId();
  w.school_id = st.school_id;
  w.slot_id = slot_id;
  w.student_id = st.id;
  w.unit_path = st.unit_path;
  w.state = "waiting";
  w.created_at = clock_.NowMicros();
  audit::Event e = Entry(a, "create", "counselling_waitlist", w.id, st.id, st.school_id);
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(store_.InsertWaitlist(w, audit::RecordingIn(audit_, e)));
  return w;
}

absl::Status CounsellingService::LeaveWaitlist(const policy::Actor& a, int64_t entry_id) {
  XQ_ASSIGN_OR_RETURN(auto w, store_.GetWaitlist(entry_id));
  if (!w || a.student_id == 0 || w->student_id != a.student_id) return NotFound("no such waitlist entry");
  audit::Event e = Entry(a, "cancel", "counselling_waitlist", entry_id, w->student_id, w->school_id);
  XQ_ASSIGN_OR_RETURN(bool changed, store_.LeaveWaitlist(entry_id, audit::RecordingIn(audit_, e)));
  if (!changed) return Conflict("no longer waiting", "state");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<WaitlistEntry>> CounsellingService::MyWaitlist(const policy::Actor& a) {
  if (a.student_id == 0) return PermissionDenied("only students have a waitlist of their own");
  return store_.ListStudentWaitlist(a.student_id, 200);
}

// --- referrals ----------------------------------------------------------------

absl::StatusOr<Referral> CounsellingService::Refer(const policy::Actor& a, int64_t student_id,
                                                   std::string_view reason) {
  XQ_RETURN_IF_ERROR(CheckText(reason, "reason", true));
  XQ_ASSIGN_OR_RETURN(StudentRef st, Student(student_id));
  // A teacher refers a student whose roster they read in full (own class,
  // paired student; not a peer reporter's names-only view) and about whom
  // they may write a report (D6).
  Resource roster{.data_class = DataClass::kRoster, .unit_path = st.unit_path, .student_id = st.id};
  Decision r = Decide(a, Action::kRead, roster);
  Resource report{.data_class = DataClass::kReports, .unit_path = st.unit_path, .student_id = st.id};
  Decision d = Decide(a, Action::kWrite, report);
  if (!r || r.view != policy::View::kFull || !d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_referral", 0, st.id, st.school_id, d ? r.reason : d.reason));
    return NotFound("no such student");
  }
  Referral x;
  x.id = NewId();
  x.school_id = st.school_id;
  x.student_id = st.id;
  x.unit_path = st.unit_path;
  x.referred_by = a.account_id;
  x.reason = std::string(reason);
  x.state = "sent";
  x.created_at = clock_.NowMicros();
  audit::Event e = Entry(a, "create", "counselling_referral", x.id, st.id, st.school_id);
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(store_.InsertReferral(x, audit::RecordingIn(audit_, e)));
  XQ_ASSIGN_OR_RETURN(auto out, store_.GetReferral(x.id));
  return out.value_or(x);
}

absl::StatusOr<std::optional<CounsellorDay>> CounsellingService::DayOf(const policy::Actor& a) {
  for (const policy::Grant& g : a.grants) {
    if (g.role != policy::Role::kPsychStaff) continue;
    XQ_ASSIGN_OR_RETURN(int64_t school, store_.SchoolOfUnit(g.unit_id));
    if (school == 0) continue;
    XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school));
    if (!Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path}).allowed) continue;
    const int64_t now = clock_.NowMicros();
    constexpr int64_t kDay = int64_t{24} * 60 * kMicrosPerMinute, kChina = int64_t{8} * 60 * kMicrosPerMinute;
    const int64_t day_start = (now + kChina) / kDay * kDay - kChina;
    CounsellorDay day;
    XQ_ASSIGN_OR_RETURN(auto slots, store_.ListSlots(school, day_start, day_start + kDay, a.account_id, 1000));
    for (const Slot& s : slots) {
      if (!s.taken) continue;
      ++day.bookings_today;
      if (s.starts_at >= now && (day.next_at == 0 || s.starts_at < day.next_at)) day.next_at = s.starts_at;
    }
    XQ_ASSIGN_OR_RETURN(auto referrals, store_.ListSchoolReferrals(school, std::numeric_limits<int64_t>::max(), 200));
    for (const Referral& r : referrals)
      if (r.state == "sent") ++day.referrals_waiting;
    return day;
  }
  return std::nullopt;
}

absl::StatusOr<CounsellingService::ReferralList> CounsellingService::ListReferrals(const policy::Actor& a,
                                                                                   int64_t before, int limit) {
  limit = std::clamp(limit, 1, 200);
  ReferralList out;
  // The centre's staff see their school's referrals.
  for (const policy::Grant& g : a.grants) {
    XQ_ASSIGN_OR_RETURN(int64_t school, store_.SchoolOfUnit(g.unit_id));
    if (school == 0) continue;
    XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school));
    if (Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path}).allowed) {
      XQ_ASSIGN_OR_RETURN(out.items, store_.ListSchoolReferrals(school, before, limit));
      std::erase_if(out.items, [&](const Referral& r) {
        return !Decide(a, Action::kRead,
                       {.data_class = DataClass::kReports, .unit_path = r.unit_path, .student_id = r.student_id})
                    .allowed;
      });
      out.full = true;
      XQ_RETURN_IF_ERROR(audit::Record(audit_, Entry(a, "list", "counselling_referral", 0, 0, school,
                                                     fmt::format("{{\"count\":{}}}", out.items.size()))));
      return out;
    }
  }
  // Anybody else: what they sent, and whether it was received.
  XQ_ASSIGN_OR_RETURN(out.items, store_.ListReferralsBy(a.account_id, before, limit));
  return out;
}

absl::StatusOr<Referral> CounsellingService::ReceiveReferral(const policy::Actor& a, int64_t referral_id) {
  XQ_ASSIGN_OR_RETURN(auto r, store_.GetReferral(referral_id));
  if (!r) return NotFound("no such referral");
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(r->school_id));
  Decision d = Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path});
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_referral", referral_id, r->student_id, r->school_id, d.reason));
    if (r->referred_by == a.account_id) return PermissionDenied("the psychology centre receives referrals");
    return NotFound("no such referral");
  }
  audit::Event e = Entry(a, "receive", "counselling_referral", referral_id, r->student_id, r->school_id);
  e.actor_role = ViaRole(d);
  XQ_ASSIGN_OR_RETURN(bool changed, store_.MarkReferralReceived(referral_id, a.account_id, clock_.NowMicros(),
                                                                audit::RecordingIn(audit_, e)));
  if (!changed) return Conflict("already received", "state");
  XQ_ASSIGN_OR_RETURN(auto out, store_.GetReferral(referral_id));
  return *out;
}

// --- session records ------------------------------------------------------------

absl::StatusOr<SessionRecord> CounsellingService::RecordSession(const policy::Actor& a, const RecordInput& in) {
  if (!IsRiskLevel(in.risk)) return InvalidArgument("risk is none, low, medium, high or imminent", "risk");
  XQ_RETURN_IF_ERROR(CheckText(in.concern, "presenting_concern", true));
  XQ_RETURN_IF_ERROR(CheckText(in.notes, "notes", false));
  XQ_RETURN_IF_ERROR(CheckText(in.next_steps, "next_steps", false));
  const int64_t now = clock_.NowMicros();
  if (in.held_at > now + 60 * kMicrosPerMinute) return InvalidArgument("held_at is in the future", "held_at");
  XQ_ASSIGN_OR_RETURN(StudentRef st, Student(in.student_id));
  Resource res = StudentD5(st);
  res.session_notes = true;
  Decision d = Decide(a, Action::kWrite, res);
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_record", 0, st.id, st.school_id, d.reason));
    return NotFound("no such student");
  }
  if (in.booking_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto b, store_.GetBooking(in.booking_id));
    if (!b || b->student_id != st.id) return InvalidArgument("the booking is not this student's", "booking_id");
  }
  SealedRecord r;
  r.id = NewId();
  r.school_id = st.school_id;
  r.student_id = st.id;
  r.unit_path = st.unit_path;
  r.booking_id = in.booking_id;
  r.author_account_id = a.account_id;
  r.risk = in.risk;
  r.held_at = in.held_at > 0 ? in.held_at : now;
  r.created_at = r.updated_at = now;
  const int64_t case_id = r.risk == "imminent" ? NewId() : 0;
  const std::string ad = RecordAd(r.id);
  XQ_ASSIGN_OR_RETURN(r.concern_sealed, keys_.Seal(in.concern, ad));
  XQ_ASSIGN_OR_RETURN(r.notes_sealed, keys_.Seal(in.notes, ad));
  XQ_ASSIGN_OR_RETURN(r.next_steps_sealed, keys_.Seal(in.next_steps, ad));
  audit::Event e = Entry(a, "create", "counselling_record", r.id, st.id, st.school_id);
  e.actor_role = ViaRole(d);
  auto record = audit::RecordingIn(audit_, e);
  XQ_RETURN_IF_ERROR(store_.InsertRecord(r, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(record(s));
    RiskRecorded ev{.student_id = st.id,
                    .record_id = r.id,
                    .risk = r.risk,
                    .counsellor_account_id = a.account_id,
                    .occurred_at = r.held_at,
                    .crisis_case_id = case_id};
    return events::Publish(s, {.school_id = st.school_id,
                               .kind = std::string(kRiskRecorded),
                               .subject = "student:" + std::to_string(st.id),
                               .payload = EncodeRiskRecorded(ev),
                               .created_at = now})
        .status();
  }));
  SessionRecord out;
  out.id = r.id;
  out.school_id = r.school_id;
  out.student_id = r.student_id;
  out.student_name = st.name;
  out.booking_id = r.booking_id;
  out.author_account_id = r.author_account_id;
  out.risk = r.risk;
  out.concern = in.concern;
  out.notes = in.notes;
  out.next_steps = in.next_steps;
  out.held_at = r.held_at;
  out.created_at = r.created_at;
  out.crisis_case_id = case_id;
  return out;
}

absl::StatusOr<RecordView> CounsellingService::GetRecord(const policy::Actor& a, int64_t record_id) {
  XQ_ASSIGN_OR_RETURN(auto rec, store_.GetRecord(record_id));
  if (!rec) return NotFound("no such record");
  XQ_ASSIGN_OR_RETURN(int64_t head, store_.CentreHead(rec->school_id));
  Decision d = Decide(a, Action::kRead, RecordRes(*rec, head != 0 && head == a.account_id));
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_record", record_id, rec->student_id, rec->school_id, d.reason));
    return NotFound("no such record");
  }
  const std::string ad = RecordAd(rec->id);
  RecordView v;
  SessionRecord& out = v.record;
  XQ_ASSIGN_OR_RETURN(out.concern, keys_.Open(rec->concern_sealed, ad));
  XQ_ASSIGN_OR_RETURN(out.notes, keys_.Open(rec->notes_sealed, ad));
  XQ_ASSIGN_OR_RETURN(out.next_steps, keys_.Open(rec->next_steps_sealed, ad));
  out.id = rec->id;
  out.school_id = rec->school_id;
  out.student_id = rec->student_id;
  out.student_name = rec->student_name;
  out.booking_id = rec->booking_id;
  out.author_account_id = rec->author_account_id;
  out.author_name = rec->author_name;
  out.risk = rec->risk;
  out.held_at = rec->held_at;
  out.created_at = rec->created_at;
  XQ_ASSIGN_OR_RETURN(auto shares, store_.ListSharesOfRecord(rec->id));
  for (const SealedShare& s : shares) {
    Share x{.id = s.id,
            .record_id = s.record_id,
            .expert_account_id = s.expert_account_id,
            .expert_name = s.expert_name,
            .shared_by_name = s.shared_by_name,
            .created_at = s.created_at};
    XQ_ASSIGN_OR_RETURN(x.summary, keys_.Open(s.summary_sealed, ShareAd(s.id)));
    v.shares.push_back(std::move(x));
  }
  audit::Event e = Entry(a, "read", "counselling_record", rec->id, rec->student_id, rec->school_id);
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return v;
}

absl::StatusOr<std::vector<SessionRecord>> CounsellingService::ListRecords(const policy::Actor& a, int64_t before,
                                                                           int limit) {
  limit = std::clamp(limit, 1, 200);
  XQ_ASSIGN_OR_RETURN(int64_t school, OwnSchool(a));
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school));
  Decision staff = Decide(a, Action::kWrite, {.data_class = DataClass::kClinical, .unit_path = path});
  if (!staff) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_record", 0, 0, school, staff.reason));
    return PermissionDenied("only the psychology centre's staff keep session records");
  }
  XQ_ASSIGN_OR_RETURN(int64_t head, store_.CentreHead(school));
  const bool is_head = head != 0 && head == a.account_id;
  XQ_ASSIGN_OR_RETURN(auto rows, store_.ListRecords(school, is_head ? 0 : a.account_id, before, limit));
  std::vector<SessionRecord> out;
  for (const SealedRecord& r : rows) {
    if (!Decide(a, Action::kRead, RecordRes(r, is_head))) continue;
    SessionRecord x;
    x.id = r.id;
    x.school_id = r.school_id;
    x.student_id = r.student_id;
    x.student_name = r.student_name;
    x.booking_id = r.booking_id;
    x.author_account_id = r.author_account_id;
    x.author_name = r.author_name;
    x.risk = r.risk;
    x.held_at = r.held_at;
    x.created_at = r.created_at;
    out.push_back(std::move(x));
  }
  XQ_RETURN_IF_ERROR(audit::Record(
      audit_, Entry(a, "list", "counselling_record", 0, 0, school, fmt::format("{{\"count\":{}}}", out.size()))));
  return out;
}

// --- supervision ------------------------------------------------------------------

absl::StatusOr<std::vector<Expert>> CounsellingService::ExpertDirectory(const policy::Actor& a, int64_t school_id) {
  if (school_id == 0) {
    for (const policy::Grant& g : a.grants) {
      if (g.role != policy::Role::kPsychStaff) continue;
      XQ_ASSIGN_OR_RETURN(school_id, store_.SchoolOfUnit(g.unit_id));
      if (school_id != 0) break;
    }
  }
  if (school_id == 0) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_expert_directory", 0, 0, 0, "no psychology staff role at a school"));
    return PermissionDenied("only the psychology centre's staff share records for supervision");
  }
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school_id));
  if (path.empty()) return NotFound("no such school");
  Decision d = policy::DecideExpertDirectory(a, path);
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_expert_directory", 0, 0, school_id, d.reason));
    return PermissionDenied("only the psychology centre's staff share records for supervision");
  }
  return store_.ExpertsAbove(path);
}

absl::StatusOr<Share> CounsellingService::ShareRecord(const policy::Actor& a, int64_t record_id,
                                                      int64_t expert_account_id, std::string_view summary) {
  XQ_RETURN_IF_ERROR(CheckText(summary, "summary", true));
  XQ_ASSIGN_OR_RETURN(auto rec, store_.GetRecord(record_id));
  if (!rec) return NotFound("no such record");
  XQ_ASSIGN_OR_RETURN(int64_t head, store_.CentreHead(rec->school_id));
  Decision d = Decide(a, Action::kRead, RecordRes(*rec, head != 0 && head == a.account_id));
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_record", record_id, rec->student_id, rec->school_id, d.reason));
    return NotFound("no such record");
  }
  if (rec->author_account_id != a.account_id) {
    XQ_RETURN_IF_ERROR(
        Denied(a, "counselling_share", record_id, rec->student_id, rec->school_id, "only the author shares a record"));
    return PermissionDenied("only the record's author shares it for supervision");
  }
  XQ_ASSIGN_OR_RETURN(std::string school_path, store_.SchoolPath(rec->school_id));
  XQ_ASSIGN_OR_RETURN(std::vector<Expert> experts, store_.ExpertsAbove(school_path));
  const bool listed =
      std::any_of(experts.begin(), experts.end(), [&](const Expert& x) { return x.account_id == expert_account_id; });
  if (!listed || expert_account_id == a.account_id)
    return InvalidArgument("pick an expert assigned to the school's district or city", "expert_account_id");
  SealedShare s;
  s.id = NewId();
  s.school_id = rec->school_id;
  s.record_id = rec->id;
  s.student_id = rec->student_id;
  s.expert_account_id = expert_account_id;
  s.shared_by = a.account_id;
  s.created_at = clock_.NowMicros();
  XQ_ASSIGN_OR_RETURN(s.summary_sealed, keys_.Seal(summary, ShareAd(s.id)));
  audit::Event e = Entry(a, "share", "counselling_record", rec->id, rec->student_id, rec->school_id,
                         fmt::format("{{\"share_id\":\"{}\",\"expert_account_id\":\"{}\"}}", s.id, expert_account_id));
  e.actor_role = ViaRole(d);
  auto record = audit::RecordingIn(audit_, e);
  XQ_RETURN_IF_ERROR(store_.InsertShare(s, [&](soci::session& ss) -> absl::Status {
    XQ_RETURN_IF_ERROR(record(ss));
    notice::Notice n;
    n.school_id = 0;
    n.account_id = expert_account_id;
    n.kind = "counselling_share";
    n.actor_id = a.account_id;
    notice::PostNotices(ss, {n}, s.created_at);
    return absl::OkStatus();
  }));
  XQ_ASSIGN_OR_RETURN(std::string expert_name, store_.AccountName(expert_account_id));
  return Share{.id = s.id,
               .record_id = s.record_id,
               .expert_account_id = expert_account_id,
               .expert_name = expert_name,
               .summary = std::string(summary),
               .created_at = s.created_at};
}

absl::StatusOr<std::vector<Share>> CounsellingService::SharesForMe(const policy::Actor& a, int64_t before, int limit) {
  XQ_ASSIGN_OR_RETURN(auto rows, store_.ListSharesForExpert(a.account_id, before, std::clamp(limit, 1, 200)));
  std::vector<Share> out;
  for (const SealedShare& s : rows) {
    Resource res{
        .data_class = DataClass::kClinical, .unit_path = s.unit_path, .student_id = s.student_id, .consulted = true};
    Decision d = Decide(a, Action::kRead, res);
    if (!d) continue;
    Share x{.id = s.id,
            .record_id = s.record_id,
            .expert_account_id = s.expert_account_id,
            .expert_name = s.expert_name,
            .shared_by_name = s.shared_by_name,
            .created_at = s.created_at};
    XQ_ASSIGN_OR_RETURN(x.summary, keys_.Open(s.summary_sealed, ShareAd(s.id)));
    audit::Event e = Entry(a, "read", "counselling_share", s.id, s.student_id, s.school_id);
    e.actor_role = ViaRole(d);
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    out.push_back(std::move(x));
  }
  return out;
}

absl::StatusOr<Share> CounsellingService::GetShare(const policy::Actor& a, int64_t share_id) {
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetShare(share_id));
  if (!s) return NotFound("no such share");
  Resource res{.data_class = DataClass::kClinical,
               .unit_path = s->unit_path,
               .student_id = s->student_id,
               .consulted = s->expert_account_id == a.account_id};
  Decision d = Decide(a, Action::kRead, res);
  // Only the expert it was shared with (its author reads it with the record).
  if (!d || s->expert_account_id != a.account_id) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_share", share_id, s->student_id, s->school_id,
                              d ? "shared with another account" : d.reason));
    return NotFound("no such share");
  }
  Share x{.id = s->id,
          .record_id = s->record_id,
          .expert_account_id = s->expert_account_id,
          .expert_name = s->expert_name,
          .shared_by_name = s->shared_by_name,
          .created_at = s->created_at};
  XQ_ASSIGN_OR_RETURN(x.summary, keys_.Open(s->summary_sealed, ShareAd(s->id)));
  audit::Event e = Entry(a, "read", "counselling_share", s->id, s->student_id, s->school_id);
  e.actor_role = ViaRole(d);
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return x;
}

// --- the head of the centre --------------------------------------------------------

absl::Status CounsellingService::SetCentreHead(const policy::Actor& a, int64_t school_id, int64_t account_id) {
  XQ_ASSIGN_OR_RETURN(std::string path, store_.SchoolPath(school_id));
  if (path.empty()) return NotFound("no such school");
  Decision d = Decide(a, Action::kWrite, {.data_class = DataClass::kAccounts, .unit_path = path});
  if (!d) {
    XQ_RETURN_IF_ERROR(Denied(a, "counselling_centre_head", school_id, 0, school_id, d.reason));
    return PermissionDenied("the school's account administrators name the head of the centre");
  }
  XQ_ASSIGN_OR_RETURN(bool psych, store_.HoldsRole(account_id, "psych_staff"));
  if (!psych) return InvalidArgument("the head of the centre holds the psych_staff role", "account_id");
  audit::Event e = Entry(a, "set", "counselling_centre_head", school_id, 0, school_id,
                         fmt::format("{{\"account_id\":\"{}\"}}", account_id));
  e.actor_role = ViaRole(d);
  return store_.SetCentreHead(school_id, account_id, a.account_id, clock_.NowMicros(), audit::RecordingIn(audit_, e));
}

absl::StatusOr<int64_t> CounsellingService::CentreHead(const policy::Actor& a, int64_t school_id) {
  if (school_id == 0) {
    XQ_ASSIGN_OR_RETURN(school_id, OwnSchool(a));
  }
  return store_.CentreHead(school_id);
}

}  // namespace xq::counselling
