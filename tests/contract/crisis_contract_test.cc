// Contract of CrisisStore on every backend: one case per source, a step
// moved only from where it stands, lists by scope, by escalation (a crisis
// group sees a case only once the escalation reached its unit) and by
// consultation, the hospital's side of a referral guarded by its state, the
// return to school, and break-glass access that lapses and is reviewed once.
#include "contract/fixture.h"
#include "core/status.h"
#include "crisis/crisis_store.h"

namespace xq::testing {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1'000'000;
constexpr int64_t kNow = 1'790'000'000'000'000;

// City 100, district 101, school 1 with class 2, and a second school 3 in
// the same district; student 42 in class 2; psychology teacher 9, expert 10,
// hospital liaison 11.
void Seed(db::Database& db) {
  ASSERT_TRUE(db.InTransaction([](soci::session& s) -> absl::Status {
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(100, NULL, 'city', '天津市', 0, '/100/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(101, 100, 'district', '和平区', 0, '/100/101/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(1, 101, 'school', '一中', 1, '/100/101/1/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(2, 1, 'class', '1班', 1, '/100/101/1/2/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(3, 101, 'school', '二中', 3, '/100/101/3/', 0)";
                  s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, created_at, "
                       "updated_at) VALUES (42, 1, 'S1', '张三', 'M', 2, '/100/101/1/2/', 0, 0)";
                  InsertRows(
                      s, "accounts (id, username, password_hash, display_name, person_type, created_at, updated_at)",
                      {"(9, 'psych', 'x', '蔡老师', 'staff', 0, 0)", "(10, 'expert', 'x', '孙专家', 'staff', 0, 0)",
                       "(11, 'liaison', 'x', '周医生', 'staff', 0, 0)"});
                  return absl::OkStatus();
                }).ok());
}

crisis::Case NewCase(int64_t id, int64_t source_id) {
  crisis::Case c;
  c.id = id;
  c.school_id = 1;
  c.student_id = 42;
  c.unit_path = "/100/101/1/2/";
  c.source = "counselling";
  c.source_id = source_id;
  c.level = 1;
  c.step_owner = 9;
  c.step_due_at = kNow + kHour;
  c.opened_by = 9;
  c.opened_at = kNow;
  return c;
}

crisis::CaseItem Record(int64_t id, std::string step, int64_t at) {
  return {
      .id = id, .step = std::move(step), .kind = "record", .body = "xq1:1:c2VhbGVkIGJvZHk=", .by_account = 9, .at = at};
}

TEST_P(ContractTest, CrisisCasesOnePerSourceStepsGuardedListedByScope) {
  Seed(Db());
  auto store = crisis::NewSociCrisisStore(Db());
  const crisis::Case c = NewCase(500, 77);
  ASSERT_TRUE(store->CreateCase(c, Record(600, "report", kNow), kNothingElse).ok());
  // One case per source record, whatever its id.
  auto again = store->CreateCase(NewCase(501, 77), Record(601, "report", kNow), kNothingElse);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*store->CaseOfSource("counselling", 77), 500);
  EXPECT_EQ(*store->CaseOfSource("counselling", 78), 0);
  EXPECT_FALSE(store->GetCase(501)->has_value());  // the refused case left nothing

  auto got = store->GetCase(500);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->student_name, "张三");
  EXPECT_EQ((*got)->step, "report");
  EXPECT_EQ((*got)->status, "open");

  // A step moves only from where it stands; the losing move writes nothing.
  ASSERT_TRUE(store
                  ->Advance(c, "report", "assess", 9, kNow + 2 * kHour, false, kNow + 1,
                            Record(602, "assess", kNow + 1), kNothingElse)
                  .ok());
  auto stale = store->Advance(c, "report", "intervene", 9, kNow, false, kNow + 2, Record(603, "intervene", kNow + 2),
                              kNothingElse);
  EXPECT_EQ(stale.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*store->GetCase(500))->step, "assess");
  auto items = store->ListItems(500);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, 600);
  EXPECT_EQ((*items)[1].id, 602);
  EXPECT_EQ((*items)[1].body, "xq1:1:c2VhbGVkIGJvZHk=");  // sealed text kept as given

  auto list = [&](crisis::CaseFilter f) {
    auto r = store->ListCases(f, 0, 0, 50);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->size() : size_t{99};
  };
  EXPECT_EQ(list({.paths = {"/100/101/1/"}}), 1u);
  EXPECT_EQ(list({.paths = {"/100/101/3/"}}), 0u);  // another school
  EXPECT_EQ(list({}), 0u);                          // no scope: nothing
  EXPECT_EQ(list({.paths = {"/100/101/1/"}, .status = "closed"}), 0u);
  // A crisis group sees the case only once the escalation reached its unit.
  EXPECT_EQ(list({.escalated_scopes = {"/100/101/"}}), 0u);
  ASSERT_TRUE(
      Db().InTransaction([&](soci::session& s) { return crisis::SetEscalationIn(s, 500, "/100/101/", kNow + 3); })
          .ok());
  EXPECT_EQ(list({.escalated_scopes = {"/100/101/"}}), 1u);  // the district group
  EXPECT_EQ(list({.escalated_scopes = {"/100/"}}), 0u);      // not the city yet
  EXPECT_EQ(list({.escalated_scopes = {"/100/101/3/"}}), 0u);
  // An expert sees the cases it is consulted on, once.
  EXPECT_EQ(list({.consulted_account = 10}), 0u);
  ASSERT_TRUE(store->AddConsult(c, 10, 9, kNow + 4, kNothingElse).ok());
  EXPECT_EQ(store->AddConsult(c, 10, 9, kNow + 5, kNothingElse).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(list({.consulted_account = 10}), 1u);
  EXPECT_EQ((*store->GetCase(500))->consulted, std::vector<int64_t>{10});

  // Closed: gone from the crisis group's list, kept in the school's.
  ASSERT_TRUE(
      store->Advance(c, "assess", "close", 0, 0, true, kNow + 6, Record(604, "close", kNow + 6), kNothingElse).ok());
  EXPECT_EQ(list({.escalated_scopes = {"/100/101/"}}), 0u);
  EXPECT_EQ(list({.paths = {"/100/101/1/"}, .status = "closed"}), 1u);
  auto cases = store->CasesOfStudent(42);
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 1u);
  EXPECT_EQ((*cases)[0].closed_at, kNow + 6);
}

