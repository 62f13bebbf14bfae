// Storage of the student archive (SQLite and PostgreSQL through SOCI): the
// timeline, talks and home visits, transfers, and the counts behind the
// home-visit quotas. SQL only, no decisions (archive_service.h decides).
//
// Reads outside the module's own tables, read-only: the roster (students,
// org_units, role_assignments, accounts), screening's submissions (the
// timeline's 心理健康小调查 lines, read as that module's log) and the
// attention levels (the header's D4 level, honouring its expiry).
// Thread-safe: every call takes its own pooled session.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/model.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::archive {

// Runs inside a store's write transaction after the change (events, audit).
using Also = std::function<absl::Status(soci::session& s)>;

struct TimelineQuery {
  int64_t student_id = 0;
  std::vector<std::string> classes;      // data classes shown whole
  std::vector<std::string> own_classes;  // shown only where author == me
  int64_t me = 0;
  std::string module;     // "" or a kind prefix, e.g. "plans"
  int64_t before_at = 0;  // keyset cursor (0: from the newest)
  int64_t before_id = 0;
  int limit = 50;
};

struct ContactQuery {
  int64_t student_id = 0;
  std::string kind;         // "" | talk | home_visit
  int64_t only_author = 0;  // 0: everybody's
  int64_t before_id = 0;
  int limit = 50;
};

class ArchiveStore {
 public:
  virtual ~ArchiveStore() = default;
  virtual absl::StatusOr<std::optional<StudentArchive>> FindStudent(int64_t student_id, int64_t now) = 0;
  virtual absl::StatusOr<std::vector<TimelineEntry>> ListTimeline(const TimelineQuery& q) = 0;
  virtual absl::StatusOr<std::string> AccountName(int64_t account_id) = 0;
  virtual absl::Status InsertContact(const Contact& c, const Also& also) = 0;
  virtual absl::StatusOr<std::vector<Contact>> ListContacts(const ContactQuery& q) = 0;
  // The quota counts of one account in each quota role it holds.
  virtual absl::StatusOr<std::vector<QuotaCounts>> CountsOf(int64_t account_id, int school_year) = 0;
  // Every account of the school holding a quota role, with its counts.
  virtual absl::StatusOr<std::vector<std::pair<StaffQuota, QuotaCounts>>> SchoolCounts(int64_t school_id,
                                                                                       int school_year) = 0;
  // A school unit: (path, name); nullopt if id is not a school.
  virtual absl::StatusOr<std::optional<std::pair<std::string, std::string>>> School(int64_t id) = 0;
  virtual absl::Status InsertTransfer(const Transfer& t, const Also& also) = 0;
  virtual absl::StatusOr<std::vector<Transfer>> ListTransfers(int64_t student_id) = 0;
};

std::unique_ptr<ArchiveStore> NewSociArchiveStore(db::Database& db);

// Inside the delivery transaction: one timeline row per event id (a second
// insert of the same id does nothing). True when inserted.
absl::StatusOr<bool> InsertTimelineIn(soci::session& s, const TimelineEntry& e);

// The counts of every quota holder (role held) of a school, or of one
// account (school_id 0), in a school year (facts.h and the store).
absl::StatusOr<std::vector<std::pair<StaffQuota, QuotaCounts>>> CountsIn(soci::session& s, int64_t school_id,
                                                                         int64_t account_id, int school_year);

}  // namespace xq::archive
