#include "network/network_store.h"

#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"

namespace xq::network {
namespace {

std::string IdIn(std::string_view column, const std::vector<int64_t>& ids) {
  if (ids.empty()) return "1=0";
  std::string out = fmt::format("{} IN (", column);
  for (size_t i = 0; i < ids.size(); ++i) out += fmt::format("{}{}", i ? "," : "", ids[i]);
  return out + ")";
}

Observation ObservationOf(const soci::row& r) {
  Observation o;
  o.id = db::GetInt(r, "id");
  o.school_id = db::GetInt(r, "school_id");
  o.student_id = db::GetInt(r, "student_id");
  o.unit_path = db::GetStr(r, "unit_path");
  o.dorm_path = db::GetStr(r, "dorm_path");
  o.reporter_account_id = db::GetInt(r, "reporter_account_id");
  o.reporter_role = db::GetStr(r, "reporter_role");
  o.category = db::GetStr(r, "category");
  o.urgency = db::GetStr(r, "urgency");
  o.what_seen = db::GetStr(r, "what_seen");
  o.created_at = db::GetInt(r, "created_at");
  o.student_name = db::GetStr(r, "student_name");
  o.class_name = db::GetStr(r, "class_name");
  o.reporter_name = db::GetStr(r, "reporter_name");
  return o;
}

RiskFactor FactorOf(const soci::row& r) {
  RiskFactor f;
  f.id = db::GetInt(r, "id");
  f.school_id = db::GetInt(r, "school_id");
  f.student_id = db::GetInt(r, "student_id");
  f.unit_path = db::GetStr(r, "unit_path");
  f.factor = db::GetStr(r, "factor");
  f.source = db::GetStr(r, "source");
  f.source_id = db::GetInt(r, "source_id");
  f.start_date = db::GetStr(r, "start_date");
  f.end_date = db::GetStr(r, "end_date");
  f.status = db::GetStr(r, "status");
  f.note = db::GetStr(r, "note");
  f.recorded_by = db::GetInt(r, "recorded_by");
  f.created_at = db::GetInt(r, "created_at");
  f.updated_at = db::GetInt(r, "updated_at");
  f.student_name = db::GetStr(r, "student_name");
  f.recorder_name = db::GetStr(r, "recorder_name");
  return f;
}

void InsertFactorIn(soci::session& s, const RiskFactor& f) {
  long long id = f.id, school = f.school_id, student = f.student_id, src = f.source_id, by = f.recorded_by,
            at = f.created_at;
  s << "INSERT INTO network_risk_factors (id, school_id, student_id, unit_path, factor, source, source_id, "
       "start_date, end_date, status, note, recorded_by, created_at, updated_at) VALUES "
       "(:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, :l, :m, :n)",
      soci::use(id), soci::use(school), soci::use(student), soci::use(f.unit_path), soci::use(f.factor),
      soci::use(f.source), soci::use(src), soci::use(f.start_date), soci::use(f.end_date), soci::use(f.status),
      soci::use(f.note), soci::use(by), soci::use(at), soci::use(at);
}

constexpr const char* kPickSelect =
    "SELECT s.id, s.name, s.school_id, s.unit_path, COALESCE(d.path, '') AS dorm_path, "
    "COALESCE(c.name, '') AS class_name FROM students s LEFT JOIN org_units d ON d.id = s.dorm_id "
    "LEFT JOIN org_units c ON c.id = s.class_id ";

Pickable PickOf(const soci::row& r) {
  Pickable p;
  p.id = db::GetInt(r, "id");
  p.name = db::GetStr(r, "name");
  p.school_id = db::GetInt(r, "school_id");
  p.unit_path = db::GetStr(r, "unit_path");
  p.dorm_path = db::GetStr(r, "dorm_path");
  p.class_name = db::GetStr(r, "class_name");
  return p;
}

constexpr const char* kFactorSelect =
    "SELECT f.*, s.name AS student_name, COALESCE(a.display_name, '') AS recorder_name "
    "FROM network_risk_factors f JOIN students s ON s.id = f.student_id "
    "LEFT JOIN accounts a ON a.id = f.recorded_by ";

class SociNetworkStore final : public NetworkStore {
 public:
  explicit SociNetworkStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::vector<Pickable>> ListPickable(const std::vector<std::string>& paths,
                                                     const std::vector<int64_t>& ids, int64_t after_id,
                                                     int limit) override {
    std::vector<Pickable> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string sql = std::string(kPickSelect) + "WHERE s.status = 'active' AND s.id > :after AND (" +
                        db::PathScopeClause("s.unit_path", paths) + " OR " + db::PathScopeClause("d.path", paths) +
                        " OR " + IdIn("s.id", ids) + ")" + fmt::format(" ORDER BY s.id LIMIT {}", limit);
      long long after = after_id;
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(after));
      for (const auto& r : rows) out.push_back(PickOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<Pickable>> GetStudent(int64_t student_id) override {
    std::optional<Pickable> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = student_id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kPickSelect) + "WHERE s.id = :id", soci::use(id));
      for (const auto& r : rows) out = PickOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status CreateObservation(const Observation& o, const std::optional<RiskFactor>& f,
                                 const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = o.id, school = o.school_id, student = o.student_id, rep = o.reporter_account_id, at = o.created_at;
      s << "INSERT INTO network_observations (id, school_id, student_id, unit_path, dorm_path, "
           "reporter_account_id, reporter_role, category, urgency, what_seen, created_at) VALUES "
           "(:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k)",
          soci::use(id), soci::use(school), soci::use(student), soci::use(o.unit_path), soci::use(o.dorm_path),
          soci::use(rep), soci::use(o.reporter_role), soci::use(o.category), soci::use(o.urgency),
          soci::use(o.what_seen), soci::use(at);
      if (f) InsertFactorIn(s, *f);
      return also(s);
    });
  }

