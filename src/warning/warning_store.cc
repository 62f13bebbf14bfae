#include "warning/warning_store.h"

#include <limits>

#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"

namespace xq::warning {
namespace {

Warning WarningOf(const soci::row& r) {
  Warning w;
  w.id = db::GetInt(r, "id");
  w.school_id = db::GetInt(r, "school_id");
  w.student_id = db::GetInt(r, "student_id");
  w.unit_path = db::GetStr(r, "unit_path");
  w.submission_id = db::GetInt(r, "submission_id");
  w.campaign_id = db::GetInt(r, "campaign_id");
  w.instrument_id = db::GetStr(r, "instrument_id");
  w.item_id = db::GetStr(r, "item_id");
  w.critical_id = db::GetStr(r, "critical_id");
  w.urgency = db::GetStr(r, "urgency");
  w.label = db::GetStr(r, "label");
  w.state = db::GetStr(r, "state");
  w.created_at = db::GetInt(r, "created_at");
  w.acknowledged_by = db::GetInt(r, "acknowledged_by");
  w.acknowledged_at = db::GetInt(r, "acknowledged_at");
  w.source = db::GetStr(r, "source");
  w.level = static_cast<int>(db::GetInt(r, "level"));
  w.owner_step = db::GetStr(r, "owner_step");
  w.higher_ed = db::GetInt(r, "higher_ed") != 0;
  w.ack_due_at = db::GetInt(r, "ack_due_at");
  w.action_due_at = db::GetInt(r, "action_due_at");
  w.summary = db::GetStr(r, "summary");
  w.student_name = db::GetStr(r, "student_name");
  w.student_no = db::GetStr(r, "student_no");
  w.acknowledged_by_name = db::GetStr(r, "ack_name");
  return w;
}

FollowUp FollowUpOf(const soci::row& r) {
  FollowUp f;
  f.id = db::GetInt(r, "id");
  f.school_id = db::GetInt(r, "school_id");
  f.student_id = db::GetInt(r, "student_id");
  f.unit_path = db::GetStr(r, "unit_path");
  f.submission_id = db::GetInt(r, "submission_id");
  f.campaign_id = db::GetInt(r, "campaign_id");
  f.instrument_id = db::GetStr(r, "instrument_id");
  f.reason = db::GetStr(r, "reason");
  f.due_at = db::GetInt(r, "due_at");
  f.state = db::GetStr(r, "state");
  f.created_at = db::GetInt(r, "created_at");
  f.closed_at = db::GetInt(r, "closed_at");
  f.student_name = db::GetStr(r, "student_name");
  f.student_no = db::GetStr(r, "student_no");
  return f;
}

constexpr const char* kWarningSelect =
    "SELECT w.id, w.school_id, w.student_id, w.unit_path, w.submission_id, w.campaign_id, "
    "w.instrument_id, w.item_id, w.critical_id, w.urgency, w.label, w.state, w.created_at, "
    "w.acknowledged_by, w.acknowledged_at, w.source, w.level, w.owner_step, w.higher_ed, w.ack_due_at, "
    "w.action_due_at, w.summary, s.name AS student_name, s.student_no, "
    "a.display_name AS ack_name FROM warnings w JOIN students s ON s.id = w.student_id "
    "LEFT JOIN accounts a ON a.id = w.acknowledged_by ";

constexpr const char* kFollowUpSelect =
    "SELECT f.id, f.school_id, f.student_id, f.unit_path, f.submission_id, f.campaign_id, "
    "f.instrument_id, f.reason, f.due_at, f.state, f.created_at, f.closed_at, "
    "s.name AS student_name, s.student_no FROM follow_ups f JOIN students s ON s.id = f.student_id ";

class SociWarningStore final : public WarningStore {
 public:
  explicit SociWarningStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::vector<Warning>> ListWarnings(const std::vector<std::string>& scope_paths, std::string_view state,
                                                    int limit) override;
  absl::StatusOr<int64_t> CountWarnings(const std::vector<std::string>& scope_paths, std::string_view state) override;
  absl::StatusOr<std::vector<Warning>> ListWarningsAfter(const std::vector<std::string>& scope_paths,
                                                         std::string_view state, int64_t created_at, int64_t id,
                                                         int limit) override;
  absl::StatusOr<std::optional<Warning>> GetWarning(int64_t id) override;
  absl::StatusOr<bool> Acknowledge(int64_t id, int64_t account_id, int64_t now,
                                   const audit::InTransaction& also) override;

