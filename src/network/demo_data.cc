#include "network/demo_data.h"

#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "network/model.h"
#include "warning/escalation.h"

namespace xq::network {
namespace {

struct Student {
  long long id = 0, school_id = 0;
  std::string unit_path;
  long long class_id = 0;
};

long long AccountId(soci::session& s, const std::string& username) {
  long long id = 0;
  soci::indicator ind = soci::i_ok;
  s << "SELECT id FROM accounts WHERE username = :u", soci::use(username), soci::into(id, ind);
  return s.got_data() ? id : 0;
}

// The first n active students of the unit the account's first grant is bound to.
std::vector<Student> StudentsOf(soci::session& s, const std::string& username, int n) {
  std::vector<Student> out;
  soci::rowset<soci::row> rows =
      (s.prepare << fmt::format(
           "SELECT st.id, st.school_id, st.unit_path, COALESCE(st.class_id, 0) AS class_id "
           "FROM students st JOIN org_units u ON (u.id = st.class_id OR u.id = st.dorm_id) "
           "JOIN role_assignments g ON g.org_unit_id = u.id JOIN accounts a ON a.id = g.account_id "
           "WHERE a.username = :u AND st.status = 'active' ORDER BY st.id LIMIT {}",
           n),
       soci::use(username));
  for (const auto& r : rows)
    out.push_back(
        {db::GetInt(r, "id"), db::GetInt(r, "school_id"), db::GetStr(r, "unit_path"), db::GetInt(r, "class_id")});
  return out;
}

}  // namespace

absl::StatusOr<DemoNetworkSummary> SeedDemoNetwork(db::Database& db, const Clock& clock) {
  DemoNetworkSummary sum;
  const int64_t now = clock.NowMicros();
  constexpr int64_t kHour = int64_t{3600} * 1'000'000;
  XQ_RETURN_IF_ERROR(db.InTransaction([&](soci::session& s) -> absl::Status {
    const long long peer = AccountId(s, "peer_reporter"), head = AccountId(s, "head_teacher"),
                    dorm = AccountId(s, "dorm_leader");
    if (peer == 0 || head == 0) return absl::FailedPreconditionError("the demo city has no network accounts");
    auto cls = StudentsOf(s, "peer_reporter", 12);
    auto univ = StudentsOf(s, "dorm_leader", 4);
    if (cls.size() < 8) return absl::FailedPreconditionError("the demo class is too small");
    struct Obs {
      size_t who;
      long long reporter;
      const char* role;
      const char* category;
      const char* urgency;
      const char* text;
      int hours_ago;
    };
    const std::vector<Obs> obs = {
        {1, peer, "peer_reporter", "academic_pressure", "soon", "最近两次小测后一直闷闷不乐，课间也不出教室。", 50},
        {2, peer, "peer_reporter", "family_change", "record", "说家里最近搬家了，上学路上要花一个多小时。", 30},
        {3, head, "head_teacher", "bullying", "soon", "有同学反映他在食堂被高年级学生推搡，本人不愿多说。", 20},
        {4, peer, "peer_reporter", "marked_abnormality", "soon", "连续三天午休时间独自坐在楼梯间，不和人说话。", 8},
        {5, head, "head_teacher", "emotional_crisis", "record", "与好友闹矛盾后情绪低落，已私下谈过一次。", 4},
    };
    for (const auto& o : obs) {
      const Student& st = cls[o.who];
      long long id = NewId(), at = now - o.hours_ago * kHour;
      std::string role = o.role, cat = o.category, urg = o.urgency, text = o.text, empty;
      s << "INSERT INTO network_observations (id, school_id, student_id, unit_path, dorm_path, reporter_account_id, "
           "reporter_role, category, urgency, what_seen, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, "
           ":k)",
          soci::use(id), soci::use(st.school_id), soci::use(st.id), soci::use(st.unit_path), soci::use(empty),
          soci::use(o.reporter), soci::use(role), soci::use(cat), soci::use(urg), soci::use(text), soci::use(at);
      ++sum.observations;
      if (urg != "record") {
        long long fid = NewId();
        std::string source = "observation", date = FormatDate(at), status = "active";
        s << "INSERT INTO network_risk_factors (id, school_id, student_id, unit_path, factor, source, source_id, "
             "start_date, end_date, status, note, recorded_by, created_at, updated_at) VALUES "
             "(:a, :b, :c, :d, :e, :f, :g, :h, '', :i, '', :j, :k, :l)",
            soci::use(fid), soci::use(st.school_id), soci::use(st.id), soci::use(st.unit_path), soci::use(cat),
            soci::use(source), soci::use(id), soci::use(date), soci::use(status), soci::use(o.reporter), soci::use(at),
            soci::use(at);
        ++sum.risk_factors;
      }
    }
    if (!univ.empty() && dorm) {
      long long id = NewId(), at = now - 6 * kHour;
      std::string role = "peer_reporter", cat = "environment_change", urg = "record",
                  text = "刚从外地实习回来，作息还没调整过来。", empty;
      s << "INSERT INTO network_observations (id, school_id, student_id, unit_path, dorm_path, reporter_account_id, "
           "reporter_role, category, urgency, what_seen, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, "
           ":k)",
          soci::use(id), soci::use(univ[0].school_id), soci::use(univ[0].id), soci::use(univ[0].unit_path),
          soci::use(empty), soci::use(dorm), soci::use(role), soci::use(cat), soci::use(urg), soci::use(text),
          soci::use(at);
      ++sum.observations;
    }
    // Weekly reports: the peer's class filed the last three weeks; the other
    // classes of the school are silent.
    for (int w = 0; w < 3; ++w) {
      const int64_t at = now - int64_t{w} * 7 * 24 * kHour;
      long long id = NewId(), created = at, none = w == 1 ? 1 : 0;
      std::string week = IsoWeek(at), path = cls[0].unit_path,
                  note = w == 1 ? "" : "班级整体情绪平稳，临近考试有同学反映压力较大。";
      s << "INSERT INTO network_weekly_reports (id, school_id, class_id, class_path, week, reporter_account_id, "
           "nothing_to_report, note, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
          soci::use(id), soci::use(cls[0].school_id), soci::use(cls[0].class_id), soci::use(path), soci::use(week),
          soci::use(peer), soci::use(none), soci::use(note), soci::use(created);
      ++sum.weekly_reports;
    }
    // Open warnings at every step of the K-12 chain (and the top of the
    // higher-education chain), raised hours ago.
    const std::vector<std::pair<std::string_view, int>> steps = {
        {warning::kStepClass, 2},        {warning::kStepGrade, 2},          {warning::kStepPsychCentre, 1},
        {warning::kStepSchoolLeader, 1}, {warning::kStepDistrictCrisis, 1}, {warning::kStepCityCrisis, 1}};
    for (size_t i = 0; i < steps.size(); ++i) {
      warning::Warning w;
      const Student& st = cls[6 + (i % 6 < cls.size() - 6 ? i % 6 : 0)];
      w.school_id = st.school_id;
      w.student_id = st.id;
      w.unit_path = st.unit_path;
      w.source = i % 2 ? "ledger" : "observation";
      w.level = steps[i].second;
      w.owner_step = std::string(steps[i].first);
      w.urgency = "soon";
      w.summary = "观察报告提示需要关心";
      w.ref_type = "demo";
      XQ_RETURN_IF_ERROR(warning::RaiseIn(s, w, now - kHour / 2));
      ++sum.warnings;
    }
    if (!univ.empty()) {
      warning::Warning w;
      w.school_id = univ.back().school_id;
      w.student_id = univ.back().id;
      w.unit_path = univ.back().unit_path;
      w.source = "observation";
      w.level = 1;
      w.owner_step = std::string(warning::kStepDepartment);
      w.urgency = "immediate";
      w.summary = "观察报告提示需要立即关心";
      w.ref_type = "demo";
      XQ_RETURN_IF_ERROR(warning::RaiseIn(s, w, now - kHour / 4));
      ++sum.warnings;
    }
    return absl::OkStatus();
  }));
  return sum;
}

}  // namespace xq::network
