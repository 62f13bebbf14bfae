#include "plans/demo_data.h"

#include "archive/archive_service.h"
#include "archive/archive_store.h"
#include "audit/audit.h"
#include "core/status.h"
#include "db/row.h"
#include "plans/plans_service.h"
#include "plans/plans_store.h"
#include "policy/model.h"

namespace xq::plans {
namespace {

// The actor of a demo account, from its grants (as the session would be).
absl::StatusOr<policy::Actor> ActorOf(db::Database& db, const std::string& username) {
  policy::Actor a;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) -> absl::Status {
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT a.id, r.role, r.org_unit_id, u.path FROM accounts a JOIN role_assignments r ON "
                      "r.account_id = a.id JOIN org_units u ON u.id = r.org_unit_id WHERE a.username = :u",
         soci::use(username));
    for (const auto& r : rs) {
      a.account_id = db::GetInt(r, 0);
      auto role = policy::RoleFromName(db::GetStr(r, 1));
      if (role) a.grants.push_back({*role, db::GetInt(r, 2), db::GetStr(r, 3)});
    }
    return absl::OkStatus();
  }));
  if (!a.account_id) return NotFound("demo account " + username);
  return a;
}

// Students of a unit, by name.
absl::StatusOr<std::vector<int64_t>> StudentsUnder(db::Database& db, int64_t unit_id, int limit) {
  std::vector<int64_t> out;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) -> absl::Status {
    long long u = unit_id, n = limit;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT st.id FROM students st JOIN org_units u ON st.unit_path LIKE u.path || '%' "
                      "WHERE u.id = :u ORDER BY st.name, st.id LIMIT :n",
         soci::use(u), soci::use(n));
    for (const auto& r : rs) out.push_back(db::GetInt(r, 0));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

absl::StatusOr<DemoArchiveSummary> SeedDemoArchive(db::Database& db, const Clock& clock) {
  DemoArchiveSummary sum;
  audit::AuditLog audit(db, clock);
  auto astore = archive::NewSociArchiveStore(db);
  archive::ArchiveService archive(*astore, audit, clock);
  auto pstore = NewSociPlansStore(db);
  PlansService plans(*pstore, archive, audit, clock);
  XQ_ASSIGN_OR_RETURN(auto head, ActorOf(db, "head_teacher"));
  XQ_ASSIGN_OR_RETURN(auto psych, ActorOf(db, "psych_staff"));
  XQ_ASSIGN_OR_RETURN(auto leader, ActorOf(db, "school_leader"));
  XQ_ASSIGN_OR_RETURN(auto grade, ActorOf(db, "grade_head"));
  XQ_ASSIGN_OR_RETURN(auto univ, ActorOf(db, "univ_psych_staff"));
  const int64_t class_id = head.grants.at(0).unit_id;
  XQ_ASSIGN_OR_RETURN(auto students, StudentsUnder(db, class_id, 8));
  if (students.size() < 4) return sum;
  const std::string today = FormatDate(clock.NowMicros());
  const char* kSummaries[] = {"家长重视孩子学习，亲子沟通较好", "孩子作息规律，周末有运动习惯",
                              "家长希望多关注孩子的交友情况", "家庭氛围和睦，学习环境安静"};
  for (size_t i = 0; i < 4; ++i) {
    archive::ContactInput in{.student_id = students[i],
                             .kind = archive::kHomeVisit,
                             .contact_date = today,
                             .mode = i % 2 ? "phone" : "in_person",
                             .summary = kSummaries[i],
                             .follow_up = "下月电话回访"};
    XQ_RETURN_IF_ERROR(archive.RecordContact(head, in).status());
    ++sum.contacts;
  }
  XQ_RETURN_IF_ERROR(archive
                         .RecordContact(head, {.student_id = students[1],
                                               .kind = archive::kTalk,
                                               .contact_date = today,
                                               .mode = "in_person",
                                               .summary = "近期学习压力较大，已约定每周谈心"})
                         .status());
  XQ_RETURN_IF_ERROR(archive
                         .RecordContact(leader, {.student_id = students[2],
                                                 .kind = archive::kHomeVisit,
                                                 .contact_date = today,
                                                 .mode = "in_person",
                                                 .summary = "校领导开学家访，了解家庭情况"})
                         .status());
  sum.contacts += 2;
  // A review meeting of the grade sets a level, then a plan for that student.
  ReviewInput r{.unit_id = grade.grants.at(0).unit_id,
                .held_on = today,
                .attendees = {"年级组长", "班主任", "心理教师"},
                .next_review_date = FormatDate(clock.NowMicros() + int64_t{30} * 86400 * 1'000'000),
                .valid_days = 90,
                .decisions = {{.student_id = students[1], .decision = "raise", .note = "学习压力较大，加强关心"}}};
  XQ_RETURN_IF_ERROR(plans.RecordReview(grade, r).status());
  ++sum.reviews;
  PlanInput p{.level = 0,
              .goals = "缓解学习压力，保持规律作息",
              .measures = "班主任每周谈心一次；心理教师每两周面谈一次；家校每两周沟通一次",
              .responsible = {{"head_teacher", "班主任"}, {"psych_staff", "心理教师"}, {"guardian", "家长"}},
              .next_review_date = r.next_review_date};
  XQ_ASSIGN_OR_RETURN(auto plan, plans.CreatePlan(psych, students[1], p));
  XQ_RETURN_IF_ERROR(plans.AddNote(psych, plan.id, "本周情绪平稳，按时完成作业").status());
  ++sum.plans;
  // A student moving to the university's stage: the guardian consented.
  XQ_ASSIGN_OR_RETURN(auto last, StudentsUnder(db, class_id, 200));
  archive::TransferInput t{.to_school_id = univ.grants.at(0).unit_id,
                           .consent = "given",
                           .consented_by = "guardian",
                           .consenter_name = "家长",
                           .consented_on = today};
  XQ_RETURN_IF_ERROR(archive.RecordTransfer(psych, last.back(), t).status());
  ++sum.transfers;
  return sum;
}

}  // namespace xq::plans