  absl::StatusOr<std::vector<FollowUp>> ListFollowUps(const std::vector<std::string>& scope_paths,
                                                      std::string_view state, std::optional<int64_t> due_before,
                                                      int limit) override;
  absl::StatusOr<int64_t> CountFollowUps(const std::vector<std::string>& scope_paths, std::string_view state,
                                         std::optional<int64_t> due_before) override;
  absl::StatusOr<std::vector<FollowUp>> ListFollowUpsAfter(const std::vector<std::string>& scope_paths,
                                                           std::string_view state, std::optional<int64_t> due_before,
                                                           int64_t due_at, int64_t id, int limit) override;
  absl::StatusOr<std::optional<FollowUp>> GetFollowUp(int64_t id) override;
  absl::Status RecordInterview(const FollowUp& f, int64_t interview_id, std::string_view outcome, int level,
                               std::string_view guidance, std::string_view notes, int64_t interviewer, int64_t now,
                               int64_t expires_at, const audit::InTransaction& also) override;

  absl::StatusOr<std::vector<AttentionLevel>> ListLevels(const std::vector<std::string>& scope_paths,
                                                         int64_t now) override;

 private:
  db::Database& db_;
};

}  // namespace

std::string_view LevelName(int level) {
  switch (level) {
    case 1:
      return "一级关注";
    case 2:
      return "二级关注";
    case 3:
      return "三级关注";
    default:
      return "";
  }
}

std::string_view DefaultGuidance(int level) {
  switch (level) {
    case 1:
      return "每日留意情绪与出勤，与心理老师保持联系，发现异常立即报告。";
    case 2:
      return "每周谈心一次，关注学习与人际变化，及时与心理老师沟通。";
    case 3:
      return "日常关心，留意变化，有需要时联系心理老师。";
    default:
      return "";
  }
}

void InsertWarningsIn(soci::session& s, const std::vector<const Warning*>& ws) {
  for (const Warning* w : ws) {
    long long id = w->id, school = w->school_id, student = w->student_id, sub = w->submission_id, camp = w->campaign_id,
              at = w->created_at, level = w->level, he = w->higher_ed ? 1 : 0, ack = w->ack_due_at,
              act = w->action_due_at, ref = w->ref_id;
    s << "INSERT INTO warnings (id, school_id, student_id, unit_path, submission_id, campaign_id, "
         "instrument_id, item_id, critical_id, urgency, label, state, created_at, source, level, owner_step, "
         "higher_ed, ack_due_at, action_due_at, summary, ref_type, ref_id) VALUES "
         "(:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, 'open', :l, :m, :n, :o, :p, :q, :r, :s, :t, :u)",
        soci::use(id), soci::use(school), soci::use(student), soci::use(w->unit_path), soci::use(sub), soci::use(camp),
        soci::use(w->instrument_id), soci::use(w->item_id), soci::use(w->critical_id), soci::use(w->urgency),
        soci::use(w->label), soci::use(at), soci::use(w->source), soci::use(level), soci::use(w->owner_step),
        soci::use(he), soci::use(ack), soci::use(act), soci::use(w->summary), soci::use(w->ref_type), soci::use(ref);
  }
}

void InsertFollowUpsIn(soci::session& s, const std::vector<const FollowUp*>& fs) {
  if (fs.empty()) return;
  std::vector<long long> ids, schools, students, subs, camps, dues, ats;
  std::vector<std::string> paths, instruments, reasons;
  for (const FollowUp* f : fs) {
    ids.push_back(f->id);
    schools.push_back(f->school_id);
    students.push_back(f->student_id);
    paths.push_back(f->unit_path);
    subs.push_back(f->submission_id);
    camps.push_back(f->campaign_id);
    instruments.push_back(f->instrument_id);
    reasons.push_back(f->reason);
    dues.push_back(f->due_at);
    ats.push_back(f->created_at);
  }
  s << "INSERT INTO follow_ups (id, school_id, student_id, unit_path, submission_id, campaign_id, "
       "instrument_id, reason, due_at, state, created_at) VALUES "
       "(:a, :b, :c, :d, :e, :f, :g, :h, :i, 'open', :j)",
      soci::use(ids), soci::use(schools), soci::use(students), soci::use(paths), soci::use(subs), soci::use(camps),
      soci::use(instruments), soci::use(reasons), soci::use(dues), soci::use(ats);
}

absl::StatusOr<std::vector<Warning>> SociWarningStore::ListWarnings(const std::vector<std::string>& scope_paths,
                                                                    std::string_view state, int limit) {
  std::vector<Warning> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string sql = std::string(kWarningSelect) + "WHERE " + db::PathScopeClause("w.unit_path", scope_paths);
    std::string st(state.empty() ? "%" : std::string(state));
    sql += " AND w.state LIKE :st";
    sql += fmt::format(" ORDER BY w.created_at DESC, w.id DESC LIMIT {}", limit);
    soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st));
    for (const auto& r : rows) out.push_back(WarningOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> SociWarningStore::CountWarnings(const std::vector<std::string>& scope_paths,
                                                        std::string_view state) {
  long long n = 0;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string st(state.empty() ? "%" : std::string(state));
    s << "SELECT COUNT(*) FROM warnings w WHERE " + db::PathScopeClause("w.unit_path", scope_paths) +
             " AND w.state LIKE :st",
        soci::use(st), soci::into(n);
    return absl::OkStatus();
  }));
  return n;
}

