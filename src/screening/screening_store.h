// What the screening module keeps, behind one interface; NewSociScreeningStore
// is its SQL (same statements on SQLite and PostgreSQL). The store decides
// nothing about access; ScreeningService does. The group-commit write of
// submissions lives in submission_writer.cc.
// Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "screening/model.h"

namespace xq::screening {

struct UnitInfo {
  int64_t id = 0;
  std::string kind;
  std::string name;
  std::string path;
  std::string school_kind;  // of the unit's school
  int64_t school_id = 0;
  int grade_year = 0;  // grades: 1..12 (K-12) or the enrolment year; 0 otherwise
};

// One student's standing in a campaign.
struct ProgressRow {
  int64_t student_id = 0;
  std::string unit_path;
  std::string name;
  std::string student_no;
  int assigned = 0;
  int submitted = 0;
  std::string consent;  // "", consent, decline
  std::string birth_date;
};

class ScreeningStore {
 public:
  virtual ~ScreeningStore() = default;

  virtual absl::StatusOr<std::optional<UnitInfo>> GetUnit(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<UnitInfo>> GetUnits(const std::vector<int64_t>& ids) = 0;
  virtual absl::StatusOr<std::optional<StudentInfo>> GetStudent(int64_t id) = 0;
  virtual absl::StatusOr<std::optional<StudentInfo>> FindStudentByNo(int64_t school_id, std::string_view no) = 0;
  // Active students whose class path lies under one of paths.
  virtual absl::StatusOr<std::vector<StudentInfo>> StudentsUnder(const std::vector<std::string>& paths) = 0;

  // Inserts the campaign, its scales and units, and one assignment per
  // student and scale, in one transaction.
  virtual absl::Status CreateCampaign(const Campaign& c, const std::vector<StudentInfo>& students) = 0;
  // Schools' licences for scales that ship disabled (instrument_licence_store.cc).
  virtual absl::StatusOr<std::vector<InstrumentLicence>> InstrumentLicencesOf(
      const std::vector<int64_t>& school_ids) = 0;
  virtual absl::Status PutInstrumentLicence(const InstrumentLicence& l) = 0;
  virtual absl::StatusOr<bool> DeleteInstrumentLicence(int64_t school_id, std::string_view instrument_id) = 0;
  virtual absl::StatusOr<std::vector<Campaign>> ListCampaigns() = 0;
  virtual absl::StatusOr<std::optional<Campaign>> GetCampaign(int64_t id) = 0;
  // Ends answering early; false when it was already closed.
  virtual absl::StatusOr<bool> CloseCampaign(int64_t id) = 0;

  virtual absl::StatusOr<std::optional<Assignment>> GetAssignment(int64_t id) = 0;
  // Everything a submission is checked against, in one read.
  virtual absl::StatusOr<std::optional<SubmitContext>> GetSubmitContext(int64_t assignment_id) = 0;
  // The same for every unsubmitted assignment of a student: ContextCache
  // fills itself with them.
  virtual absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(int64_t student_id) = 0;
  // The same for many students at once, ordered by student.
  virtual absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(const std::vector<int64_t>& student_ids) = 0;
  virtual absl::StatusOr<std::vector<Assignment>> AssignmentsOfStudent(int64_t student_id) = 0;

  virtual absl::StatusOr<std::optional<Consent>> GetConsent(int64_t campaign_id, int64_t student_id) = 0;
  virtual absl::Status PutConsent(const Consent& c) = 0;

  virtual absl::StatusOr<std::optional<Draft>> GetDraft(int64_t assignment_id) = 0;
  // Conflict once the assignment is submitted.
  virtual absl::Status PutDraft(int64_t assignment_id, const Draft& d) = 0;

  virtual absl::StatusOr<std::optional<Submission>> SubmissionOfAssignment(int64_t assignment_id) = 0;
  // Submissions of a campaign under one of paths, with student names.
  virtual absl::StatusOr<std::vector<Submission>> SubmissionsOf(int64_t campaign_id,
                                                                const std::vector<std::string>& paths) = 0;
  virtual absl::StatusOr<std::vector<Submission>> SubmissionsOfStudent(int64_t student_id) = 0;

  // Per-student progress of a campaign under path.
  virtual absl::StatusOr<std::vector<ProgressRow>> Progress(int64_t campaign_id, std::string_view path) = 0;

  // Enrolment date (YYYY-MM-DD) of each student with a submission of the
  // campaign under one of paths, by student id.
  virtual absl::StatusOr<std::map<int64_t, std::string>> EnrolmentDatesOf(int64_t campaign_id,
                                                                          const std::vector<std::string>& paths) = 0;
  // The city's suppression k (suppression_settings), if set.
  virtual absl::StatusOr<std::optional<int>> SuppressionK(int64_t city_unit_id) = 0;
  virtual absl::Status PutSuppressionK(int64_t city_unit_id, int k, int64_t by, int64_t at) = 0;
};

// The store on SOCI (SQLite and PostgreSQL, same statements).
std::unique_ptr<ScreeningStore> NewSociScreeningStore(db::Database& db);

}  // namespace xq::screening
