// SQL of the screening module (same statements on SQLite and PostgreSQL).
// The store decides nothing about access; ScreeningService does. The
// group-commit write of submissions lives in submission_writer.cc.
// Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <map>
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

// A school's own licence for a scale that does not ship active (issue 22).
struct InstrumentLicence {
  int64_t school_id = 0;
  std::string instrument_id;
  std::string licence_ref;
  int64_t enabled_by = 0;
  int64_t enabled_at = 0;
};

class ScreeningStore {
 public:
  explicit ScreeningStore(db::Database& db) : db_(db) {}
  db::Database& db() { return db_; }

  absl::StatusOr<std::optional<UnitInfo>> GetUnit(int64_t id);
  absl::StatusOr<std::vector<UnitInfo>> GetUnits(const std::vector<int64_t>& ids);
  absl::StatusOr<std::optional<StudentInfo>> GetStudent(int64_t id);
  absl::StatusOr<std::optional<StudentInfo>> FindStudentByNo(int64_t school_id, std::string_view no);
  // Active students whose class path lies under one of paths.
  absl::StatusOr<std::vector<StudentInfo>> StudentsUnder(const std::vector<std::string>& paths);

  // Inserts the campaign, its scales and units, and one assignment per
  // student and scale, in one transaction.
  absl::Status CreateCampaign(const Campaign& c, const std::vector<StudentInfo>& students);
  // Schools' licences for scales that ship disabled (instrument_licence_store.cc).
  absl::StatusOr<std::vector<InstrumentLicence>> InstrumentLicencesOf(const std::vector<int64_t>& school_ids);
  absl::Status PutInstrumentLicence(const InstrumentLicence& l);
  absl::StatusOr<bool> DeleteInstrumentLicence(int64_t school_id, std::string_view instrument_id);
  absl::StatusOr<std::vector<Campaign>> ListCampaigns();
  absl::StatusOr<std::optional<Campaign>> GetCampaign(int64_t id);
  // Ends answering early; false when it was already closed.
  absl::StatusOr<bool> CloseCampaign(int64_t id);

  absl::StatusOr<std::optional<Assignment>> GetAssignment(int64_t id);
  // Everything a submission is checked against, in one read.
  absl::StatusOr<std::optional<SubmitContext>> GetSubmitContext(int64_t assignment_id);
  // The same for every unsubmitted assignment of a student: ContextCache
  // fills itself with them.
  absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(int64_t student_id);
  // The same for many students at once, ordered by student.
  absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(const std::vector<int64_t>& student_ids);
  absl::StatusOr<std::vector<Assignment>> AssignmentsOfStudent(int64_t student_id);

  absl::StatusOr<std::optional<Consent>> GetConsent(int64_t campaign_id, int64_t student_id);
  absl::Status PutConsent(const Consent& c);

  absl::StatusOr<std::optional<Draft>> GetDraft(int64_t assignment_id);
  // Conflict once the assignment is submitted.
  absl::Status PutDraft(int64_t assignment_id, const Draft& d);

  absl::StatusOr<std::optional<Submission>> SubmissionOfAssignment(int64_t assignment_id);
  // Submissions of a campaign under one of paths, with student names.
  absl::StatusOr<std::vector<Submission>> SubmissionsOf(int64_t campaign_id, const std::vector<std::string>& paths);
  absl::StatusOr<std::vector<Submission>> SubmissionsOfStudent(int64_t student_id);

  // Per-student progress of a campaign under path.
  absl::StatusOr<std::vector<ProgressRow>> Progress(int64_t campaign_id, std::string_view path);

  // Enrolment date (YYYY-MM-DD) of each student with a submission of the
  // campaign under one of paths, by student id.
  absl::StatusOr<std::map<int64_t, std::string>> EnrolmentDatesOf(int64_t campaign_id,
                                                                  const std::vector<std::string>& paths);
  // The city's suppression k (suppression_settings), if set.
  absl::StatusOr<std::optional<int>> SuppressionK(int64_t city_unit_id);
  absl::Status PutSuppressionK(int64_t city_unit_id, int k, int64_t by, int64_t at);

 private:
  db::Database& db_;
};

}  // namespace xq::screening
