// Use cases of the student archive (一人一档, R-20, R-53):
//   timeline           each entry filtered by policy::Decide on its data
//                      class at the archive's path; every opening audited
//   talks and visits   D8 write where the caller reads the student's roster
//                      (subject teachers: paired students); summaries are D6
//   quota progress     R-53 home visits per role and school year
//   transfers          the archive follows a student only under consent
//                      (guardian for a minor, the student if adult)
// Objects outside the caller's scope answer NotFound; denials are audited;
// a write's audit entry and event commit in the write's transaction.
// Thread-safe if the store and audit log are (the SOCI ones are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/archive_store.h"
#include "archive/model.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "policy/model.h"

namespace xq::archive {

inline constexpr char kTalkRecorded[] = "archive.talk_recorded";
inline constexpr char kHomeVisitRecorded[] = "archive.home_visit_recorded";
inline constexpr char kTransferRecorded[] = "archive.transfer_recorded";

struct TimelineRequest {
  std::string module;  // "" or a kind prefix: archive plans screening warning counselling crisis network
  int page_size = 50;  // 1..200
  std::string after;   // cursor from a previous page
};

struct TimelinePage {
  StudentArchive student;
  bool show_roster = false;  // name and class (D1)
  bool show_level = false;   // attention level (D4)
  std::vector<TimelineEntry> items;
  std::string next;
};

struct ContactInput {
  int64_t student_id = 0;
  std::string kind;          // talk | home_visit
  std::string contact_date;  // YYYY-MM-DD, not in the future
  std::string mode;          // in_person | phone | video
  std::string summary;
  std::string follow_up;
};

struct ContactView {
  Contact contact;
  bool show_summary = false;  // D6
};

struct TransferInput {
  int64_t to_school_id = 0;
  std::string consent;       // given | refused
  std::string consented_by;  // guardian | student
  std::string consenter_name;
  std::string consented_on;  // YYYY-MM-DD
};

class ArchiveService {
 public:
  ArchiveService(ArchiveStore& store, audit::AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}

  absl::StatusOr<TimelinePage> Timeline(const policy::Actor& actor, int64_t student_id, const TimelineRequest& req);

  absl::StatusOr<Contact> RecordContact(const policy::Actor& actor, const ContactInput& in);
  // A student's talks and visits the caller may see, newest first (guardians:
  // their child's home visits without the summary).
  absl::StatusOr<std::pair<std::vector<ContactView>, std::string>> ListContacts(const policy::Actor& actor,
                                                                                int64_t student_id,
                                                                                std::string_view kind, int page_size,
                                                                                std::string_view after);

  // The caller's own progress in each quota role it holds.
  absl::StatusOr<std::vector<QuotaProgress>> MyQuota(const policy::Actor& actor, std::optional<int> school_year);
  // Every quota holder of the caller's school (leaders, psychology centre).
  absl::StatusOr<std::vector<StaffQuota>> SchoolQuota(const policy::Actor& actor, std::optional<int> school_year);

  absl::StatusOr<Transfer> RecordTransfer(const policy::Actor& actor, int64_t student_id, const TransferInput& in);
  absl::StatusOr<std::vector<Transfer>> ListTransfers(const policy::Actor& actor, int64_t student_id);

  // For other modules (plans): where a student's archive is held, without
  // a decision (the caller decides with policy). nullopt: no such student.
  absl::StatusOr<std::optional<StudentArchive>> Locate(int64_t student_id);

 private:
  absl::Status Denied(const policy::Actor& actor, std::string_view object_type, int64_t student_id, int64_t school_id,
                      std::string_view reason);
  int CurrentSchoolYear() const;

  ArchiveStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

// Keyset cursor of the timeline.
std::string EncodeTimelineCursor(int64_t at, int64_t id);
bool DecodeTimelineCursor(std::string_view s, int64_t* at, int64_t* id);

}  // namespace xq::archive