TEST_P(ContractTest, CrisisReferralsReturnsAndBreakGlass) {
  Seed(Db());
  auto store = crisis::NewSociCrisisStore(Db());
  const crisis::Case c = NewCase(500, 77);
  ASSERT_TRUE(store->CreateCase(c, Record(600, "report", kNow), kNothingElse).ok());

  crisis::Hospital h{.id = 700, .unit_id = 100, .name = "安定医院", .liaisons = {11}};
  ASSERT_TRUE(store->CreateHospital(h, kNothingElse).ok());
  EXPECT_EQ(*store->HospitalsOfLiaison(11), std::vector<int64_t>{700});
  EXPECT_TRUE(store->HospitalsOfLiaison(9)->empty());

  crisis::Referral r;
  r.id = 800;
  r.school_id = 1;
  r.case_id = 500;
  r.student_id = 42;
  r.unit_path = c.unit_path;
  r.hospital_id = 700;
  r.summary = "sealed-summary";
  r.due_at = kNow + 24 * kHour;
  r.created_by = 9;
  r.created_at = kNow;
  ASSERT_TRUE(store->CreateReferral(r, kNothingElse).ok());
  auto to_hospital = store->ListReferrals({}, {700}, 0, 10);
  ASSERT_TRUE(to_hospital.ok()) << to_hospital.status();
  ASSERT_EQ(to_hospital->size(), 1u);
  EXPECT_EQ((*to_hospital)[0].hospital_name, "安定医院");
  EXPECT_EQ(store->ListReferrals({}, {701}, 0, 10)->size(), 0u);  // another hospital's liaison
  EXPECT_EQ(store->ListReferrals({"/100/101/3/"}, {}, 0, 10)->size(), 0u);
  EXPECT_EQ(store->ListReferrals({"/100/101/1/"}, {}, 500, 10)->size(), 1u);

  // The hospital's side moves from the state it read; a stale write loses.
  crisis::Referral accepted = r;
  accepted.state = "accepted";
  accepted.accepted_at = kNow + 1;
  ASSERT_TRUE(store->UpdateReferral(accepted, "sent", kNothingElse).ok());
  EXPECT_EQ(store->UpdateReferral(accepted, "sent", kNothingElse).code(), absl::StatusCode::kAlreadyExists);
  auto read = store->GetReferral(800);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->state, "accepted");
  EXPECT_EQ((*read)->accepted_at, kNow + 1);

  // The return to school: one certificate per case, then the plan.
  crisis::Return back;
  back.id = 900;
  back.school_id = 1;
  back.case_id = 500;
  back.student_id = 42;
  back.unit_path = c.unit_path;
  back.certificate = "xq1:1:JVBERi0xLjQ=";
  back.certificate_name = "诊断证明.pdf";
  back.certificate_type = "application/pdf";
  back.created_by = 9;
  back.created_at = kNow + 2;
  ASSERT_TRUE(store->CreateReturn(back, kNothingElse).ok());
  crisis::Return twice = back;
  twice.id = 901;
  EXPECT_EQ(store->CreateReturn(twice, kNothingElse).code(), absl::StatusCode::kAlreadyExists);
  back.state = "planned";
  back.plan_neutral = "每周与班主任谈话一次";
  back.planned_at = kNow + 3;
  ASSERT_TRUE(store->PlanReturn(back, kNothingElse).ok());
  auto ret = store->ReturnOfCase(500);
  ASSERT_TRUE(ret.ok() && ret->has_value()) << ret.status();
  EXPECT_EQ((*ret)->state, "planned");
  EXPECT_EQ((*ret)->certificate, "xq1:1:JVBERi0xLjQ=");
  EXPECT_EQ(store->ListReturns({"/100/101/1/"}, 10)->size(), 1u);
  EXPECT_EQ(store->ListReturns({"/100/101/3/"}, 10)->size(), 0u);

  // Break-glass: open for its hour, then lapsed; reviewed once.
  crisis::BreakGlass b{.id = 1000,
                       .school_id = 1,
                       .case_id = 500,
                       .account_id = 10,
                       .role = "expert",
                       .reason = "夜间紧急",
                       .opened_at = kNow,
                       .expires_at = kNow + kHour};
  ASSERT_TRUE(store->CreateBreakGlass(b, kNothingElse).ok());
  EXPECT_TRUE(store->ActiveBreakGlass(10, 500, kNow + kHour - 1)->has_value());
  EXPECT_FALSE(store->ActiveBreakGlass(10, 500, kNow + kHour + 1)->has_value());
  EXPECT_FALSE(store->ActiveBreakGlass(9, 500, kNow + 1)->has_value());
  EXPECT_EQ(store->ListBreakGlass(true, 10)->size(), 1u);
  ASSERT_TRUE(store->ReviewBreakGlass(1000, 9, "合理", kNow + 2 * kHour, kNothingElse).ok());
  EXPECT_EQ(store->ReviewBreakGlass(1000, 9, "again", kNow + 3 * kHour, kNothingElse).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->ListBreakGlass(true, 10)->size(), 0u);
  auto all = store->ListBreakGlass(false, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].review_comment, "合理");
  EXPECT_EQ((*all)[0].reviewed_by, 9);
}

// What a failing `also` (the audit entry) leaves behind: nothing.
TEST_P(ContractTest, CrisisWritesAreNotKeptWithoutTheirAuditEntry) {
  Seed(Db());
  auto store = crisis::NewSociCrisisStore(Db());
  const audit::InTransaction failing = [](soci::session&) { return Internal("audit unavailable"); };
  EXPECT_FALSE(store->CreateCase(NewCase(500, 77), Record(600, "report", kNow), failing).ok());
  EXPECT_FALSE(store->GetCase(500)->has_value());
  EXPECT_EQ(*store->CaseOfSource("counselling", 77), 0);
  const crisis::Case c = NewCase(500, 77);
  ASSERT_TRUE(store->CreateCase(c, Record(600, "report", kNow), kNothingElse).ok());
  EXPECT_FALSE(
      store->Advance(c, "report", "assess", 9, kNow, false, kNow + 1, Record(602, "assess", kNow + 1), failing).ok());
  EXPECT_EQ((*store->GetCase(500))->step, "report");
  EXPECT_EQ(store->ListItems(500)->size(), 1u);
}

}  // namespace
}  // namespace xq::testing
