// Screening use cases (R-10… …R-72), each decided by
// policy::Decide (ACCESS.md):
//   campaigns, progress, reminders   D8 (work records) in scope; created by
//                                    psychology staff (school) and district /
//                                    city admins (their scope)
//   answering (drafts, submission)   D2 own, until submitted (students)
//   student feedback after submitting D3 feedback only, if the scale allows
//   results, history                 D3 (psychology staff of the school)
//   non-respondents                  D1 names in scope (head teachers, …)
//   aggregates                       D7 with small-cell suppression
//   exports                          policy export rules; identified data
//                                    with a reason, watermarked, audited
// Out-of-scope objects are not found (404). Reads of D2/D3 naming a student,
// exports and denials go to the audit log.
//
// Submission: validate → score in memory → SubmissionWriter (group commit)
// → acknowledged after commit; critical items raise an urgent warning and a
// follow-up in the same transaction; screen-positive results a follow-up.
// Thread-safe: stateless apart from its collaborators and a campaign cache.
#pragma once

#include <functional>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/json.h"
#include "counselling/hotlines.h"
#include "policy/principal.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"
#include "screening/campaign_tallies.h"
#include "screening/context_cache.h"
#include "screening/model.h"
#include "screening/report_models.h"
#include "screening/screening_store.h"
#include "screening/submission_writer.h"

namespace xq::screening {

// One answer as a request gives it: null (unanswered), a string (an option
// code, or free text), an array (multiple choice: codes; an element that is
// not a string is kept as nullopt), or another JSON value (refused when
// scored, naming the item).
struct GivenAnswer {
  enum class Kind { kNull, kString, kArray, kOther };
  Kind kind = Kind::kNull;
  std::string text;                               // kString
  std::vector<std::optional<std::string>> codes;  // kArray
};
// By item id in byte order, one per item (as a JSON object holds them).
using GivenAnswers = std::vector<std::pair<std::string, GivenAnswer>>;
// Sorts answers given in document order; of a repeated item the last counts.
void SortGivenAnswers(GivenAnswers& answers);
// The answers object of a request body already parsed; invalid_argument
// ("answers") when it is not an object.
absl::StatusOr<GivenAnswers> GivenAnswersOf(const Json& answers);

struct SubmitInput {
  std::string submission_id;  // client-generated idempotency key
  GivenAnswers answers;       // {"q1": "2", "q10": ["a","b"], ...}
  std::optional<double> elapsed_seconds;
};

struct SubmitOutcome {
  Submission submission;
  bool repeat = false;
  std::vector<std::string> feedback;                          // neutral student feedback texts
  std::shared_ptr<const counselling::UnitHotlines> hotlines;  // the student's unit's; never null once answered
  // A critical answer: the feedback urges reaching out now, hotlines first.
  bool reach_out_now = false;
};

// The city's small-cell threshold: at least kMinSuppressionK, kDefault
// until the city admin sets it (suppression_settings).
inline constexpr int kMinSuppressionK = 5;
inline constexpr int kDefaultSuppressionK = 10;

struct AggregateQuery {
  std::optional<int64_t> unit_id;
  // school_kind grade sex year (enrolment year) district school (1 or 2)
  std::vector<std::string> by = {"school_kind"};
  std::string instrument_id;  // default: the first scale
  // A caller may ask for a higher k than the city's, never a lower one.
  std::optional<int> k;
};

// GET /campaigns/{id}/results: filters, order and a page.
struct ResultsQuery {
  std::optional<int64_t> unit_id;
  std::optional<int64_t> class_id;
  std::string band;  // a band id (e.g. "moderate"), "positive" or "critical"; empty: all
  std::string sort;  // class | band | name | submitted_at, "-" first for descending; empty: class
  int page_size = 50;
  std::string after;  // cursor from `next`
};

// One line of a paper import that failed validation.
struct ImportError {
  int line = 0;
  int column = 0;
  std::string field;
  std::string message;
};

struct ImportResult {
  int rows = 0;
  int written = 0;
  int repeats = 0;
  int warnings = 0;
  std::vector<ImportError> errors;  // non-empty: nothing was written
};

// A campaign template as offered to those who create campaigns: its scales
// that ship enabled (the others only under a school's own licence).
struct TemplateOffer {
  const Template* tmpl = nullptr;  // one of Templates()
  std::vector<const instruments::Registry::Entry*> scales;
};

struct Export {
  std::string filename;
  std::string body;  // .xlsx bytes
};

class ScreeningService {
 public:
  ScreeningService(db::Database& db, ScreeningStore& store, SubmissionWriter& writer, audit::AuditLog& audit,
                   counselling::HotlineService& hotlines, const Clock& clock);

