#include "screening/campaign_tallies.h"

#include <algorithm>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::screening {
namespace {

// Ids carry milliseconds above 22 bits (core/ids.h).
int64_t IdSpan(int64_t micros) { return (micros / 1000) << 22; }

// "/1/7/42/9/" with school 42 → "/1/7/42/"; the whole path when the school
// is not on it.
std::string SchoolPathOf(const std::string& unit_path, int64_t school_id) {
  const std::string school = "/" + IdToString(school_id) + "/";
  const auto at = unit_path.find(school);
  return at == std::string::npos ? unit_path : unit_path.substr(0, at + school.size());
}

// The unit above the school on the path, as ScreeningService::Aggregates
// reads it ("" when none).
std::string DistrictOf(const std::string& unit_path, int64_t school_id) {
  const std::string school = "/" + IdToString(school_id) + "/";
  const auto at = unit_path.find(school);
  if (at == std::string::npos || at == 0) return "";
  const std::string above = unit_path.substr(0, at + 1);  // "/1/7/"
  const auto end = above.size() - 1;
  const auto start = above.rfind('/', end - 1);
  auto id = IdFromString(above.substr(start + 1, end - start - 1));
  return IdToString(id.value_or(0));
}

int64_t ChildId(std::string_view root, std::string_view path) {
  if (path.size() <= root.size()) return 0;
  auto rest = path.substr(root.size());
  return IdFromString(rest.substr(0, rest.find('/'))).value_or(0);
}

constexpr const char* kSubmissionColumns =
    "SELECT CAST(x.id AS BIGINT), x.campaign_id, x.school_id, x.student_id, x.instrument_id, x.school_kind, "
    "x.grade_year, x.sex, x.unit_path, x.positive, x.valid, s.enrolment_date ";

constexpr size_t kChunk = 256;  // ids per IN list; short lists are padded, so the statement text is one

std::string InList(size_t n) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) out += fmt::format("{}:i{}", i ? "," : "", i);
  return out + ")";
}

}  // namespace

CampaignTallies::CampaignTallies(db::Database& db, const Clock& clock, AwaitsFn awaits, CampaignTalliesOptions options)
    : db_(db), clock_(clock), awaits_(std::move(awaits)), options_(options) {}

int32_t CampaignTallies::BirthIndex(const std::string& b) {
  auto [it, fresh] = birth_of_.try_emplace(b, static_cast<int32_t>(births_.size()));
  if (fresh) births_.push_back(b);
  return it->second;
}

// ---------------------------------------------------------------- aggregates

CampaignTallies::SubRow CampaignTallies::SubRowFrom(const soci::row& row) {
  SubRow r;
  r.id = db::GetInt(row, 0);
  r.campaign_id = db::GetInt(row, 1);
  r.school_id = db::GetInt(row, 2);
  r.student_id = db::GetInt(row, 3);
  r.instrument_id = db::GetStr(row, 4);
  r.school_kind = db::GetStr(row, 5);
  r.grade_year = static_cast<int>(db::GetInt(row, 6));
  r.sex = db::GetStr(row, 7);
  r.unit_path = db::GetStr(row, 8);
  r.positive = db::GetInt(row, 9) != 0;
  r.valid = db::GetInt(row, 10) != 0;
  r.enrolled = db::GetStr(row, 11);
  return r;
}

void CampaignTallies::AddSubmission(Campaign& c, const SubRow& r) {
  if (!r.valid) return;
  AggSchool& school = c.agg[SchoolPathOf(r.unit_path, r.school_id)];
  school.school_id = r.school_id;
  AggKey key{r.instrument_id, r.school_kind, r.sex, r.enrolled, DistrictOf(r.unit_path, r.school_id), r.grade_year};
  auto& cell = school.cells[key];
  ++cell.first;
  if (r.positive) ++cell.second;
}

absl::Status CampaignTallies::BuildAggregates(int64_t campaign_id, Campaign& c) {
  const int64_t window = newest_submission_ - IdSpan(options_.settle_us);
  return db_.Query(std::string(kSubmissionColumns) +
                       "FROM screening_assignments a JOIN screening_submissions x ON x.id = a.submission_id "
                       "JOIN students s ON s.id = x.student_id WHERE a.campaign_id = :c",
                   {static_cast<long long>(campaign_id)}, [&](const soci::row& row) {
                     const SubRow r = SubRowFrom(row);
                     if (r.id > window) recent_submissions_.insert(r.id);
                     AddSubmission(c, r);
                   });
}

std::pair<std::map<int64_t, CampaignTallies::Campaign>::iterator, bool> CampaignTallies::Use(int64_t campaign_id) {
  const int64_t now = clock_.NowMicros();
  for (auto it = campaigns_.begin(); it != campaigns_.end();) {
    if (it->first != campaign_id && it->second.used_at < now - options_.evict_idle_us)
      it = campaigns_.erase(it);
    else
      ++it;
  }
  auto used = campaigns_.try_emplace(campaign_id);
  used.first->second.used_at = now;
  return used;
}

