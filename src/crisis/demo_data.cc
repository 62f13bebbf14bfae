#include "crisis/demo_data.h"

#include "audit/audit.h"
#include "core/status.h"
#include "crisis/crisis_service.h"
#include "crisis/crisis_store.h"
#include "db/row.h"

namespace xq::crisis {
namespace {

// The clock `shift` µs in the past (a referral sent days ago).
class ShiftedClock final : public Clock {
 public:
  ShiftedClock(const Clock& base, int64_t shift) : base_(base), shift_(shift) {}
  int64_t NowMicros() const override { return base_.NowMicros() - shift_; }

 private:
  const Clock& base_;
  int64_t shift_;
};

absl::StatusOr<policy::Actor> ActorOf(db::Database& db, const std::string& username) {
  policy::Actor a;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    std::string user = username;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT a.id, r.role, r.org_unit_id, u.path FROM accounts a "
                      "JOIN role_assignments r ON r.account_id = a.id JOIN org_units u ON u.id = r.org_unit_id "
                      "WHERE a.username = :u",
         soci::use(user));
    for (const auto& r : rows) {
      a.account_id = db::GetInt(r, 0);
      if (auto role = policy::RoleFromName(db::GetStr(r, 1)))
        a.grants.push_back({*role, db::GetInt(r, 2), db::GetStr(r, 3)});
    }
    return absl::OkStatus();
  }));
  if (a.account_id == 0) return NotFound("no demo account " + username);
  return a;
}

// The first students of the demo head teacher's class.
absl::StatusOr<std::vector<int64_t>> ClassStudents(db::Database& db, const policy::Actor& head, int n) {
  std::vector<int64_t> out;
  if (head.grants.empty()) return out;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    long long unit = head.grants.front().unit_id;
    int lim = n;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT id FROM students WHERE class_id = :c ORDER BY student_no LIMIT :n", soci::use(unit),
         soci::use(lim));
    for (const auto& r : rows) out.push_back(db::GetInt(r, 0));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

