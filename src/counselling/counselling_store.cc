#include "counselling/counselling_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "soci/soci.h"

namespace xq::counselling {
namespace {

using db::GetInt;
using db::GetStr;
using db::IsNull;

constexpr const char* kSlotSelect =
    "SELECT sl.id, sl.school_id, sl.counsellor_account_id, sl.room, sl.starts_at, sl.ends_at, sl.state, "
    "a.display_name AS counsellor_name, b.id AS booking_id, b.student_id, b.state AS booking_state, "
    "st.name AS student_name, "
    "(SELECT COUNT(*) FROM counselling_waitlist w WHERE w.slot_id = sl.id AND w.state = 'waiting') AS waiting "
    "FROM counselling_slots sl LEFT JOIN accounts a ON a.id = sl.counsellor_account_id "
    "LEFT JOIN counselling_bookings b ON b.slot_id = sl.id AND b.state <> 'cancelled' "
    "LEFT JOIN students st ON st.id = b.student_id ";

// The slot's own times and state and its live booking: id, school_id,
// starts_at, ends_at, state, booking_id and the booking's student_id.
Slot SlotTimesOf(const soci::row& r) {
  Slot s;
  s.id = GetInt(r, "id");
  s.school_id = GetInt(r, "school_id");
  s.starts_at = GetInt(r, "starts_at");
  s.ends_at = GetInt(r, "ends_at");
  s.state = GetStr(r, "state");
  s.booking_id = GetInt(r, "booking_id");
  s.taken = s.booking_id != 0;
  s.student_id = GetInt(r, "student_id");
  return s;
}

Slot SlotOf(const soci::row& r) {
  Slot s = SlotTimesOf(r);
  s.counsellor_account_id = GetInt(r, "counsellor_account_id");
  s.room = GetStr(r, "room");
  s.counsellor_name = GetStr(r, "counsellor_name");
  s.booking_state = GetStr(r, "booking_state");
  s.student_name = GetStr(r, "student_name");
  s.waiting = GetInt(r, "waiting");
  return s;
}

constexpr const char* kBookingSelect =
    "SELECT b.id, b.school_id, b.slot_id, b.student_id, b.unit_path, b.source, b.state, b.created_by, "
    "b.created_at, b.updated_at, sl.room, sl.starts_at, sl.ends_at, st.name AS student_name, "
    "a.display_name AS counsellor_name FROM counselling_bookings b "
    "JOIN counselling_slots sl ON sl.id = b.slot_id LEFT JOIN students st ON st.id = b.student_id "
    "LEFT JOIN accounts a ON a.id = sl.counsellor_account_id ";

Booking BookingOf(const soci::row& r) {
  Booking b;
  b.id = GetInt(r, "id");
  b.school_id = GetInt(r, "school_id");
  b.slot_id = GetInt(r, "slot_id");
  b.student_id = GetInt(r, "student_id");
  b.unit_path = GetStr(r, "unit_path");
  b.source = GetStr(r, "source");
  b.state = GetStr(r, "state");
  b.created_by = GetInt(r, "created_by");
  b.created_at = GetInt(r, "created_at");
  b.updated_at = GetInt(r, "updated_at");
  b.room = GetStr(r, "room");
  b.starts_at = GetInt(r, "starts_at");
  b.ends_at = GetInt(r, "ends_at");
  b.student_name = GetStr(r, "student_name");
  b.counsellor_name = GetStr(r, "counsellor_name");
  return b;
}

constexpr const char* kWaitSelect =
    "SELECT id, school_id, slot_id, student_id, unit_path, state, created_at FROM counselling_waitlist ";

WaitlistEntry WaitOf(const soci::row& r) {
  WaitlistEntry w;
  w.id = GetInt(r, "id");
  w.school_id = GetInt(r, "school_id");
  w.slot_id = GetInt(r, "slot_id");
  w.student_id = GetInt(r, "student_id");
  w.unit_path = GetStr(r, "unit_path");
  w.state = GetStr(r, "state");
  w.created_at = GetInt(r, "created_at");
  return w;
}

constexpr const char* kReferralSelect =
    "SELECT r.id, r.school_id, r.student_id, r.unit_path, r.referred_by, r.reason, r.state, r.received_at, "
    "r.created_at, st.name AS student_name, a.display_name AS referred_by_name FROM counselling_referrals r "
    "LEFT JOIN students st ON st.id = r.student_id LEFT JOIN accounts a ON a.id = r.referred_by ";

Referral ReferralOf(const soci::row& r) {
  Referral x;
  x.id = GetInt(r, "id");
  x.school_id = GetInt(r, "school_id");
  x.student_id = GetInt(r, "student_id");
  x.unit_path = GetStr(r, "unit_path");
  x.referred_by = GetInt(r, "referred_by");
  x.reason = GetStr(r, "reason");
  x.state = GetStr(r, "state");
  x.received_at = GetInt(r, "received_at");
  x.created_at = GetInt(r, "created_at");
  x.student_name = GetStr(r, "student_name");
  x.referred_by_name = GetStr(r, "referred_by_name");
  return x;
}

constexpr const char* kRecordSelect =
    "SELECT r.id, r.school_id, r.student_id, r.unit_path, r.booking_id, r.author_account_id, r.risk, "
    "r.concern_sealed, r.notes_sealed, r.next_steps_sealed, r.held_at, r.created_at, r.updated_at, "
    "st.name AS student_name, a.display_name AS author_name FROM counselling_records r "
    "LEFT JOIN students st ON st.id = r.student_id LEFT JOIN accounts a ON a.id = r.author_account_id ";

SealedRecord RecordOf(const soci::row& r) {
  SealedRecord x;
  x.id = GetInt(r, "id");
  x.school_id = GetInt(r, "school_id");
  x.student_id = GetInt(r, "student_id");
  x.unit_path = GetStr(r, "unit_path");
  x.booking_id = GetInt(r, "booking_id");
  x.author_account_id = GetInt(r, "author_account_id");
  x.risk = GetStr(r, "risk");
  x.concern_sealed = GetStr(r, "concern_sealed");
  x.notes_sealed = GetStr(r, "notes_sealed");
  x.next_steps_sealed = GetStr(r, "next_steps_sealed");
  x.held_at = GetInt(r, "held_at");
  x.created_at = GetInt(r, "created_at");
  x.updated_at = GetInt(r, "updated_at");
  x.student_name = GetStr(r, "student_name");
  x.author_name = GetStr(r, "author_name");
  return x;
}

constexpr const char* kShareSelect =
    "SELECT sh.id, sh.school_id, sh.record_id, sh.student_id, sh.expert_account_id, sh.summary_sealed, "
    "sh.shared_by, sh.created_at, r.unit_path, e.display_name AS expert_name, "
    "b.display_name AS shared_by_name FROM counselling_shares sh "
    "JOIN counselling_records r ON r.id = sh.record_id LEFT JOIN accounts e ON e.id = sh.expert_account_id "
    "LEFT JOIN accounts b ON b.id = sh.shared_by ";

SealedShare ShareOf(const soci::row& r) {
  SealedShare x;
  x.id = GetInt(r, "id");
  x.school_id = GetInt(r, "school_id");
  x.record_id = GetInt(r, "record_id");
  x.student_id = GetInt(r, "student_id");
  x.unit_path = GetStr(r, "unit_path");
  x.expert_account_id = GetInt(r, "expert_account_id");
  x.expert_name = GetStr(r, "expert_name");
  x.summary_sealed = GetStr(r, "summary_sealed");
  x.shared_by = GetInt(r, "shared_by");
  x.shared_by_name = GetStr(r, "shared_by_name");
  x.created_at = GetInt(r, "created_at");
  return x;
}

long long Before(int64_t before) { return before > 0 ? before : std::numeric_limits<long long>::max(); }

class SociStore final : public CounsellingStore {
 public:
  explicit SociStore(db::Database& db) : db_(db) {}