absl::StatusOr<std::optional<std::vector<AggregateGroup>>> CampaignTallies::Aggregates(
    int64_t campaign_id, const std::vector<std::string>& paths) {
  std::lock_guard lk(mu_);
  XQ_RETURN_IF_ERROR(Refresh());
  auto [it, fresh] = Use(campaign_id);
  if (fresh) {
    if (absl::Status st = BuildAggregates(campaign_id, it->second); !st.ok()) {
      campaigns_.erase(it);
      return st;
    }
  }
  Campaign& c = it->second;
  std::vector<AggregateGroup> out;
  for (const auto& [path, school] : c.agg) {
    bool in = false;
    for (const auto& p : paths) {
      if (path.starts_with(p)) in = true;
      if (p.size() > path.size() && p.starts_with(path)) return std::nullopt;  // a scope inside a school
    }
    if (!in) continue;
    for (const auto& [k, cell] : school.cells)
      out.push_back({k.instrument_id, k.school_kind, k.grade_year, k.sex, k.enrolled, k.district, school.school_id,
                     cell.first, cell.second});
  }
  return out;
}

// ---------------------------------------------------------------- progress

char CampaignTallies::StatusOf(const Campaign& c, const Student& s) const {
  if (s.submitted >= s.assigned) return 'c';
  if (s.consent == 'd') return 'd';
  if (s.consent != 'c' && s.consent != 'd' && awaits_(c.consent_age, births_[s.birth], c.day)) return 'a';
  return 'p';
}

void CampaignTallies::Count(Campaign& c, const Student& s, int sign) {
  auto apply = [&](ProgressTally& t) {
    t.students += sign;
    if (s.status == 'c') t.completed += sign;
    if (s.status == 'd') t.declined += sign;
    if (s.status == 'a') t.awaiting_consent += sign;
  };
  Leaf& leaf = c.leaves[s.leaf];
  apply(leaf.tally);
  apply(c.schools[leaf.school].tally);
}

void CampaignTallies::Retally(Campaign& c) {
  for (auto& l : c.leaves) l.tally = {};
  for (auto& sc : c.schools) sc.tally = {};
  for (auto& [id, s] : c.students) {
    s.status = StatusOf(c, s);
    Count(c, s, +1);
  }
}

// The student's leaf is known (BuildProgress, RereadStudents).
void CampaignTallies::PutStudent(Campaign& c, const StudentRow& r) {
  Student s;
  s.leaf = c.leaf_of.at(r.unit_path);
  s.assigned = static_cast<int16_t>(r.assigned);
  s.submitted = static_cast<int16_t>(r.submitted);
  s.consent = r.consent.empty() ? 0 : r.consent == "consent" ? 'c' : r.consent == "decline" ? 'd' : 'o';
  s.birth = BirthIndex(r.birth_date);
  auto [sit, sfresh] = c.students.try_emplace(r.student_id, s);
  if (!sfresh) {
    if (sit->second.leaf != s.leaf) c.irregular = true;
    Count(c, sit->second, -1);
    sit->second = s;
  }
  sit->second.status = StatusOf(c, sit->second);
  Count(c, sit->second, +1);
}

namespace {

constexpr const char* kStudentRows =
    "SELECT a.student_id, a.unit_path, a.school_id, COUNT(*), "
    "SUM(CASE WHEN a.state = 'submitted' THEN 1 ELSE 0 END), c.decision, s.birth_date "
    "FROM screening_assignments a JOIN students s ON s.id = a.student_id "
    "LEFT JOIN screening_consents c ON c.campaign_id = a.campaign_id AND c.student_id = a.student_id "
    "WHERE a.campaign_id = :c ";
constexpr const char* kStudentGroup = " GROUP BY a.student_id, a.unit_path, a.school_id, c.decision, s.birth_date";

}  // namespace

