// Counselling (R-40, issue 20): weekly schedules, booking by students,
// waitlists, walk-ins and no-shows, teachers' referrals, session records
// (D5, sealed at rest) and summaries shared with an expert for
// supervision (督导). Every decision is policy::Decide's:
//   slots            D5 write in the school (psychology centre staff);
//                    students of the school see which are free, never who
//                    booked
//   bookings         D5 of the student: the student (own), the centre's
//                    staff in scope
//   referrals        D6 write of a student whose roster the teacher reads
//                    in full; the teacher then sees only that it was
//                    received; the centre's staff read them (D6 in scope)
//   session records  D5 with session_notes: written by the centre's staff,
//                    read only by the author and the head of the centre
//   shares           D5 consulted: the expert picked by the author among
//                    those assigned to the school's district, city or the
//                    school (policy::DecideExpertDirectory)
// Objects outside the caller's reach are not found (404). Every read of a
// record or share and every denial is audited; writes commit their audit
// entry, events and notices in their own transaction.
// Thread-safe: stateless apart from the store, audit log, keys and clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "counselling/counselling_store.h"
#include "counselling/model.h"
#include "crypto/key_source.h"
#include "policy/model.h"

namespace xq::counselling {

struct SlotInput {
  std::string room;
  int64_t starts_at = 0;  // micros
  int64_t ends_at = 0;
};

struct RecordInput {
  int64_t student_id = 0;
  int64_t booking_id = 0;  // 0: none (a walk-in without a booking)
  std::string risk;
  std::string concern;
  std::string notes;
  std::string next_steps;
  int64_t held_at = 0;  // 0: now
};

// The facts a listing of slots shows the caller: full (who booked) for the
// centre's staff, availability only for students.
struct SlotList {
  std::vector<Slot> slots;
  bool with_bookers = false;
};

struct RecordView {
  SessionRecord record;
  std::vector<Share> shares;  // the author's shares of it
};

// A counsellor's day for the home page: counts only, nobody named.
struct CounsellorDay {
  int64_t bookings_today = 0;     // the caller's booked slots today (China time)
  int64_t next_at = 0;            // the start of the next of them still to come, 0: none
  int64_t referrals_waiting = 0;  // teachers' referrals the centre has not received
};

inline constexpr int kMaxSlotsPerRequest = 200;
inline constexpr size_t kMaxTextBytes = 20000;

class CounsellingService {
 public:
  CounsellingService(CounsellingStore& store, audit::AuditLog& audit, crypto::KeySource& keys, const Clock& clock)
      : store_(store), audit_(audit), keys_(keys), clock_(clock) {}

  // Schedules. school_id 0: the caller's own school.
  absl::StatusOr<std::vector<Slot>> PublishSlots(const policy::Actor& a, int64_t school_id,
                                                 const std::vector<SlotInput>& slots);
  absl::Status WithdrawSlot(const policy::Actor& a, int64_t slot_id);
  absl::StatusOr<SlotList> ListSlots(const policy::Actor& a, int64_t school_id, int64_t from, int64_t to,
                                     bool mine_only);

  // Booking: student_id 0 books for the caller (a student); another id is
  // a walk-in or a referral booked by the centre's staff (source
  // "walk_in" | "referral").
  absl::StatusOr<Booking> Book(const policy::Actor& a, int64_t slot_id, int64_t student_id, std::string_view source);
  absl::StatusOr<Booking> Cancel(const policy::Actor& a, int64_t booking_id);
  // state: attended | no_show (the centre's staff).
  absl::StatusOr<Booking> MarkBooking(const policy::Actor& a, int64_t booking_id, std::string_view state);
  absl::StatusOr<std::vector<Booking>> MyBookings(const policy::Actor& a, int64_t after_starts_at, int64_t after_id,
                                                  int limit);
  absl::StatusOr<WaitlistEntry> JoinWaitlist(const policy::Actor& a, int64_t slot_id);
  absl::Status LeaveWaitlist(const policy::Actor& a, int64_t entry_id);
  absl::StatusOr<std::vector<WaitlistEntry>> MyWaitlist(const policy::Actor& a);

  // Referrals.
  absl::StatusOr<Referral> Refer(const policy::Actor& a, int64_t student_id, std::string_view reason);
  // The centre's staff: the school's referrals (full); anybody else: the
  // referrals they sent, with the state only (reason_visible false).
  struct ReferralList {
    std::vector<Referral> items;
    bool full = false;
  };
  absl::StatusOr<ReferralList> ListReferrals(const policy::Actor& a, int64_t before, int limit);
  // The caller's day as one of the psychology centre (CounsellorDay);
  // nullopt for everybody else. Counts only: nothing is audited.
  absl::StatusOr<std::optional<CounsellorDay>> DayOf(const policy::Actor& a);
  absl::StatusOr<Referral> ReceiveReferral(const policy::Actor& a, int64_t referral_id);

  // Session records.
  absl::StatusOr<SessionRecord> RecordSession(const policy::Actor& a, const RecordInput& in);
  absl::StatusOr<RecordView> GetRecord(const policy::Actor& a, int64_t record_id);
  // Metadata (student, risk, time, author) of the records the caller may
  // read: own, or the school's for the head of the centre.
  absl::StatusOr<std::vector<SessionRecord>> ListRecords(const policy::Actor& a, int64_t before, int limit);

  // Supervision.
  absl::StatusOr<Share> ShareRecord(const policy::Actor& a, int64_t record_id, int64_t expert_account_id,
                                    std::string_view summary);
  absl::StatusOr<std::vector<Share>> SharesForMe(const policy::Actor& a, int64_t before, int limit);
  // The experts the school's counsellors may share with (policy::
  // DecideExpertDirectory); school_id 0: the school of the caller's
  // psychology staff role. A share names one of them.
  absl::StatusOr<std::vector<Expert>> ExpertDirectory(const policy::Actor& a, int64_t school_id);
  absl::StatusOr<Share> GetShare(const policy::Actor& a, int64_t share_id);

  // The head of a school's psychology centre (a psych_staff account),
  // named by the school's account administrators.
  absl::Status SetCentreHead(const policy::Actor& a, int64_t school_id, int64_t account_id);
  absl::StatusOr<int64_t> CentreHead(const policy::Actor& a, int64_t school_id);

 private:
  absl::StatusOr<int64_t> OwnSchool(const policy::Actor& a);
  absl::StatusOr<StudentRef> Student(int64_t id);
  absl::Status Denied(const policy::Actor& a, std::string_view object_type, int64_t object_id, int64_t student_id,
                      int64_t school_id, std::string_view reason);
  audit::Event Entry(const policy::Actor& a, std::string action, std::string object_type, int64_t object_id,
                     int64_t student_id, int64_t school_id, std::string detail = {}) const;
  absl::StatusOr<Booking> Booked(int64_t id);

  CounsellingStore& store_;
  audit::AuditLog& audit_;
  crypto::KeySource& keys_;
  const Clock& clock_;
};

}  // namespace xq::counselling
