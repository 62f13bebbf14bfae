// The screening store on SOCI: one class, defined in screening_store.cc and
// instrument_licence_store.cc. Only the module's own writers and the factory
// name it; everything else holds a ScreeningStore.
#pragma once

#include "db/database.h"
#include "screening/screening_store.h"

namespace xq::screening {

class SociScreeningStore final : public ScreeningStore {
 public:
  explicit SociScreeningStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<UnitInfo>> GetUnit(int64_t id) override;
  absl::StatusOr<std::vector<UnitInfo>> GetUnits(const std::vector<int64_t>& ids) override;
  absl::StatusOr<std::optional<StudentInfo>> GetStudent(int64_t id) override;
  absl::StatusOr<std::optional<StudentInfo>> FindStudentByNo(int64_t school_id, std::string_view no) override;
  // Active students whose class path lies under one of paths.
  absl::StatusOr<std::vector<StudentInfo>> StudentsUnder(const std::vector<std::string>& paths) override;

  // Inserts the campaign, its scales and units, and one assignment per
  // student and scale, in one transaction.
  absl::Status CreateCampaign(const Campaign& c, const std::vector<StudentInfo>& students) override;
  // Schools' licences for scales that ship disabled (instrument_licence_store.cc).
  absl::StatusOr<std::vector<InstrumentLicence>> InstrumentLicencesOf(const std::vector<int64_t>& school_ids) override;
  absl::Status PutInstrumentLicence(const InstrumentLicence& l) override;
  absl::StatusOr<bool> DeleteInstrumentLicence(int64_t school_id, std::string_view instrument_id) override;
  absl::StatusOr<std::vector<Campaign>> ListCampaigns() override;
  absl::StatusOr<std::optional<Campaign>> GetCampaign(int64_t id) override;
  // Ends answering early; false when it was already closed.
  absl::StatusOr<bool> CloseCampaign(int64_t id) override;

  absl::StatusOr<std::optional<Assignment>> GetAssignment(int64_t id) override;
  // Everything a submission is checked against, in one read.
  absl::StatusOr<std::optional<SubmitContext>> GetSubmitContext(int64_t assignment_id) override;
  // The same for every unsubmitted assignment of a student: ContextCache
  // fills itself with them.
  absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(int64_t student_id) override;
  // The same for many students at once, ordered by student.
  absl::StatusOr<std::vector<SubmitContext>> UnsubmittedContextsOf(const std::vector<int64_t>& student_ids) override;
  absl::StatusOr<std::vector<Assignment>> AssignmentsOfStudent(int64_t student_id) override;

  absl::StatusOr<std::optional<Consent>> GetConsent(int64_t campaign_id, int64_t student_id) override;
  absl::Status PutConsent(const Consent& c) override;

  absl::StatusOr<std::optional<Draft>> GetDraft(int64_t assignment_id) override;
  // Conflict once the assignment is submitted.
  absl::Status PutDraft(int64_t assignment_id, const Draft& d) override;

  absl::StatusOr<std::optional<Submission>> SubmissionOfAssignment(int64_t assignment_id) override;
  // Submissions of a campaign under one of paths, with student names.
  absl::StatusOr<std::vector<Submission>> SubmissionsOf(int64_t campaign_id,
                                                        const std::vector<std::string>& paths) override;
  absl::StatusOr<std::vector<Submission>> SubmissionsOfStudent(int64_t student_id) override;

  // Per-student progress of a campaign under path.
  absl::StatusOr<std::vector<ProgressRow>> Progress(int64_t campaign_id, std::string_view path) override;

  // Enrolment date (YYYY-MM-DD) of each student with a submission of the
  // campaign under one of paths, by student id.
  absl::StatusOr<std::map<int64_t, std::string>> EnrolmentDatesOf(int64_t campaign_id,
                                                                  const std::vector<std::string>& paths) override;
  // The city's suppression k (suppression_settings), if set.
  absl::StatusOr<std::optional<int>> SuppressionK(int64_t city_unit_id) override;
  absl::Status PutSuppressionK(int64_t city_unit_id, int k, int64_t by, int64_t at) override;

 private:
  db::Database& db_;
};

}  // namespace xq::screening