  // --- campaigns (D8)
  std::vector<TemplateOffer> ListTemplates() const;
  // The templates for those who create campaigns (policy::MayUseCampaignTemplates);
  // permission_denied for everybody else.
  absl::StatusOr<std::vector<TemplateOffer>> ListTemplatesFor(const policy::Principal& p) const;
  absl::StatusOr<Campaign> CreateCampaign(const policy::Principal& p, const CampaignInput& in);
  absl::StatusOr<std::vector<Campaign>> ListCampaigns(const policy::Principal& p);
  absl::StatusOr<Campaign> GetCampaign(const policy::Principal& p, int64_t id);
  // Ends answering before closes_on; by those who may create campaigns at
  // the campaign's owner unit.
  absl::StatusOr<Campaign> CloseCampaign(const policy::Principal& p, int64_t id);
  // Guardian (own child), student (decline for self) or staff (paper form).
  absl::StatusOr<Consent> RecordConsent(const policy::Principal& p, int64_t campaign_id, int64_t student_id,
                                        std::string_view decision);
  // Guardian: campaigns of own children that ask for consent.
  absl::StatusOr<std::vector<ConsentRequest>> ConsentRequests(const policy::Principal& p);

  // --- instrument library (issue 22; instrument_licences.cc)
  // The scale picker: the newest version of every bundled scale that may be
  // used in the actor's schools, with licence, wording status and norm sets.
  absl::StatusOr<InstrumentLibrary> ListInstruments(const policy::Principal& p);
  // A school enables (or withdraws) a scale that does not ship active, under
  // its own licence; psychology staff of the school; audited.
  absl::StatusOr<InstrumentLicence> EnableInstrument(const policy::Principal& p, int64_t school_id,
                                                     std::string_view instrument_id, std::string_view licence_ref);
  absl::Status DisableInstrument(const policy::Principal& p, int64_t school_id, std::string_view instrument_id);
  // The same for the command line (no actor; audited as the system).
  absl::StatusOr<InstrumentLicence> EnableInstrumentCli(int64_t school_id, std::string_view instrument_id,
                                                        std::string_view licence_ref);

  // --- answering (students)
  // Also holds the student's open assessments in memory for submitting.
  absl::StatusOr<std::vector<AssignmentSummary>> ListAssignments(const policy::Principal& p);
  absl::StatusOr<AssignmentDetail> GetAssignment(const policy::Principal& p, int64_t id);
  absl::Status SaveDraft(const policy::Principal& p, int64_t id, const GivenAnswers& answers, int position);
  absl::StatusOr<SubmitOutcome> Submit(const policy::Principal& p, int64_t id, const SubmitInput& in);
  // The same without waiting: checks and scores on the calling thread, then
  // `done` runs on the submission writer's thread after the commit (or at
  // once, on this thread, when there is nothing to write). Keep it short.
  using SubmitDone = std::function<void(absl::StatusOr<SubmitOutcome>)>;
  void SubmitAsync(const policy::Principal& p, int64_t id, const SubmitInput& in, SubmitDone done);

  // --- progress (D8) and names of non-respondents (D1)
  absl::StatusOr<ProgressReport> Progress(const policy::Principal& p, int64_t campaign_id,
                                          std::optional<int64_t> unit_id);
  absl::StatusOr<std::vector<NonRespondent>> NonRespondents(const policy::Principal& p, int64_t campaign_id,
                                                            int64_t unit_id);
  absl::StatusOr<ReminderOutcome> Remind(const policy::Principal& p, int64_t campaign_id, int64_t unit_id);

  // --- results (D3) and aggregates (D7)
  // Every labelled row of the campaign in the caller's scope (or the unit).
  absl::StatusOr<std::vector<ResultRow>> Results(const policy::Principal& p, int64_t campaign_id,
                                                 std::optional<int64_t> unit_id);
  absl::StatusOr<StudentHistoryView> StudentHistory(const policy::Principal& p, int64_t student_id);
  absl::StatusOr<AggregateTable> Aggregates(const policy::Principal& p, int64_t campaign_id, const AggregateQuery& q);
  // kind: "aggregates" | "results"
  absl::StatusOr<Export> ExportXlsx(const policy::Principal& p, int64_t campaign_id, std::string_view kind,
                                    std::string_view reason, const AggregateQuery& q);

  // Results with labels, filtered by class and band, ordered and paged.
  absl::StatusOr<ResultsPageView> ResultsPage(const policy::Principal& p, int64_t campaign_id, const ResultsQuery& q);
  // The city's suppression k: read by those who read aggregates, changed
  // by the city admin only (audited). Both return the city's k.
  absl::StatusOr<int> SuppressionSetting(const policy::Principal& p);
  absl::StatusOr<int> SetSuppressionSetting(const policy::Principal& p, int k);

  // At start: holds the open assessments of these students (those with a
  // held session) in memory, so their first submission reads nothing.
  // Returns how many assessments are held.
  absl::StatusOr<size_t> HoldOpenAssessments(const std::vector<int64_t>& student_ids);

  // --- paper screenings (CLI): same validation, scoring and warning path.
  absl::StatusOr<ImportResult> ImportPaper(int64_t campaign_id, std::string_view csv);