  template <typename T, typename F>
  absl::StatusOr<std::optional<T>> One(const std::string& sql, long long id, F of) {
    std::optional<T> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(id));
      for (const auto& r : rows) out = of(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<StudentRef>> GetStudent(int64_t student_id) override {
    return One<StudentRef>(
        "SELECT id, school_id, unit_path, name FROM students WHERE id = :id", student_id, [](const soci::row& r) {
          return StudentRef{GetInt(r, "id"), GetInt(r, "school_id"), GetStr(r, "unit_path"), GetStr(r, "name")};
        });
  }

  absl::StatusOr<std::string> SchoolPath(int64_t school_id) override {
    XQ_ASSIGN_OR_RETURN(auto p, One<std::string>("SELECT path FROM org_units WHERE id = :id", school_id,
                                                 [](const soci::row& r) { return GetStr(r, "path"); }));
    return p.value_or("");
  }

  absl::StatusOr<int64_t> SchoolOfUnit(int64_t unit_id) override {
    XQ_ASSIGN_OR_RETURN(auto n, One<int64_t>("SELECT school_id FROM org_units WHERE id = :id", unit_id,
                                             [](const soci::row& r) { return GetInt(r, "school_id"); }));
    return n.value_or(0);
  }

  absl::StatusOr<bool> HoldsRole(int64_t account_id, std::string_view role) override {
    long long n = 0, acc = account_id;
    std::string ro(role);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      s << "SELECT COUNT(*) FROM role_assignments ra JOIN accounts a ON a.id = ra.account_id "
           "WHERE ra.account_id = :a AND ra.role = :r AND a.disabled = 0",
          soci::use(acc), soci::use(ro), soci::into(n);
      return absl::OkStatus();
    }));
    return n > 0;
  }

