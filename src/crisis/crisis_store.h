// SQL for crisis cases, their items, consults, partner hospitals,
// referrals and break-glass access (SQLite and PostgreSQL, same
// statements). The store decides nothing: CrisisService decides access and
// seals text before it gets here (bodies, summaries and answers arrive and
// leave sealed). Writes run in one transaction that ends with `also` (the
// audit entry, events, jobs and notices of the change).
// Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "crisis/model.h"
#include "db/database.h"

namespace xq::crisis {

// Which cases a list may hold (ORed): cases under full_paths (psychology
// staff, school leaders); escalated cases under escalated_scopes whose
// escalation reached the grant (crisis groups: the grant's path lies under
// escalated_path); cases the account was consulted on (experts).
struct CaseFilter {
  std::vector<std::string> paths;
  std::vector<std::string> escalated_scopes;
  int64_t consulted_account = 0;
  std::string status;  // "" any
};

// Inside an open transaction.
absl::Status InsertCaseIn(soci::session& s, const Case& c);
absl::Status InsertItemIn(soci::session& s, int64_t school_id, int64_t case_id, const CaseItem& item);
absl::StatusOr<std::optional<Case>> GetCaseIn(soci::session& s, int64_t id);
// The case opened from (source, source_id), 0 when none.
absl::StatusOr<int64_t> CaseOfSourceIn(soci::session& s, std::string_view source, int64_t source_id);
absl::Status SetEscalationIn(soci::session& s, int64_t case_id, const std::string& path, int64_t at);
absl::Status SetReferralEscalationIn(soci::session& s, int64_t referral_id, const std::string& path);
absl::StatusOr<std::optional<Referral>> GetReferralIn(soci::session& s, int64_t id);
// The unit path of a school and of its ancestors, nearest first
// (school, district, city).
absl::StatusOr<std::vector<std::string>> AncestorPathsIn(soci::session& s, int64_t school_id);
// Accounts holding `role` at exactly the unit with this path.
absl::StatusOr<std::vector<int64_t>> AccountsWithRoleAtIn(soci::session& s, std::string_view role,
                                                          const std::string& path);

struct StudentPlace {
  int64_t school_id = 0;
  std::string unit_path;  // the class path
};
absl::StatusOr<std::optional<StudentPlace>> StudentPlaceIn(soci::session& s, int64_t student_id);
absl::StatusOr<std::optional<Return>> GetReturnIn(soci::session& s, int64_t id);
// Accounts holding `role` in the school.
absl::StatusOr<std::vector<int64_t>> AccountsWithRoleIn(soci::session& s, std::string_view role, int64_t school_id);
// Accounts of the student's guardians.
absl::StatusOr<std::vector<int64_t>> GuardianAccountsIn(soci::session& s, int64_t student_id);
// Whether the account holds the role anywhere.
absl::StatusOr<bool> HasRoleIn(soci::session& s, int64_t account_id, std::string_view role);

class CrisisStore {
 public:
  virtual ~CrisisStore() = default;

  // The student's school and class path; nullopt when unknown.
  virtual absl::StatusOr<std::optional<StudentPlace>> StudentPlaceOf(int64_t student_id) = 0;
  virtual absl::StatusOr<std::optional<std::string>> UnitPath(int64_t unit_id) = 0;

