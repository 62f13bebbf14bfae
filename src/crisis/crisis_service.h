// Crisis cases, the green channel to partner hospitals and
// break-glass access, decided by policy::Decide on D5 (clinical):
//   psychology staff of the school      read and write cases and referrals
//   school leader                       status and deadlines (View kSummary), never notes
//   crisis group (district/city)        escalated open cases in scope, summary
//   expert                              cases it is consulted on, full
//   hospital liaison                    referrals to its hospital (referred_here)
//   other school's psych staff, crisis  break-glass with a written reason (4 h)
//   group outside the escalation
//   guardian                            the 告知书 of own child to confirm (neutral text)
// Free text, files and hospital answers are sealed with the key ring
// (associated data "<table>:<id>"). A case's deadlines are durable jobs
// (`crisis.step_deadline`, `crisis.referral_deadline`); a missed one
// notifies the owner and the psychology centre and lifts the case to the
// district, then the city, crisis group. Objects outside the caller's
// access are not found (404); reads naming a student, denials and writes
// are audited (writes in their transaction).
// Thread-safe: stateless apart from the store, audit log, keys, clock and
// the warning lookup.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "crisis/crisis_store.h"
#include "crisis/model.h"
#include "crypto/key_source.h"
#include "crypto/keyring.h"
#include "jobs/jobs.h"
#include "policy/policy.h"

namespace xq::crisis {

inline constexpr int64_t kHour = int64_t{3600} * 1'000'000;
inline constexpr int64_t kBreakGlassFor = 4 * kHour;
inline constexpr int64_t kReferralAnswerWithin = 72 * kHour;
inline constexpr size_t kMaxFileBytes = 5 * 1024 * 1024;
inline constexpr size_t kMaxText = 20000;
// Job kinds of the step and referral deadlines.
inline constexpr char kStepDeadline[] = "crisis.step_deadline";
inline constexpr char kReferralDeadline[] = "crisis.referral_deadline";
inline constexpr char kReturnCheckpoint[] = "crisis.return_checkpoint";

// A case as the caller may see it: notes (items) only with View kFull.
struct CaseView {
  Case c;
  policy::View view = policy::View::kNone;
  bool break_glass = false;  // seen through break-glass (flagged)
  int64_t break_glass_until = 0;
  std::vector<CaseItem> items;  // kFull only; notice_scan bodies left out
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;
};

struct OpenInput {
  int64_t student_id = 0;
  std::string source;  // warning | observation | counselling | hotline
  int64_t source_id = 0;
  int level = 2;
  std::string record;  // the report
};

struct AdvanceInput {
  std::string to;      // the next step: assess | intervene | refer | close
  std::string record;  // the record of the step being completed
  int64_t owner = 0;   // the next step's owner (default: the caller)
};

struct ItemInput {
  std::string kind;  // watch guardian_notified notice_app safety_plan record
  std::string text;
  int64_t starts_at = 0;  // watch
  int64_t ends_at = 0;
};

struct FileInput {
  std::string name;
  std::string content_type;  // application/pdf image/jpeg image/png
  std::string bytes;
};

struct GuardianNotice {
  int64_t item_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  std::string state;  // requested | confirmed
  int64_t at = 0;
};

// The student a warning is about, nullopt when there is no such warning:
// the warning module's answer (its store, composed by app), as a module
// does not read another's tables (docs/design.md, Layering).
using WarningStudentFn = std::function<absl::StatusOr<std::optional<int64_t>>(int64_t warning_id)>;

class CrisisService {
 public:
  // keys: the server's KeySource, so a key added by `xinqiao keys rotate`
  // opens without a restart. warning_student: empty when no warning module
  // answers (a case from a warning is then not found).
  CrisisService(CrisisStore& store, audit::AuditLog& audit, crypto::KeySource& keys, const Clock& clock,
                WarningStudentFn warning_student = {})
      : store_(store), audit_(audit), keys_(keys), clock_(clock), warning_student_(std::move(warning_student)) {
    if (!warning_student_)
      warning_student_ = [](int64_t) -> absl::StatusOr<std::optional<int64_t>> { return std::nullopt; };
  }

  // Cases.
  absl::StatusOr<CaseView> OpenCase(const policy::Actor& a, const OpenInput& in);
  absl::StatusOr<Page<CaseView>> ListCases(const policy::Actor& a, std::string_view status, int page_size,
                                           std::string_view after);
  absl::StatusOr<CaseView> GetCase(const policy::Actor& a, int64_t case_id);
  // Open cases the caller may see, and how many of them have a step past
  // its deadline, counted to 200 (the home page: counts only, not audited);
  // nullopt for those who see no crisis cases at all.
  struct OpenCount {
    int64_t open = 0;
    int64_t overdue = 0;
  };
  absl::StatusOr<std::optional<OpenCount>> CountOpenCases(const policy::Actor& a);
  absl::StatusOr<CaseView> Advance(const policy::Actor& a, int64_t case_id, const AdvanceInput& in);
  absl::StatusOr<CaseItem> AddItem(const policy::Actor& a, int64_t case_id, const ItemInput& in);
  // The 告知书 signed on paper and scanned (sealed).
  absl::StatusOr<CaseItem> AttachGuardianNotice(const policy::Actor& a, int64_t case_id, const FileInput& f);
  // The scanned file (psychology staff of the school).
  absl::StatusOr<FileInput> GuardianNoticeFile(const policy::Actor& a, int64_t case_id, int64_t item_id);
  absl::Status Consult(const policy::Actor& a, int64_t case_id, int64_t expert_account_id);

  // Guardians: notices to confirm in the app (neutral; no notes).
  absl::StatusOr<std::vector<GuardianNotice>> GuardianNotices(const policy::Actor& a);
  absl::Status ConfirmGuardianNotice(const policy::Actor& a, int64_t item_id);