  absl::StatusOr<std::vector<Expert>> ExpertsAbove(std::string_view school_path) override {
    std::vector<Expert> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string p(school_path);
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT a.id, a.display_name, u.id AS unit_id, u.name AS unit_name, u.kind AS unit_kind "
                        "FROM role_assignments ra JOIN accounts a ON a.id = ra.account_id "
                        "JOIN org_units u ON u.id = ra.org_unit_id "
                        "WHERE ra.role = 'expert' AND a.disabled = 0 AND substr(:p, 1, length(u.path)) = u.path "
                        "ORDER BY length(u.path) DESC, a.display_name, a.id",
           soci::use(p));
      for (const auto& r : rows) {
        Expert e;
        e.account_id = GetInt(r, "id");
        e.name = GetStr(r, "display_name");
        e.unit_id = GetInt(r, "unit_id");
        e.unit_name = GetStr(r, "unit_name");
        e.unit_kind = GetStr(r, "unit_kind");
        // One line per expert (the nearest assignment).
        if (std::none_of(out.begin(), out.end(), [&](const Expert& x) { return x.account_id == e.account_id; }))
          out.push_back(std::move(e));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::string> AccountName(int64_t account_id) override {
    XQ_ASSIGN_OR_RETURN(auto n, One<std::string>("SELECT display_name FROM accounts WHERE id = :id", account_id,
                                                 [](const soci::row& r) { return GetStr(r, "display_name"); }));
    return n.value_or("");
  }

  absl::StatusOr<int64_t> StudentAccount(int64_t student_id) override {
    XQ_ASSIGN_OR_RETURN(auto n, One<int64_t>("SELECT id FROM accounts WHERE person_type = 'student' AND "
                                             "person_id = :id AND disabled = 0 ORDER BY id LIMIT 1",
                                             student_id, [](const soci::row& r) { return GetInt(r, "id"); }));
    return n.value_or(0);
  }

  absl::StatusOr<int64_t> CentreHead(int64_t school_id) override {
    XQ_ASSIGN_OR_RETURN(auto n, One<int64_t>("SELECT account_id FROM counselling_centre_heads WHERE school_id = :id",
                                             school_id, [](const soci::row& r) { return GetInt(r, "account_id"); }));
    return n.value_or(0);
  }

  absl::Status SetCentreHead(int64_t school_id, int64_t account_id, int64_t by, int64_t now,
                             const Also& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long sc = school_id, acc = account_id, b = by, at = now;
      s << "DELETE FROM counselling_centre_heads WHERE school_id = :s", soci::use(sc);
      s << "INSERT INTO counselling_centre_heads (school_id, account_id, set_by, set_at) VALUES (:a, :b, :c, :d)",
          soci::use(sc), soci::use(acc), soci::use(b), soci::use(at);
      return also(s);
    });
  }

  absl::Status CreateSlots(const std::vector<Slot>& slots, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) {
      for (const Slot& x : slots) {
        long long id = x.id, sc = x.school_id, c = x.counsellor_account_id, st = x.starts_at, en = x.ends_at,
                  at = x.created_at;
        std::string room = x.room;
        s << "INSERT INTO counselling_slots (id, school_id, counsellor_account_id, room, starts_at, ends_at, "
             "state, created_at) VALUES (:a, :b, :c, :d, :e, :f, 'open', :g)",
            soci::use(id), soci::use(sc), soci::use(c), soci::use(room), soci::use(st), soci::use(en), soci::use(at);
      }
      return also(s);
    });
  }

  absl::StatusOr<std::optional<Slot>> GetSlot(int64_t slot_id) override {
    return One<Slot>(std::string(kSlotSelect) + "WHERE sl.id = :id", slot_id, SlotOf);
  }

  absl::StatusOr<BookingFacts> GetBookingFacts(int64_t student_id, int64_t slot_id) override {
    BookingFacts out;
    // Prepared once per connection (Database::Query): on PostgreSQL one
    // round trip, where a statement prepared per call took three (prepare,
    // execute, deallocate), for each of a booking rush's requests. The slot
    // columns are named as the other slot queries name them (SlotTimesOf).
    XQ_RETURN_IF_ERROR(db_.Query(
        "SELECT st.id AS st_id, st.school_id AS st_school_id, st.unit_path, st.name, sl.id, sl.school_id, "
        "sl.starts_at, sl.ends_at, sl.state, sl.room, a.display_name AS counsellor_name, b.id AS booking_id, "
        "b.student_id FROM students st LEFT JOIN counselling_slots sl ON sl.id = :sl "
        "LEFT JOIN accounts a ON a.id = sl.counsellor_account_id "
        "LEFT JOIN counselling_bookings b ON b.slot_id = sl.id AND b.state <> 'cancelled' "
        "WHERE st.id = :st",
        {static_cast<long long>(slot_id), static_cast<long long>(student_id)}, [&](const soci::row& r) {
          out.student =
              StudentRef{GetInt(r, "st_id"), GetInt(r, "st_school_id"), GetStr(r, "unit_path"), GetStr(r, "name")};
          if (IsNull(r, "id")) return;
          Slot sl = SlotTimesOf(r);
          sl.room = GetStr(r, "room");
          sl.counsellor_name = GetStr(r, "counsellor_name");
          out.slot = std::move(sl);
        }));
    return out;
  }

  absl::StatusOr<bool> WithdrawSlot(int64_t slot_id, const Also& also) override {
    bool changed = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long id = slot_id;
      soci::statement st = (s.prepare << "UPDATE counselling_slots SET state = 'withdrawn' WHERE id = :id AND "
                                         "state = 'open' AND NOT EXISTS (SELECT 1 FROM counselling_bookings b "
                                         "WHERE b.slot_id = counselling_slots.id AND b.state <> 'cancelled')",
                            soci::use(id));
      st.execute(true);
      changed = st.get_affected_rows() > 0;
      if (!changed) return absl::OkStatus();
      s << "UPDATE counselling_waitlist SET state = 'cancelled' WHERE slot_id = :id AND state = 'waiting'",
          soci::use(id);
      return also(s);
    }));
    return changed;
  }

  absl::StatusOr<std::vector<Slot>> ListSlots(int64_t school_id, int64_t from, int64_t to, int64_t counsellor,
                                              int limit) override {
    std::vector<Slot> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long sc = school_id, f = from, t = to, c = counsellor, c2 = counsellor;
      std::string sql = std::string(kSlotSelect) +
                        "WHERE sl.school_id = :s AND sl.starts_at >= :f AND sl.starts_at < :t AND "
                        "(:c = 0 OR sl.counsellor_account_id = :c2) AND sl.state = 'open' " +
                        fmt::format("ORDER BY sl.starts_at, sl.id LIMIT {}", limit);
      soci::rowset<soci::row> rows =
          (s.prepare << sql, soci::use(sc), soci::use(f), soci::use(t), soci::use(c), soci::use(c2));
      for (const auto& r : rows) out.push_back(SlotOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  static void Insert(soci::session& s, const Booking& b) {
    long long id = b.id, sc = b.school_id, sl = b.slot_id, st = b.student_id, by = b.created_by, at = b.created_at;
    std::string path = b.unit_path, source = b.source, state = b.state;
    s << "INSERT INTO counselling_bookings (id, school_id, slot_id, student_id, unit_path, source, state, "
         "created_by, created_at, updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j)",
        soci::use(id), soci::use(sc), soci::use(sl), soci::use(st), soci::use(path), soci::use(source),
        soci::use(state), soci::use(by), soci::use(at), soci::use(at);
  }

  absl::Status InsertBooking(const Booking& b, const Also& also) override {
    absl::Status st = db_.InTransaction([&](soci::session& s) {
      Insert(s, b);
      return also(s);
    });
    if (st.ok()) return st;
    // Only a unique violation of the one-per-slot index is a lost race.
    std::string msg(st.message());
    if (msg.find("already exists") != std::string::npos) {
      return WithCode(Conflict("the slot is already booked", "slot_id"), kSlotTaken);
    }
    return st;
  }

  absl::StatusOr<std::optional<Booking>> GetBooking(int64_t booking_id) override {
    return One<Booking>(std::string(kBookingSelect) + "WHERE b.id = :id", booking_id, BookingOf);
  }

  absl::StatusOr<bool> CancelBooking(int64_t booking_id, int64_t by, int64_t now, int64_t promoted_id,
                                     const AfterCancel& also) override {
    bool changed = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = booking_id, at = now;
      soci::statement st = (s.prepare << "UPDATE counselling_bookings SET state = 'cancelled', updated_at = :a "
                                         "WHERE id = :b AND state = 'booked'",
                            soci::use(at), soci::use(id));
      st.execute(true);
      changed = st.get_affected_rows() > 0;
      if (!changed) return absl::OkStatus();
      long long slot_id = 0;
      s << "SELECT slot_id FROM counselling_bookings WHERE id = :id", soci::use(id), soci::into(slot_id);
      std::optional<WaitlistEntry> first;
      {
        soci::rowset<soci::row> rows =
            (s.prepare << std::string(kWaitSelect) +
                              "WHERE slot_id = :s AND state = 'waiting' ORDER BY created_at, id LIMIT 1",
             soci::use(slot_id));
        for (const auto& r : rows) first = WaitOf(r);
      }
      std::optional<Booking> promoted;
      if (first) {
        long long wid = first->id;
        s << "UPDATE counselling_waitlist SET state = 'promoted' WHERE id = :id", soci::use(wid);
        Booking b;
        b.id = promoted_id;
        b.school_id = first->school_id;
        b.slot_id = first->slot_id;
        b.student_id = first->student_id;
        b.unit_path = first->unit_path;
        b.source = "waitlist";
        b.state = "booked";
        b.created_by = by;
        b.created_at = b.updated_at = now;
        Insert(s, b);
        long long acc = 0, stu = b.student_id;
        soci::indicator ia = soci::i_null;
        s << "SELECT MIN(id) FROM accounts WHERE person_type = 'student' AND person_id = :p AND disabled = 0",
            soci::use(stu), soci::into(acc, ia);
        b.student_account_id = ia == soci::i_ok ? acc : 0;
        long long starts = 0;
        std::string room;
        s << "SELECT starts_at, room FROM counselling_slots WHERE id = :id", soci::use(slot_id), soci::into(starts),
            soci::into(room);
        b.starts_at = starts;
        b.room = room;
        promoted = b;
      }
      return also(s, promoted);
    }));
    return changed;
  }

  absl::StatusOr<bool> SetBookingState(int64_t booking_id, std::string_view state, int64_t now,
                                       const Also& also) override {
    bool changed = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long id = booking_id, at = now;
      std::string stt(state);
      soci::statement st = (s.prepare << "UPDATE counselling_bookings SET state = :s, updated_at = :a "
                                         "WHERE id = :b AND state = 'booked'",
                            soci::use(stt), soci::use(at), soci::use(id));
      st.execute(true);
      changed = st.get_affected_rows() > 0;
      return changed ? also(s) : absl::OkStatus();
    }));
    return changed;
  }

  absl::StatusOr<std::vector<Booking>> ListStudentBookings(int64_t student_id, int64_t after_starts_at,
                                                           int64_t after_id, int limit) override {
    std::vector<Booking> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long st = student_id, a1 = after_starts_at, a2 = after_starts_at, id = after_id;
      bool first = after_id == 0;
      std::string sql = std::string(kBookingSelect) + "WHERE b.student_id = :s " +
                        (first ? "" : "AND (sl.starts_at < :a1 OR (sl.starts_at = :a2 AND b.id < :id)) ") +
                        fmt::format("ORDER BY sl.starts_at DESC, b.id DESC LIMIT {}", limit);
      if (first) {
        soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st));
        for (const auto& r : rows) out.push_back(BookingOf(r));
      } else {
        soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st), soci::use(a1), soci::use(a2), soci::use(id));
        for (const auto& r : rows) out.push_back(BookingOf(r));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status InsertWaitlist(const WaitlistEntry& e, const Also& also) override {
    absl::Status st = db_.InTransaction([&](soci::session& s) {
      long long id = e.id, sc = e.school_id, sl = e.slot_id, stu = e.student_id, at = e.created_at;
      std::string path = e.unit_path;
      s << "INSERT INTO counselling_waitlist (id, school_id, slot_id, student_id, unit_path, state, created_at) "
           "VALUES (:a, :b, :c, :d, :e, 'waiting', :f)",
          soci::use(id), soci::use(sc), soci::use(sl), soci::use(stu), soci::use(path), soci::use(at);
      return also(s);
    });
    if (!st.ok() && std::string(st.message()).find("already exists") != std::string::npos)
      return WithCode(Conflict("already on the waitlist of this slot", "slot_id"), "already_waiting");
    return st;
  }

  absl::StatusOr<std::vector<WaitlistEntry>> ListStudentWaitlist(int64_t student_id, int limit) override {
    std::vector<WaitlistEntry> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long st = student_id;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kWaitSelect) + "WHERE student_id = :s AND state = 'waiting' " +
                            fmt::format("ORDER BY created_at DESC, id DESC LIMIT {}", limit),
           soci::use(st));
      for (const auto& r : rows) out.push_back(WaitOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<WaitlistEntry>> GetWaitlist(int64_t id) override {
    return One<WaitlistEntry>(std::string(kWaitSelect) + "WHERE id = :id", id, WaitOf);
  }

  absl::StatusOr<bool> LeaveWaitlist(int64_t id, const Also& also) override {
    bool changed = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long wid = id;
      soci::statement st = (s.prepare << "UPDATE counselling_waitlist SET state = 'cancelled' WHERE id = :id AND "
                                         "state = 'waiting'",
                            soci::use(wid));
      st.execute(true);
      changed = st.get_affected_rows() > 0;
      return changed ? also(s) : absl::OkStatus();
    }));
    return changed;
  }

  absl::Status InsertReferral(const Referral& r, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, sc = r.school_id, st = r.student_id, by = r.referred_by, at = r.created_at;
      std::string path = r.unit_path, reason = r.reason;
      s << "INSERT INTO counselling_referrals (id, school_id, student_id, unit_path, referred_by, reason, state, "
           "created_at) VALUES (:a, :b, :c, :d, :e, :f, 'sent', :g)",
          soci::use(id), soci::use(sc), soci::use(st), soci::use(path), soci::use(by), soci::use(reason), soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<Referral>> GetReferral(int64_t id) override {
    return One<Referral>(std::string(kReferralSelect) + "WHERE r.id = :id", id, ReferralOf);
  }

  absl::StatusOr<std::vector<Referral>> ListWhere(const std::string& where, long long key, int64_t before, int limit) {
    std::vector<Referral> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long b = Before(before);
      soci::rowset<soci::row> rows = (s.prepare << std::string(kReferralSelect) + "WHERE " + where + " AND r.id < :b " +
                                                       fmt::format("ORDER BY r.id DESC LIMIT {}", limit),
                                      soci::use(key), soci::use(b));
      for (const auto& r : rows) out.push_back(ReferralOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<Referral>> ListSchoolReferrals(int64_t school_id, int64_t before, int limit) override {
    return ListWhere("r.school_id = :k", school_id, before, limit);
  }
  absl::StatusOr<std::vector<Referral>> ListReferralsBy(int64_t account_id, int64_t before, int limit) override {
    return ListWhere("r.referred_by = :k", account_id, before, limit);
  }

  absl::StatusOr<bool> MarkReferralReceived(int64_t id, int64_t by, int64_t now, const Also& also) override {
    bool changed = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long rid = id, b = by, at = now;
      soci::statement st = (s.prepare << "UPDATE counselling_referrals SET state = 'received', received_by = :a, "
                                         "received_at = :b WHERE id = :c AND state = 'sent'",
                            soci::use(b), soci::use(at), soci::use(rid));
      st.execute(true);
      changed = st.get_affected_rows() > 0;
      return changed ? also(s) : absl::OkStatus();
    }));
    return changed;
  }

  absl::Status InsertRecord(const SealedRecord& r, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, sc = r.school_id, st = r.student_id, bk = r.booking_id, au = r.author_account_id,
                held = r.held_at, at = r.created_at;
      soci::indicator ib = bk ? soci::i_ok : soci::i_null;
      std::string path = r.unit_path, risk = r.risk, c = r.concern_sealed, n = r.notes_sealed, ns = r.next_steps_sealed;
      s << "INSERT INTO counselling_records (id, school_id, student_id, unit_path, booking_id, author_account_id, "
           "risk, concern_sealed, notes_sealed, next_steps_sealed, held_at, created_at, updated_at) "
           "VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, :l, :m)",
          soci::use(id), soci::use(sc), soci::use(st), soci::use(path), soci::use(bk, ib), soci::use(au),
          soci::use(risk), soci::use(c), soci::use(n), soci::use(ns), soci::use(held), soci::use(at), soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<SealedRecord>> GetRecord(int64_t id) override {
    return One<SealedRecord>(std::string(kRecordSelect) + "WHERE r.id = :id", id, RecordOf);
  }

  absl::StatusOr<std::vector<SealedRecord>> ListRecords(int64_t school_id, int64_t author, int64_t before,
                                                        int limit) override {
    std::vector<SealedRecord> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long sc = school_id, a = author, a2 = author, b = Before(before);
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kRecordSelect) +
                            "WHERE r.school_id = :s AND (:a = 0 OR r.author_account_id = :a2) AND r.id < :b " +
                            fmt::format("ORDER BY r.id DESC LIMIT {}", limit),
           soci::use(sc), soci::use(a), soci::use(a2), soci::use(b));
      for (const auto& r : rows) out.push_back(RecordOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status InsertShare(const SealedShare& x, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = x.id, sc = x.school_id, rec = x.record_id, st = x.student_id, ex = x.expert_account_id,
                by = x.shared_by, at = x.created_at;
      std::string sum = x.summary_sealed;
      s << "INSERT INTO counselling_shares (id, school_id, record_id, student_id, expert_account_id, "
           "summary_sealed, shared_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h)",
          soci::use(id), soci::use(sc), soci::use(rec), soci::use(st), soci::use(ex), soci::use(sum), soci::use(by),
          soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<SealedShare>> GetShare(int64_t id) override {
    return One<SealedShare>(std::string(kShareSelect) + "WHERE sh.id = :id", id, ShareOf);
  }

  absl::StatusOr<std::vector<SealedShare>> ListSharesForExpert(int64_t expert, int64_t before, int limit) override {
    std::vector<SealedShare> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long e = expert, b = Before(before);
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kShareSelect) + "WHERE sh.expert_account_id = :e AND sh.id < :b " +
                            fmt::format("ORDER BY sh.id DESC LIMIT {}", limit),
           soci::use(e), soci::use(b));
      for (const auto& r : rows) out.push_back(ShareOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<SealedShare>> ListSharesOfRecord(int64_t record_id) override {
    std::vector<SealedShare> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long r0 = record_id;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kShareSelect) + "WHERE sh.record_id = :r ORDER BY sh.id", soci::use(r0));
      for (const auto& r : rows) out.push_back(ShareOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  db::Database& db_;
};

}  // namespace

bool IsRiskLevel(std::string_view risk) {
  for (std::string_view r : kRiskLevels)
    if (r == risk) return true;
  return false;
}

std::unique_ptr<CounsellingStore> NewSociCounsellingStore(db::Database& db) { return std::make_unique<SociStore>(db); }

}  // namespace xq::counselling