absl::Status CampaignTallies::BuildProgress(int64_t campaign_id, Campaign& c) {
  std::vector<std::pair<StudentRow, int64_t>> rows;
  XQ_RETURN_IF_ERROR(db_.Query(std::string(kStudentRows) + kStudentGroup, {static_cast<long long>(campaign_id)},
                               [&](const soci::row& row) {
                                 StudentRow r;
                                 r.student_id = db::GetInt(row, 0);
                                 r.unit_path = db::GetStr(row, 1);
                                 r.assigned = static_cast<int>(db::GetInt(row, 3));
                                 r.submitted = static_cast<int>(db::GetInt(row, 4));
                                 r.consent = db::GetStr(row, 5);
                                 r.birth_date = db::GetStr(row, 6);
                                 rows.emplace_back(std::move(r), db::GetInt(row, 2));
                               }));
  c.students.reserve(rows.size());
  for (const auto& [r, school_id] : rows) {
    auto [lit, lfresh] = c.leaf_of.try_emplace(r.unit_path, static_cast<int32_t>(c.leaves.size()));
    if (lfresh) {
      const std::string sp = SchoolPathOf(r.unit_path, school_id);
      auto [sit, sfresh] = c.school_of.try_emplace(sp, static_cast<int32_t>(c.schools.size()));
      if (sfresh) c.schools.push_back({sp, {}, {}});
      c.schools[sit->second].leaves.push_back(lit->second);
      c.leaves.push_back({r.unit_path, sit->second, {}});
    }
    PutStudent(c, r);
  }
  c.progress_kept = true;
  return absl::OkStatus();
}

