// Storage of counselling (migration counselling/050): SQL only, no
// decisions. Writes take `also`, run inside the write's transaction after
// the change (its audit entry, events, notices), so both commit or neither.
// Two active bookings of one slot are refused by the database (a partial
// unique index), whatever the timing: the loser gets conflict "slot_taken".
// Thread-safe: every call borrows its own pooled session.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "counselling/model.h"
#include "db/database.h"

namespace xq::counselling {

inline constexpr std::string_view kSlotTaken = "slot_taken";

using Also = std::function<absl::Status(soci::session& s)>;
// Runs in a cancellation's transaction; `promoted` is the booking given to
// the first student of the waitlist, if any.
using AfterCancel = std::function<absl::Status(soci::session& s, const std::optional<Booking>& promoted)>;

class CounsellingStore {
 public:
  virtual ~CounsellingStore() = default;

  virtual absl::StatusOr<std::optional<StudentRef>> GetStudent(int64_t student_id) = 0;
  // The materialised path of a school unit ("" if none).
  virtual absl::StatusOr<std::string> SchoolPath(int64_t school_id) = 0;
  // The school a unit belongs to (0 above schools or unknown).
  virtual absl::StatusOr<int64_t> SchoolOfUnit(int64_t unit_id) = 0;
  // Whether the account holds role (a policy role name) anywhere.
  virtual absl::StatusOr<bool> HoldsRole(int64_t account_id, std::string_view role) = 0;
  virtual absl::StatusOr<std::string> AccountName(int64_t account_id) = 0;
  // Enabled accounts holding the expert role at a unit on the way down to
  // the school (its path), by name.
  virtual absl::StatusOr<std::vector<Expert>> ExpertsAbove(std::string_view school_path) = 0;
  // The account of a student (0 if none), for notices.
  virtual absl::StatusOr<int64_t> StudentAccount(int64_t student_id) = 0;

  virtual absl::StatusOr<int64_t> CentreHead(int64_t school_id) = 0;
  virtual absl::Status SetCentreHead(int64_t school_id, int64_t account_id, int64_t by, int64_t now,
                                     const Also& also) = 0;

  virtual absl::Status CreateSlots(const std::vector<Slot>& slots, const Also& also) = 0;
  virtual absl::StatusOr<std::optional<Slot>> GetSlot(int64_t slot_id) = 0;
  // What a booking needs, in one round trip: the student (nullopt if none)
  // and the slot (nullopt if none; only id, school_id, starts_at, ends_at,
  // state, room, counsellor_name, taken, booking_id and student_id are
  // filled), so that a booking is answered from what it wrote.
  struct BookingFacts {
    std::optional<StudentRef> student;
    std::optional<Slot> slot;
  };
  virtual absl::StatusOr<BookingFacts> GetBookingFacts(int64_t student_id, int64_t slot_id) = 0;
  // false if the slot was not open.
  virtual absl::StatusOr<bool> WithdrawSlot(int64_t slot_id, const Also& also) = 0;
  // Slots of a school starting in [from, to), by start; counsellor 0: all.
  virtual absl::StatusOr<std::vector<Slot>> ListSlots(int64_t school_id, int64_t from, int64_t to, int64_t counsellor,
                                                      int limit) = 0;

  // Inserts an active booking; conflict slot_taken when the slot has one.
  virtual absl::Status InsertBooking(const Booking& b, const Also& also) = 0;
  virtual absl::StatusOr<std::optional<Booking>> GetBooking(int64_t booking_id) = 0;
  // Cancels an active booking (false if it was not 'booked') and, in the
  // same transaction, books the slot for the first student waiting on it.
  virtual absl::StatusOr<bool> CancelBooking(int64_t booking_id, int64_t by, int64_t now, int64_t promoted_id,
                                             const AfterCancel& also) = 0;
  // booked → attended | no_show; false if it was not 'booked'.
  virtual absl::StatusOr<bool> SetBookingState(int64_t booking_id, std::string_view state, int64_t now,
                                               const Also& also) = 0;
  // A student's bookings, newest slot first; after: a booking id cursor
  // (0: from the start), ordered by slot start then id.
  virtual absl::StatusOr<std::vector<Booking>> ListStudentBookings(int64_t student_id, int64_t after_starts_at,
                                                                   int64_t after_id, int limit) = 0;

  // conflict when the student already waits for that slot.
  virtual absl::Status InsertWaitlist(const WaitlistEntry& e, const Also& also) = 0;
  virtual absl::StatusOr<std::vector<WaitlistEntry>> ListStudentWaitlist(int64_t student_id, int limit) = 0;
  virtual absl::StatusOr<std::optional<WaitlistEntry>> GetWaitlist(int64_t id) = 0;
  virtual absl::StatusOr<bool> LeaveWaitlist(int64_t id, const Also& also) = 0;

  virtual absl::Status InsertReferral(const Referral& r, const Also& also) = 0;
  virtual absl::StatusOr<std::optional<Referral>> GetReferral(int64_t id) = 0;
  // A school's referrals, newest first (id < before; 0: from the newest).
  virtual absl::StatusOr<std::vector<Referral>> ListSchoolReferrals(int64_t school_id, int64_t before, int limit) = 0;
  virtual absl::StatusOr<std::vector<Referral>> ListReferralsBy(int64_t account_id, int64_t before, int limit) = 0;
  virtual absl::StatusOr<bool> MarkReferralReceived(int64_t id, int64_t by, int64_t now, const Also& also) = 0;

  virtual absl::Status InsertRecord(const SealedRecord& r, const Also& also) = 0;
  virtual absl::StatusOr<std::optional<SealedRecord>> GetRecord(int64_t id) = 0;
  // A school's records, newest first (id < before); author 0: all.
  virtual absl::StatusOr<std::vector<SealedRecord>> ListRecords(int64_t school_id, int64_t author, int64_t before,
                                                                int limit) = 0;

  virtual absl::Status InsertShare(const SealedShare& s, const Also& also) = 0;
  virtual absl::StatusOr<std::optional<SealedShare>> GetShare(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<SealedShare>> ListSharesForExpert(int64_t expert, int64_t before, int limit) = 0;
  virtual absl::StatusOr<std::vector<SealedShare>> ListSharesOfRecord(int64_t record_id) = 0;
};

std::unique_ptr<CounsellingStore> NewSociCounsellingStore(db::Database& db);

}  // namespace xq::counselling
