// CampaignTallies: the sums behind a campaign's progress and aggregates
// views (GET /api/v1/campaigns/{id}/progress, /aggregates), kept in memory
// per school so that a request sums ~1,500 schools instead of reading the
// city's submissions and assignments (docs/design.md "Campaign tallies").
//
// A campaign is read whole at its first request (the same rows the views
// read per request before: each student's assignments, consent and birth
// date; each valid submission's dimensions). Afterwards, when asked, the
// cache reads what changed since: the rows newer than the newest seen
// when this process committed something since (Touch) or `recheck` has
// passed, and every `settle_every` the rows of the settle window (counted
// first; read only when there are more than counted, since walking the
// submissions' rows costs ~1 ms per 1,000):
//   - submissions: the table is append-only and ids grow with time
//     (core/ids.h), so the ids above the newest seen minus `settle` are
//     read (the primary key), and the rows not counted yet are added; the
//     students they belong to are read again for progress;
//   - consents: the rows recorded since the newest seen minus `settle`
//     (index screening_consents_recorded); their students are read again.
// So a submission or consent written by another process (the CLI, a second
// server on the same PostgreSQL database) shows too. Which students await
// consent depends on the day: the tallies are redone from memory when the
// date changes. A student with assignments under two class paths is kept
// apart: progress of such a campaign is not cached (nullopt), and neither
// are aggregates for a scope inside a school (the caller reads rows then).
// Access and small-cell suppression stay with the caller. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::screening {

// Valid submissions of one scale that agree on every dimension of the
// aggregates view.
struct AggregateGroup {
  std::string instrument_id;
  std::string school_kind;
  int grade_year = 0;
  std::string sex;
  std::string enrolled;  // the student's enrolment date ("" when unknown)
  std::string district;  // id of the unit above the school ("" when none)
  int64_t school_id = 0;
  int64_t n = 0;
  int64_t positive = 0;
};

struct ProgressTally {
  int64_t students = 0, completed = 0, declined = 0, awaiting_consent = 0;
  void Add(const ProgressTally& t) {
    students += t.students, completed += t.completed, declined += t.declined;
    awaiting_consent += t.awaiting_consent;
  }
};

struct ProgressSums {
  ProgressTally total;
  // The units directly below the root that hold students, in path order.
  std::vector<std::pair<int64_t, ProgressTally>> children;
};

struct CampaignTalliesOptions {
  int64_t recheck_us = 250'000;           // at most one look for newer rows per this
  int64_t settle_every_us = 2'000'000;    // a look back over the settle window
  int64_t settle_us = 10'000'000;         // how late a row may commit after its id
  int64_t evict_idle_us = 1'800'000'000;  // a campaign nobody asked for this long is dropped
};

class CampaignTallies {
 public:
  // awaits(consent_age, birth_date, today): a student without a recorded
  // decision who still needs a guardian's consent (ScreeningService rules).
  using AwaitsFn = std::function<bool(int consent_age, const std::string& birth_date, const std::string& today)>;

  CampaignTallies(db::Database& db, const Clock& clock, AwaitsFn awaits, CampaignTalliesOptions options = {});

  // Valid submissions of the campaign whose class path lies under one of
  // paths, grouped; nullopt when a path lies inside a school.
  absl::StatusOr<std::optional<std::vector<AggregateGroup>>> Aggregates(int64_t campaign_id,
                                                                        const std::vector<std::string>& paths);
  // The campaign's students under root_path: the whole and per unit
  // directly below; nullopt when not kept (see above).
  absl::StatusOr<std::optional<ProgressSums>> Progress(int64_t campaign_id, int consent_age,
                                                       const std::string& root_path);

  // Asks for a look at changes at the next request (a submission or consent
  // committed by this process). Does not wait for a request in progress.
  void Touch() { touched_.store(true); }