absl::StatusOr<std::vector<Warning>> SociWarningStore::ListWarningsAfter(const std::vector<std::string>& scope_paths,
                                                                         std::string_view state, int64_t created_at,
                                                                         int64_t id, int limit) {
  std::vector<Warning> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string sql = std::string(kWarningSelect) + "WHERE " + db::PathScopeClause("w.unit_path", scope_paths);
    std::string st(state.empty() ? "%" : std::string(state));
    long long at = created_at, after = id;
    sql += " AND w.state LIKE :st AND (w.created_at < :at1 OR (w.created_at = :at2 AND w.id < :id))";
    sql += fmt::format(" ORDER BY w.created_at DESC, w.id DESC LIMIT {}", limit);
    soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st), soci::use(at), soci::use(at), soci::use(after));
    for (const auto& r : rows) out.push_back(WarningOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Warning>> SociWarningStore::GetWarning(int64_t id) {
  std::optional<Warning> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long wid = id;
    soci::rowset<soci::row> rows = (s.prepare << std::string(kWarningSelect) + "WHERE w.id = :id", soci::use(wid));
    for (const auto& r : rows) out = WarningOf(r);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> SociWarningStore::Acknowledge(int64_t id, int64_t account_id, int64_t now,
                                                   const audit::InTransaction& also) {
  bool changed = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long wid = id, acc = account_id, at = now;
    soci::statement st = (s.prepare << "UPDATE warnings SET state = 'acknowledged', acknowledged_by = :a, "
                                       "acknowledged_at = :b WHERE id = :c AND state = 'open'",
                          soci::use(acc), soci::use(at), soci::use(wid));
    st.execute(true);
    changed = st.get_affected_rows() > 0;
    return changed ? also(s) : absl::OkStatus();
  }));
  return changed;
}

absl::StatusOr<std::vector<FollowUp>> SociWarningStore::ListFollowUps(const std::vector<std::string>& scope_paths,
                                                                      std::string_view state,
                                                                      std::optional<int64_t> due_before, int limit) {
  std::vector<FollowUp> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string sql = std::string(kFollowUpSelect) + "WHERE " + db::PathScopeClause("f.unit_path", scope_paths);
    std::string st(state.empty() ? "%" : std::string(state));
    long long due = due_before.value_or(std::numeric_limits<int64_t>::max());
    sql += " AND f.state LIKE :st AND f.due_at < :due";
    sql += fmt::format(" ORDER BY f.due_at, f.id LIMIT {}", limit);
    soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st), soci::use(due));
    for (const auto& r : rows) out.push_back(FollowUpOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> SociWarningStore::CountFollowUps(const std::vector<std::string>& scope_paths,
                                                         std::string_view state, std::optional<int64_t> due_before) {
  long long n = 0;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string st(state.empty() ? "%" : std::string(state));
    long long due = due_before.value_or(std::numeric_limits<int64_t>::max());
    s << "SELECT COUNT(*) FROM follow_ups f WHERE " + db::PathScopeClause("f.unit_path", scope_paths) +
             " AND f.state LIKE :st AND f.due_at < :due",
        soci::use(st), soci::use(due), soci::into(n);
    return absl::OkStatus();
  }));
  return n;
}