absl::StatusOr<DemoCrisisSummary> SeedDemoCrisis(db::Database& db, const crypto::KeyRing& keys, const Clock& clock) {
  DemoCrisisSummary sum;
  XQ_ASSIGN_OR_RETURN(policy::Actor psych, ActorOf(db, "psych_staff"));
  XQ_ASSIGN_OR_RETURN(policy::Actor city, ActorOf(db, "city_admin"));
  XQ_ASSIGN_OR_RETURN(policy::Actor liaison, ActorOf(db, "hospital_liaison"));
  XQ_ASSIGN_OR_RETURN(policy::Actor head, ActorOf(db, "head_teacher"));
  XQ_ASSIGN_OR_RETURN(policy::Actor other, ActorOf(db, "univ_psych_staff"));
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> students, ClassStudents(db, head, 4));
  if (students.size() < 4 || city.grants.empty()) return Internal("the demo city has no class to seed");

  std::unique_ptr<CrisisStore> store = NewSociCrisisStore(db);
  audit::AuditLog audit(db, clock);
  crypto::KeySource source(keys, "");
  CrisisService svc(*store, audit, source, clock);
  XQ_ASSIGN_OR_RETURN(Hospital partner,
                      svc.CreateHospital(city, "市精神卫生中心", city.grants.front().unit_id, {liaison.account_id}));
  XQ_ASSIGN_OR_RETURN(Hospital second, svc.CreateHospital(city, "市儿童医院心理科", city.grants.front().unit_id, {}));

  auto open = [&](int64_t student, int level, const std::string& record) -> absl::StatusOr<int64_t> {
    XQ_ASSIGN_OR_RETURN(
        CaseView v,
        svc.OpenCase(psych, {.student_id = student, .source = "hotline", .level = level, .record = record}));
    ++sum.cases;
    return v.c.id;
  };
  auto step = [&](int64_t id, std::string to, std::string record) {
    return svc.Advance(psych, id, {.to = std::move(to), .record = std::move(record)}).status();
  };
  auto intervene = [&](int64_t id) -> absl::Status {
    const int64_t now = clock.NowMicros();
    XQ_RETURN_IF_ERROR(step(id, "assess", "已当面报告心理中心，班主任在场"));
    XQ_RETURN_IF_ERROR(step(id, "intervene", "面谈评估完成，需要 24 小时监护"));
    XQ_RETURN_IF_ERROR(
        svc.AddItem(
               psych, id,
               {.kind = "watch", .text = "班主任（白天）、家长（夜间）", .starts_at = now, .ends_at = now + 24 * kHour})
            .status());
    XQ_RETURN_IF_ERROR(
        svc.AddItem(psych, id, {.kind = "guardian_notified", .text = "电话告知母亲，已到校陪伴"}).status());
    XQ_RETURN_IF_ERROR(
        svc.AttachGuardianNotice(
               psych, id,
               {.name = "告知书.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4\n% demo\n%%EOF\n"})
            .status());
    return svc.AddItem(psych, id, {.kind = "safety_plan", .text = "每天放学前与心理老师见面；晚间家长陪同"}).status();
  };

  // 1: just reported, being assessed; another school's psychology staff
  // opened it in an emergency.
  XQ_ASSIGN_OR_RETURN(int64_t c1, open(students[0], 2, "同学反映其近日情绪低落，主动联系心理老师"));
  XQ_RETURN_IF_ERROR(step(c1, "assess", "已报告心理中心"));
  XQ_RETURN_IF_ERROR(svc.BreakGlassOpen(other, c1, "该生周末参加我校活动时突发情况，需了解既往处置").status());
  // 2: level 1, intervening; the district crisis group takes part.
  XQ_ASSIGN_OR_RETURN(int64_t c2, open(students[1], 1, "晚自习后来电，情况紧急，已安排老师陪同"));
  XQ_RETURN_IF_ERROR(step(c2, "assess", "已报告心理中心和校领导"));
  XQ_RETURN_IF_ERROR(step(c2, "intervene", "评估完成，需要监护和家长配合"));
  // 3: referred, answered by the hospital, back at school with a plan.
  XQ_ASSIGN_OR_RETURN(int64_t c3, open(students[2], 2, "班主任发现其多日未进食，报告心理中心"));
  XQ_RETURN_IF_ERROR(intervene(c3));
  XQ_RETURN_IF_ERROR(step(c3, "refer", "干预完成，建议到医院评估"));
  XQ_ASSIGN_OR_RETURN(Referral r3, svc.Refer(psych, c3, partner.id, "近两周睡眠和进食差，已做安全计划，请评估"));
  ++sum.referrals;
  XQ_RETURN_IF_ERROR(svc.AcceptReferral(liaison, r3.id).status());
  XQ_RETURN_IF_ERROR(svc.RecordAppointment(liaison, r3.id, "appointment", clock.NowMicros() + 24 * kHour).status());
  XQ_RETURN_IF_ERROR(svc.AnswerReferral(liaison, r3.id, "门诊评估完成，建议两周后复诊（演示数据）",
                                        "建议减轻课业压力，每周与心理老师谈心一次")
                         .status());
  XQ_RETURN_IF_ERROR(
      svc.AttachCertificate(
             psych, c3,
             {.name = "复学证明.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4\n% demo\n%%EOF\n"})
          .status());
  XQ_RETURN_IF_ERROR(svc.WriteReturnPlan(psych, c3, "复诊后状态平稳，可以复学（演示数据）",
                                         "每周与心理老师谈心一次；班主任多鼓励，安排同伴陪伴；体育课量力而行")
                         .status());
  // 4: referred four days ago, no answer yet: overdue.
  ShiftedClock past(clock, 4 * 24 * kHour);
  CrisisService earlier(*store, audit, source, past);
  XQ_ASSIGN_OR_RETURN(
      CaseView v4,
      earlier.OpenCase(
          psych, {.student_id = students[3], .source = "hotline", .level = 2, .record = "家长来电反映孩子情绪变化"}));
  ++sum.cases;
  for (auto [to, rec] : {std::pair{"assess", "已报告"}, {"intervene", "评估完成"}})
    XQ_RETURN_IF_ERROR(earlier.Advance(psych, v4.c.id, {.to = to, .record = rec}).status());
  XQ_RETURN_IF_ERROR(earlier.Refer(psych, v4.c.id, second.id, "需要专科评估").status());
  ++sum.referrals;
  return sum;
}

}  // namespace xq::crisis