 private:
  // Campaigns do not change once created (the submission path reads them
  // on every request), so they are cached and shared (null: no such campaign).
  absl::StatusOr<std::shared_ptr<const Campaign>> CampaignById(int64_t id);
  absl::StatusOr<Campaign> VisibleCampaign(const policy::Principal& p, int64_t id);
  // Builds the stored submission with its warnings and follow-ups.
  absl::StatusOr<WriteRequest> Score(const Campaign& c, const Assignment& a, const StudentInfo& s,
                                     const GivenAnswers& answers, std::optional<double> elapsed, std::string client_key,
                                     std::string source, std::vector<std::string>* feedback_keys = nullptr);
  struct PreparedSubmit {
    SubmitOutcome out;                  // complete unless `write` is set
    std::optional<WriteRequest> write;  // the row to commit
  };
  absl::StatusOr<PreparedSubmit> PrepareSubmit(const policy::Principal& p, int64_t id, const SubmitInput& in);
  absl::StatusOr<bool> MayAnswer(const Campaign& c, const StudentInfo& s, std::string* why);
  bool MayAnswer(const Campaign& c, const StudentInfo& s, const std::optional<Consent>& consent,
                 std::string* why) const;
  // Under the campaign's consent age (or of unknown age): answers only after
  // a guardian's consent.
  bool NeedsConsent(const Campaign& c, const StudentInfo& s) const;
  // Not completed, not declined and still without the consent it needs.
  bool AwaitsConsent(const Campaign& c, const ProgressRow& r) const;
  // Reads a student's open assessments into contexts_ unless held.
  absl::Status HoldContextsOf(int64_t student_id, int64_t now);
  std::vector<std::string> FeedbackTexts(const policy::Actor& actor, const Submission& x) const;
  // The same with the result's feedback keys at hand.
  std::vector<std::string> FeedbackTexts(const policy::Actor& actor, const Submission& x,
                                         const std::vector<std::string>& keys) const;
  // Refuses a scale that does not ship active unless every school of the
  // campaign has enabled it under its own licence.
  absl::Status CheckScaleLicences(const Campaign& c, const std::vector<int64_t>& school_ids);
  // Owner names and the caller's scale-title view of campaigns.
  absl::Status DecorateCampaigns(const policy::Principal& p, std::vector<Campaign>& cs);
  // The k of the city holding path.
  absl::StatusOr<int> CityK(std::string_view path);
  // Names each row's class from its unit path ("七年级1班").
  absl::Status FillClassNames(std::vector<ResultRow>& rows);
  // Conflict (field name) when the owner unit has a campaign of that name.
  absl::Status CheckCampaignName(const Campaign& c, bool confirmed);
  absl::Status Audit(const policy::Principal* p, std::string action, std::string object_type, std::string object_id,
                     int64_t student_id, std::string outcome, std::string detail = {}, std::string purpose = {});

  db::Database& db_;
  ScreeningStore& store_;
  SubmissionWriter& writer_;
  audit::AuditLog& audit_;
  counselling::HotlineService& hotlines_;
  const Clock& clock_;
  std::mutex cache_mu_;
  std::map<int64_t, std::shared_ptr<const Campaign>> campaigns_;
  // Unsubmitted assignments of students answering now (30 minutes).
  ContextCache contexts_{int64_t{30} * 60 * 1'000'000};
  // The sums behind progress and aggregates, per school.
  CampaignTallies tallies_;
};

// Chinese labels of a parsed result: the scale's title, scores with their
// bands' labels, classes, critical items with the item's text and validity
// flags; none when the scale is not bundled.
std::optional<ResultLabels> LabelResult(const Submission& x, const ParsedResult& r);
// Item text and the chosen option's text of each answered item.
std::vector<AnswerLine> ItemAnswerLabels(const Submission& x, const Json& answers);
// Units as staff list them: grades by grade year, then by name with
// numbers in numeric order (2班 before 10班).
void SortUnitsForDisplay(std::vector<UnitInfo>& units);
// Grade labels as staff write them: 7 → "七年级"; an enrolment year → "2025级".
std::string GradeLabel(int grade);

// Screen-positive rule: any critical hit, an upper band of a reported
// score's primary band set, or an attention class level.
bool IsPositive(const instruments::ScoringPlan& plan, const instruments::Result& r);
// Small-cell suppression of a table of counts[r][c] with row totals (when
// there is more than one column), column totals and a grand total: cells
// with 0 < n < k are suppressed (primary), totals below k too, and then
// further cells (complementary) until no line whose total is shown has
// exactly one suppressed cell, so no suppressed cell can be recovered.
struct Suppression {
  std::vector<std::vector<bool>> cell;
  std::vector<bool> row_total;
  std::vector<bool> col_total;
  bool grand_total = false;
};
Suppression Suppress(const std::vector<std::vector<int64_t>>& counts, int k);

}  // namespace xq::screening