  // Hospitals (city/district administration lists them; anyone with D5
  // write sees the list to refer).
  absl::StatusOr<Hospital> CreateHospital(const policy::Actor& a, const std::string& name, int64_t unit_id,
                                          const std::vector<int64_t>& liaisons);
  absl::StatusOr<std::vector<Hospital>> ListHospitals(const policy::Actor& a);

  // Referrals.
  absl::StatusOr<Referral> Refer(const policy::Actor& a, int64_t case_id, int64_t hospital_id,
                                 const std::string& summary);
  // A referral with the view the caller has: kFull (psychology staff:
  // everything; hospital liaison of that hospital: everything it needs).
  absl::StatusOr<std::vector<Referral>> ListReferrals(const policy::Actor& a, int64_t case_id);
  absl::StatusOr<Referral> GetReferral(const policy::Actor& a, int64_t id);
  absl::StatusOr<Referral> AcceptReferral(const policy::Actor& a, int64_t id);
  absl::StatusOr<Referral> RecordAppointment(const policy::Actor& a, int64_t id, std::string_view kind, int64_t at);
  absl::StatusOr<Referral> AnswerReferral(const policy::Actor& a, int64_t id, const std::string& clinical,
                                          const std::string& advice);

  // Return to school (复学): the hospital certificate (sealed file), the
  // psychology staff's assessment (sealed) and the neutral return plan,
  // which goes to the student's 一生一策 (crisis.return_plan_written) and is
  // the head teacher's guidance; follow-ups at 1 week, 1 month and 3 months
  // put a to-do in the psychology staff's inbox (`crisis.return_checkpoint`).
  absl::StatusOr<Return> AttachCertificate(const policy::Actor& a, int64_t case_id, const FileInput& f);
  absl::StatusOr<FileInput> CertificateFile(const policy::Actor& a, int64_t case_id);
  absl::StatusOr<Return> WriteReturnPlan(const policy::Actor& a, int64_t case_id, const std::string& assessment,
                                         const std::string& plan);
  // Psychology staff: everything; others: nullopt-equivalent not found.
  absl::StatusOr<Return> GetReturn(const policy::Actor& a, int64_t case_id);
  // Head teachers (own classes) and psychology staff: the neutral plans of
  // students back at school; no certificate, no assessment.
  absl::StatusOr<std::vector<Return>> Guidance(const policy::Actor& a);

  // 倒查: who knew what and did what, and when, for a student
  // (student_id) or a case (case_id, then its student): the audit entries
  // naming the student and the events about it, by time, checked against
  // the audit hash chain (a tampered entry is named; lines after it are
  // marked unverified). Auditors in scope, the school's psychology staff,
  // the crisis group of an escalated case. The run itself is audited.
  absl::StatusOr<TraceReport> Trace(const policy::Actor& a, int64_t student_id, int64_t case_id);
  // The same as an Excel workbook watermarked with who and when (audited
  // as an export).
  absl::StatusOr<std::string> TraceExport(const policy::Actor& a, int64_t student_id, int64_t case_id);

  // Break-glass.
  absl::StatusOr<BreakGlass> BreakGlassOpen(const policy::Actor& a, int64_t case_id, const std::string& reason);
  absl::StatusOr<std::vector<BreakGlass>> BreakGlassList(const policy::Actor& a, bool unreviewed_only);
  absl::StatusOr<BreakGlass> BreakGlassReview(const policy::Actor& a, int64_t id, const std::string& comment);

  // Job handlers (run in the job's transaction).
  absl::Status OnStepDeadline(soci::session& s, const jobs::Job& job);
  absl::Status OnReferralDeadline(soci::session& s, const jobs::Job& job);
  absl::Status OnReturnCheckpoint(soci::session& s, const jobs::Job& job);

 private:
  struct Access {
    policy::Decision d;
    int64_t break_glass_until = 0;
  };
  absl::StatusOr<Access> ReadAccess(const policy::Actor& a, const Case& c);
  // The cases a grant of the actor opens (CaseFilter without status).
  CaseFilter FilterFor(const policy::Actor& a) const;
  // ListCases without its audit entry.
  absl::StatusOr<Page<CaseView>> CasesInScope(const policy::Actor& a, std::string_view status, int page_size,
                                              std::string_view after);
  // The case when the actor may write it (psychology staff in scope).
  absl::StatusOr<Case> WritableCase(const policy::Actor& a, int64_t case_id);
  absl::StatusOr<Referral> LiaisonReferral(const policy::Actor& a, int64_t id);
  absl::Status CheckFile(const FileInput& f) const;
  absl::StatusOr<std::string> Seal(std::string_view text, std::string_view where) const;
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view where) const;
  audit::Event AuditEvent(const policy::Actor& a, std::string action, std::string type, int64_t id, int64_t student_id,
                          int64_t school_id, std::string outcome = "ok", std::string detail = {}) const;
  absl::Status Deny(const policy::Actor& a, std::string action, std::string type, int64_t id, int64_t student_id,
                    int64_t school_id, std::string why);

  CrisisStore& store_;
  audit::AuditLog& audit_;
  crypto::KeySource& keys_;
  const Clock& clock_;
  WarningStudentFn warning_student_;
};

// Opens a case inside an open transaction: inserts it, lifts a level-1 case
// to the district crisis group at once, schedules the report deadline,
// publishes `crisis.case_opened` and tells the psychology centre. Used by
// the service and by the subscription to counselling's risk records.
absl::Status OpenCaseIn(soci::session& s, Case& c, int64_t now);

// Registers the job handlers on the runner (call before Start()).
void HandleCrisisJobs(jobs::JobRunner& runner, CrisisService& service);

}  // namespace xq::crisis