  // The campaigns kept now (each is read whole again when asked for after
  // it was dropped).
  size_t Kept() {
    std::lock_guard lk(mu_);
    return campaigns_.size();
  }

 private:
  struct AggKey {
    std::string instrument_id, school_kind, sex, enrolled, district;
    int grade_year = 0;
    auto Tie() const { return std::tie(instrument_id, school_kind, grade_year, sex, enrolled, district); }
    bool operator<(const AggKey& o) const { return Tie() < o.Tie(); }
  };
  struct AggSchool {
    int64_t school_id = 0;
    std::map<AggKey, std::pair<int64_t, int64_t>> cells;  // (n, positive)
  };
  struct Student {
    int32_t leaf = 0;
    int32_t birth = 0;  // index into births
    int16_t assigned = 0, submitted = 0;
    char consent = 0;  // 0 none, 'c' consent, 'd' decline, 'o' other
    char status = 0;   // 'c' completed, 'd' declined, 'a' awaiting consent, 'p' pending
  };
  struct Leaf {
    std::string path;
    int32_t school = 0;  // index into schools
    ProgressTally tally;
  };
  struct PSchool {
    std::string path;
    std::vector<int32_t> leaves;
    ProgressTally tally;
  };
  struct Campaign {
    // aggregates, by school path
    std::map<std::string, AggSchool> agg;
    // progress
    bool progress_kept = false;
    bool irregular = false;  // a student under two class paths
    int consent_age = 0;
    std::string day;
    std::unordered_map<int64_t, Student> students;
    std::vector<Leaf> leaves;
    std::unordered_map<std::string, int32_t> leaf_of;
    std::vector<PSchool> schools;
    std::unordered_map<std::string, int32_t> school_of;
    int64_t used_at = 0;  // the last request for it
  };
  struct SubRow {
    int64_t id = 0, campaign_id = 0, school_id = 0, student_id = 0;
    std::string instrument_id, school_kind, sex, unit_path, enrolled;
    int grade_year = 0;
    bool positive = false, valid = false;
  };
  // A row of kSubmissionColumns (campaign_tallies.cc).
  static SubRow SubRowFrom(const soci::row& row);
  struct StudentRow {
    int64_t student_id = 0;
    std::string unit_path;
    int assigned = 0, submitted = 0;
    std::string consent, birth_date;
  };

  absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The campaign asked for, after dropping those idle for evict_idle_us (a
  // closed campaign's students are not kept for the server's life).
  std::pair<std::map<int64_t, Campaign>::iterator, bool> Use(int64_t campaign_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status BuildAggregates(int64_t campaign_id, Campaign& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status BuildProgress(int64_t campaign_id, Campaign& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddSubmission(Campaign& c, const SubRow& r);
  absl::Status RereadStudents(int64_t campaign_id, Campaign& c, const std::vector<int64_t>& students)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutStudent(Campaign& c, const StudentRow& r);
  char StatusOf(const Campaign& c, const Student& s) const;
  void Retally(Campaign& c);
  void Count(Campaign& c, const Student& s, int sign);
  int32_t BirthIndex(const std::string& b);

  db::Database& db_;
  const Clock& clock_;
  AwaitsFn awaits_;
  CampaignTalliesOptions options_;
  std::mutex mu_;
  std::map<int64_t, Campaign> campaigns_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> births_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, int32_t> birth_of_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> touched_{false};
  int64_t checked_at_ ABSL_GUARDED_BY(mu_) = 0;  // the last look
  int64_t settled_at_ ABSL_GUARDED_BY(mu_) = 0;  // the last look back over the settle window
  // Submissions: the newest id seen and the ids counted within `settle`.
  int64_t newest_submission_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int64_t> recent_submissions_ ABSL_GUARDED_BY(mu_);
  // Consents: the newest recorded_at seen and those seen within `settle`.
  int64_t newest_consent_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::tuple<int64_t, int64_t, int64_t>> recent_consents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace xq::screening