  // The case opened from (source, source_id), 0 when none.
  virtual absl::StatusOr<int64_t> CaseOfSource(std::string_view source, int64_t source_id) = 0;
  virtual absl::Status CreateCase(const Case& c, const CaseItem& first, const audit::InTransaction& also) = 0;
  virtual absl::StatusOr<std::optional<Case>> GetCase(int64_t id) = 0;
  // Newest first, after (opened_at, id) when after_id != 0.
  virtual absl::StatusOr<std::vector<Case>> ListCases(const CaseFilter& f, int64_t after_at, int64_t after_id,
                                                      int limit) = 0;
  virtual absl::StatusOr<std::vector<Case>> CasesOfStudent(int64_t student_id) = 0;
  virtual absl::StatusOr<std::vector<CaseItem>> ListItems(int64_t case_id) = 0;
  virtual absl::Status AddItem(const Case& c, const CaseItem& item, const audit::InTransaction& also) = 0;
  // Moves the case from `from` to `to` (closing it when to == "close" and
  // close is set), writing the record; aborted when the case is no longer
  // open at `from`.
  virtual absl::Status Advance(const Case& c, std::string_view from, std::string_view to, int64_t owner, int64_t due_at,
                               bool close, int64_t now, const CaseItem& record, const audit::InTransaction& also) = 0;
  virtual absl::Status AddConsult(const Case& c, int64_t account_id, int64_t by, int64_t now,
                                  const audit::InTransaction& also) = 0;
  // notice_app items of these students, newest first.
  virtual absl::StatusOr<std::vector<std::pair<Case, CaseItem>>> GuardianNotices(
      const std::vector<int64_t>& student_ids) = 0;
  virtual absl::StatusOr<std::optional<std::pair<Case, CaseItem>>> GetItem(int64_t item_id) = 0;
  virtual absl::Status SetItemState(int64_t item_id, std::string_view from, std::string_view to,
                                    const audit::InTransaction& also) = 0;

  // Hospitals.
  virtual absl::Status CreateHospital(const Hospital& h, const audit::InTransaction& also) = 0;
  virtual absl::StatusOr<std::vector<Hospital>> ListHospitals() = 0;
  virtual absl::StatusOr<std::optional<Hospital>> GetHospital(int64_t id) = 0;
  // Hospitals whose liaison the account is.
  virtual absl::StatusOr<std::vector<int64_t>> HospitalsOfLiaison(int64_t account_id) = 0;

  // Referrals.
  virtual absl::Status CreateReferral(const Referral& r, const audit::InTransaction& also) = 0;
  virtual absl::StatusOr<std::optional<Referral>> GetReferral(int64_t id) = 0;
  // Under paths, or to hospitals, newest first.
  virtual absl::StatusOr<std::vector<Referral>> ListReferrals(const std::vector<std::string>& paths,
                                                              const std::vector<int64_t>& hospitals, int64_t case_id,
                                                              int limit) = 0;
  // Writes the hospital's side (state, accepted/appointment/answer fields).
  virtual absl::Status UpdateReferral(const Referral& r, std::string_view from_state,
                                      const audit::InTransaction& also) = 0;

  // Returns to school.
  virtual absl::Status CreateReturn(const Return& r, const audit::InTransaction& also) = 0;
  virtual absl::StatusOr<std::optional<Return>> ReturnOfCase(int64_t case_id) = 0;
  virtual absl::Status PlanReturn(const Return& r, const audit::InTransaction& also) = 0;
  // Returns under these class paths, newest first.
  virtual absl::StatusOr<std::vector<Return>> ListReturns(const std::vector<std::string>& paths, int limit) = 0;

  // 倒查: the audit entries naming the student and the events about it
  // (subject "student:<id>"), oldest first, at most limit each.
  virtual absl::StatusOr<std::vector<TraceLine>> TraceOfStudent(int64_t student_id, int limit) = 0;

  // Break-glass.
  virtual absl::Status CreateBreakGlass(const BreakGlass& b, const audit::InTransaction& also) = 0;
  // The account's unexpired break-glass on the case, if any.
  virtual absl::StatusOr<std::optional<BreakGlass>> ActiveBreakGlass(int64_t account_id, int64_t case_id,
                                                                     int64_t now) = 0;
  virtual absl::StatusOr<std::vector<BreakGlass>> ListBreakGlass(bool unreviewed_only, int limit) = 0;
  virtual absl::StatusOr<std::optional<BreakGlass>> GetBreakGlass(int64_t id) = 0;
  virtual absl::Status ReviewBreakGlass(int64_t id, int64_t by, std::string_view comment, int64_t now,
                                        const audit::InTransaction& also) = 0;
};

std::unique_ptr<CrisisStore> NewSociCrisisStore(db::Database& db);

}  // namespace xq::crisis