absl::StatusOr<std::vector<FollowUp>> SociWarningStore::ListFollowUpsAfter(const std::vector<std::string>& scope_paths,
                                                                           std::string_view state,
                                                                           std::optional<int64_t> due_before,
                                                                           int64_t due_at, int64_t id, int limit) {
  std::vector<FollowUp> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string sql = std::string(kFollowUpSelect) + "WHERE " + db::PathScopeClause("f.unit_path", scope_paths);
    std::string st(state.empty() ? "%" : std::string(state));
    long long due = due_before.value_or(std::numeric_limits<int64_t>::max()), at = due_at, after = id;
    sql += " AND f.state LIKE :st AND f.due_at < :due AND (f.due_at > :at1 OR (f.due_at = :at2 AND f.id > :id))";
    sql += fmt::format(" ORDER BY f.due_at, f.id LIMIT {}", limit);
    soci::rowset<soci::row> rows =
        (s.prepare << sql, soci::use(st), soci::use(due), soci::use(at), soci::use(at), soci::use(after));
    for (const auto& r : rows) out.push_back(FollowUpOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<FollowUp>> SociWarningStore::GetFollowUp(int64_t id) {
  std::optional<FollowUp> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long fid = id;
    soci::rowset<soci::row> rows = (s.prepare << std::string(kFollowUpSelect) + "WHERE f.id = :id", soci::use(fid));
    for (const auto& r : rows) out = FollowUpOf(r);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SociWarningStore::RecordInterview(const FollowUp& f, int64_t interview_id, std::string_view outcome,
                                               int level, std::string_view guidance, std::string_view notes,
                                               int64_t interviewer, int64_t now, int64_t expires_at,
                                               const audit::InTransaction& also) {
  return db_.InTransaction([&](soci::session& s) {
    long long fid = f.id, iid = interview_id, school = f.school_id, student = f.student_id, by = interviewer, at = now,
              exp = expires_at;
    int lvl = level;
    std::string oc(outcome), g(guidance), n(notes);
    soci::statement up = (s.prepare << "UPDATE follow_ups SET state = 'done', closed_at = :a "
                                       "WHERE id = :b AND state = 'open'",
                          soci::use(at), soci::use(fid));
    up.execute(true);
    if (up.get_affected_rows() == 0) return Conflict("the follow-up is already closed");
    s << "INSERT INTO interviews (id, follow_up_id, school_id, student_id, outcome, level, notes, "
         "interviewer, interviewed_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
        soci::use(iid), soci::use(fid), soci::use(school), soci::use(student), soci::use(oc), soci::use(lvl),
        soci::use(n), soci::use(by), soci::use(at);
    std::string state = oc == "confirmed" ? "active" : "cleared";
    s << "DELETE FROM attention_levels WHERE student_id = :s", soci::use(student);
    s << "INSERT INTO attention_levels (student_id, school_id, unit_path, level, guidance, state, "
         "set_by, set_at, expires_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
        soci::use(student), soci::use(school), soci::use(f.unit_path), soci::use(lvl), soci::use(g), soci::use(state),
        soci::use(by), soci::use(at), soci::use(exp);
    return also(s);
  });
}

absl::StatusOr<std::vector<AttentionLevel>> SociWarningStore::ListLevels(const std::vector<std::string>& scope_paths,
                                                                         int64_t now) {
  std::vector<AttentionLevel> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long at = now;
    std::string sql =
        "SELECT l.student_id, l.school_id, l.unit_path, l.level, l.guidance, l.state, l.set_by, "
        "l.set_at, l.expires_at, s.name AS student_name, s.student_no FROM attention_levels l "
        "JOIN students s ON s.id = l.student_id WHERE l.state = 'active' AND l.expires_at > :now AND " +
        db::PathScopeClause("l.unit_path", scope_paths) + " ORDER BY l.level, l.unit_path, s.name";
    soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(at));
    for (const auto& r : rows) {
      AttentionLevel l;
      l.student_id = db::GetInt(r, "student_id");
      l.school_id = db::GetInt(r, "school_id");
      l.unit_path = db::GetStr(r, "unit_path");
      l.level = static_cast<int>(db::GetInt(r, "level"));
      l.guidance = db::GetStr(r, "guidance");
      l.state = db::GetStr(r, "state");
      l.set_by = db::GetInt(r, "set_by");
      l.set_at = db::GetInt(r, "set_at");
      l.expires_at = db::GetInt(r, "expires_at");
      l.student_name = db::GetStr(r, "student_name");
      l.student_no = db::GetStr(r, "student_no");
      out.push_back(std::move(l));
    }
    return absl::OkStatus();
  }));
  return out;
}

std::unique_ptr<WarningStore> NewSociWarningStore(db::Database& db) { return std::make_unique<SociWarningStore>(db); }

}  // namespace xq::warning