  absl::StatusOr<std::vector<Observation>> ListObservations(int64_t reporter, const std::vector<std::string>& paths,
                                                            int64_t before_at, int64_t before_id, int limit) override {
    std::vector<Observation> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string sql =
          "SELECT o.*, s.name AS student_name, COALESCE(c.name, '') AS class_name, "
          "COALESCE(a.display_name, '') AS reporter_name FROM network_observations o "
          "JOIN students s ON s.id = o.student_id LEFT JOIN org_units c ON c.id = s.class_id "
          "LEFT JOIN accounts a ON a.id = o.reporter_account_id WHERE ";
      sql += reporter ? fmt::format("o.reporter_account_id = {}", reporter)
                      : "(" + db::PathScopeClause("o.unit_path", paths) + " OR " +
                            db::PathScopeClause("o.dorm_path", paths) + ")";
      long long at = before_at ? before_at : INT64_MAX, id = before_id ? before_id : INT64_MAX;
      sql += " AND (o.created_at < :a OR (o.created_at = :a2 AND o.id < :i))";
      sql += fmt::format(" ORDER BY o.created_at DESC, o.id DESC LIMIT {}", limit);
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(at), soci::use(at), soci::use(id));
      for (const auto& r : rows) out.push_back(ObservationOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<bool> CreateWeekly(const WeeklyReport& r, const audit::InTransaction& also) override {
    bool created = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long cls = r.class_id, n = 0;
      s << "SELECT COUNT(*) FROM network_weekly_reports WHERE class_id = :c AND week = :w", soci::use(cls),
          soci::use(r.week), soci::into(n);
      if (n > 0) return absl::OkStatus();
      long long id = r.id, school = r.school_id, rep = r.reporter_account_id, none = r.nothing_to_report ? 1 : 0,
                at = r.created_at;
      s << "INSERT INTO network_weekly_reports (id, school_id, class_id, class_path, week, reporter_account_id, "
           "nothing_to_report, note, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
          soci::use(id), soci::use(school), soci::use(cls), soci::use(r.class_path), soci::use(r.week), soci::use(rep),
          soci::use(none), soci::use(r.note), soci::use(at);
      created = true;
      return also(s);
    }));
    return created;
  }

  absl::StatusOr<std::vector<ClassWeek>> ListClassWeeks(const std::vector<std::string>& paths, const std::string& week,
                                                        bool only_silent, const std::vector<std::string>& silent_weeks,
                                                        const std::string& after_path, int limit) override {
    std::vector<ClassWeek> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string sql =
          "SELECT c.id, c.name, c.path, r.id AS report_id, COALESCE(r.nothing_to_report, 0) AS nothing_flag, "
          "COALESCE(r.note, '') AS note, (SELECT MAX(x.week) FROM network_weekly_reports x WHERE x.class_id = c.id) "
          "AS last_week FROM org_units c LEFT JOIN network_weekly_reports r ON r.class_id = c.id AND r.week = :w "
          "WHERE c.kind = 'class' AND c.path > :after AND " +
          db::PathScopeClause("c.path", paths);
      if (only_silent) {
        std::string in;
        for (const auto& w : silent_weeks)
          if (IsIsoWeekText(w)) in += fmt::format("{}'{}'", in.empty() ? "" : ", ", w);
        if (!in.empty())
          sql += " AND NOT EXISTS (SELECT 1 FROM network_weekly_reports y WHERE y.class_id = c.id AND y.week IN (" +
                 in + "))";
      }
      sql += fmt::format(" ORDER BY c.path LIMIT {}", limit);
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(week), soci::use(after_path));
      for (const auto& r : rows) {
        ClassWeek c;
        c.class_id = db::GetInt(r, "id");
        c.class_name = db::GetStr(r, "name");
        c.class_path = db::GetStr(r, "path");
        c.filed = db::GetInt(r, "report_id") != 0;
        c.nothing_to_report = db::GetInt(r, "nothing_flag") != 0;
        c.note = db::GetStr(r, "note");
        c.last_week = db::GetStr(r, "last_week");
        out.push_back(std::move(c));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<std::pair<int64_t, std::string>>> GetClass(int64_t class_id) override {
    std::optional<std::pair<int64_t, std::string>> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = class_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT school_id, path FROM org_units WHERE id = :id AND kind = 'class'", soci::use(id));
      for (const auto& r : rows) out = std::make_pair(db::GetInt(r, "school_id"), db::GetStr(r, "path"));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status CreateFactor(const RiskFactor& f, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      InsertFactorIn(s, f);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<RiskFactor>> GetFactor(int64_t id) override {
    std::optional<RiskFactor> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long fid = id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kFactorSelect) + "WHERE f.id = :id", soci::use(fid));
      for (const auto& r : rows) out = FactorOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status ResolveFactor(int64_t id, const std::string& end_date, int64_t now,
                             const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long fid = id, at = now;
      s << "UPDATE network_risk_factors SET status = 'resolved', end_date = :e, updated_at = :u WHERE id = :id",
          soci::use(end_date), soci::use(at), soci::use(fid);
      return also(s);
    });
  }

  absl::StatusOr<std::vector<RiskFactor>> ListFactors(const std::vector<std::string>& paths, const std::string& status,
                                                      int64_t student_id, int64_t before_id, int limit) override {
    std::vector<RiskFactor> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string sql = std::string(kFactorSelect) + "WHERE " + db::PathScopeClause("f.unit_path", paths) +
                        " AND f.status LIKE :st AND f.id < :b";
      if (student_id) sql += fmt::format(" AND f.student_id = {}", student_id);
      sql += fmt::format(" ORDER BY f.id DESC LIMIT {}", limit);
      std::string st = status.empty() ? "%" : status;
      long long b = before_id ? before_id : INT64_MAX;
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(st), soci::use(b));
      for (const auto& r : rows) out.push_back(FactorOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<NetworkStore> NewSociNetworkStore(db::Database& db) { return std::make_unique<SociNetworkStore>(db); }

}  // namespace xq::network