absl::Status CampaignTallies::RereadStudents(int64_t campaign_id, Campaign& c, const std::vector<int64_t>& students) {
  static const std::string sql = std::string(kStudentRows) + "AND a.student_id IN " + InList(kChunk) + kStudentGroup;
  for (size_t i = 0; i < students.size(); i += kChunk) {
    std::vector<db::Database::Param> params{static_cast<long long>(campaign_id)};
    for (size_t j = 0; j < kChunk; ++j)
      params.emplace_back(static_cast<long long>(students[std::min(i + j, students.size() - 1)]));
    std::vector<std::pair<StudentRow, int64_t>> rows;
    XQ_RETURN_IF_ERROR(db_.Query(sql, params, [&](const soci::row& row) {
      StudentRow r;
      r.student_id = db::GetInt(row, 0);
      r.unit_path = db::GetStr(row, 1);
      r.assigned = static_cast<int>(db::GetInt(row, 3));
      r.submitted = static_cast<int>(db::GetInt(row, 4));
      r.consent = db::GetStr(row, 5);
      r.birth_date = db::GetStr(row, 6);
      rows.emplace_back(std::move(r), db::GetInt(row, 2));
    }));
    for (const auto& [r, school_id] : rows) {
      if (!c.leaf_of.count(r.unit_path)) {
        const std::string sp = SchoolPathOf(r.unit_path, school_id);
        auto [sit, sfresh] = c.school_of.try_emplace(sp, static_cast<int32_t>(c.schools.size()));
        if (sfresh) c.schools.push_back({sp, {}, {}});
        const auto leaf = static_cast<int32_t>(c.leaves.size());
        c.leaf_of[r.unit_path] = leaf;
        c.schools[sit->second].leaves.push_back(leaf);
        c.leaves.push_back({r.unit_path, sit->second, {}});
      }
      PutStudent(c, r);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProgressSums>> CampaignTallies::Progress(int64_t campaign_id, int consent_age,
                                                                      const std::string& root_path) {
  std::lock_guard lk(mu_);
  XQ_RETURN_IF_ERROR(Refresh());
  auto [it, fresh] = Use(campaign_id);
  Campaign& c = it->second;
  const std::string today = FormatDate(clock_.NowMicros());
  if (fresh) {
    if (absl::Status st = BuildAggregates(campaign_id, c); !st.ok()) {
      campaigns_.erase(it);
      return st;
    }
  }
  if (!c.progress_kept) {
    c.consent_age = consent_age;
    c.day = today;
    if (absl::Status st = BuildProgress(campaign_id, c); !st.ok()) {
      campaigns_.erase(it);
      return st;
    }
  }
  if (c.irregular) return std::nullopt;
  if (c.day != today || c.consent_age != consent_age) {
    c.day = today;
    c.consent_age = consent_age;
    Retally(c);
  }
  ProgressSums out;
  std::map<std::string, std::pair<int64_t, ProgressTally>> kids;  // by the child's path
  auto add = [&](const std::string& path, const ProgressTally& t) {
    out.total.Add(t);
    const int64_t child = ChildId(root_path, path);
    if (child == 0) return;
    auto& k = kids[root_path + IdToString(child) + "/"];
    k.first = child;
    k.second.Add(t);
  };
  for (const PSchool& sc : c.schools) {
    if (sc.tally.students == 0) continue;
    if (sc.path.starts_with(root_path) && sc.path.size() > root_path.size()) {
      add(sc.path, sc.tally);  // the whole school lies below one child of the root
    } else if (root_path.starts_with(sc.path)) {
      for (int32_t l : sc.leaves) {
        const Leaf& leaf = c.leaves[l];
        if (leaf.tally.students > 0 && leaf.path.starts_with(root_path)) add(leaf.path, leaf.tally);
      }
    }
  }
  for (auto& [path, k] : kids) out.children.push_back(k);
  return out;
}

// ---------------------------------------------------------------- changes

absl::Status CampaignTallies::Refresh() {
  const int64_t now = clock_.NowMicros();
  const bool asked = touched_.exchange(false);
  if (!asked && started_ && now - checked_at_ < options_.recheck_us) return absl::OkStatus();
  if (!started_) {
    // First look: from the newest rows on (what is older is read whole when
    // a campaign is first asked for).
    XQ_RETURN_IF_ERROR(db_.Query("SELECT CAST(MAX(id) AS BIGINT) FROM screening_submissions", {},
                                 [&](const soci::row& r) { newest_submission_ = db::GetInt(r, 0); }));
    XQ_RETURN_IF_ERROR(db_.Query("SELECT MAX(recorded_at) FROM screening_consents", {},
                                 [&](const soci::row& r) { newest_consent_ = db::GetInt(r, 0); }));
    started_ = true;
  }
  checked_at_ = now;
  // Rows committed late (their ids or times older than the newest seen)
  // are looked for over the settle window every settle_every.
  const bool settle = now - settled_at_ >= options_.settle_every_us;
  if (settle) settled_at_ = now;
  int64_t low = newest_submission_;
  if (settle) {
    // Rows within the window are read only when there are more than those
    // counted (the table is append-only).
    const int64_t window = newest_submission_ - IdSpan(options_.settle_us);
    int64_t rows = 0;
    XQ_RETURN_IF_ERROR(db_.Query("SELECT COUNT(*) FROM screening_submissions WHERE id > :a",
                                 {static_cast<long long>(window)},
                                 [&](const soci::row& r) { rows = db::GetInt(r, 0); }));
    const auto counted = std::distance(recent_submissions_.upper_bound(window), recent_submissions_.end());
    if (rows != counted) low = window;
  }
  std::vector<int64_t> fresh;
  XQ_RETURN_IF_ERROR(db_.Query("SELECT CAST(id AS BIGINT) FROM screening_submissions WHERE id > :a",
                               {static_cast<long long>(low)}, [&](const soci::row& r) {
                                 const int64_t id = db::GetInt(r, 0);
                                 if (!recent_submissions_.count(id)) fresh.push_back(id);
                               }));
  std::map<int64_t, std::set<int64_t>> touched;  // campaign → students
  if (!fresh.empty()) {
    static const std::string sql = std::string(kSubmissionColumns) +
                                   "FROM screening_submissions x JOIN students s ON s.id = x.student_id "
                                   "WHERE x.id IN " +
                                   InList(kChunk);
    for (size_t i = 0; i < fresh.size(); i += kChunk) {
      std::vector<db::Database::Param> params;
      for (size_t j = 0; j < kChunk; ++j)
        params.emplace_back(static_cast<long long>(fresh[std::min(i + j, fresh.size() - 1)]));
      XQ_RETURN_IF_ERROR(db_.Query(sql, params, [&](const soci::row& row) {
        const int64_t id = db::GetInt(row, 0);
        if (!recent_submissions_.insert(id).second) return;  // a padded repeat
        newest_submission_ = std::max(newest_submission_, id);
        auto c = campaigns_.find(db::GetInt(row, 1));
        if (c == campaigns_.end()) return;  // read whole when first asked for
        const SubRow r = SubRowFrom(row);
        AddSubmission(c->second, r);
        if (c->second.progress_kept) touched[r.campaign_id].insert(r.student_id);
      }));
    }
    const int64_t keep = newest_submission_ - IdSpan(options_.settle_us);
    recent_submissions_.erase(recent_submissions_.begin(), recent_submissions_.upper_bound(keep));
  }
  // Consents recorded within the settle window not seen yet.
  const int64_t since = newest_consent_ - (settle ? options_.settle_us : 0);
  XQ_RETURN_IF_ERROR(
      db_.Query("SELECT campaign_id, student_id, recorded_at FROM screening_consents WHERE recorded_at > :a",
                {static_cast<long long>(since)}, [&](const soci::row& r) {
                  const int64_t camp = db::GetInt(r, 0), student = db::GetInt(r, 1), at = db::GetInt(r, 2);
                  if (!recent_consents_.insert({at, camp, student}).second) return;
                  newest_consent_ = std::max(newest_consent_, at);
                  auto c = campaigns_.find(camp);
                  if (c != campaigns_.end() && c->second.progress_kept) touched[camp].insert(student);
                }));
  const int64_t keep = newest_consent_ - options_.settle_us;
  recent_consents_.erase(recent_consents_.begin(), recent_consents_.lower_bound({keep + 1, 0, 0}));
  for (const auto& [camp, students] : touched)
    XQ_RETURN_IF_ERROR(RereadStudents(camp, campaigns_[camp], std::vector<int64_t>(students.begin(), students.end())));
  return absl::OkStatus();
}

}  // namespace xq::screening
