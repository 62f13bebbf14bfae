// Contract of NetworkStore on every backend: the students a reporter may
// pick (by class or dorm path, or by id; active only; keyset-paged), a
// reporter's own observations and the scope's, one weekly report per class
// and week with the silent classes, the risk-factor ledger, and no write
// kept when its audit entry fails.
#include "contract/fixture.h"
#include "core/status.h"
#include "network/network_store.h"

namespace xq::testing {
namespace {

constexpr int64_t kNow = 1'790'000'000'000'000;

// School 1 with classes 2 and 3 and dorm 4; students 42 (class 2, dorm 4),
// 43 (class 3), 44 (class 2, left school); reporters 9 and 10.
void Seed(db::Database& db) {
  ASSERT_TRUE(db.InTransaction([](soci::session& s) -> absl::Status {
                  InsertRows(s, "org_units (id, parent_id, kind, name, school_id, path, created_at)",
                             {"(1, NULL, 'school', '一中', 1, '/1/', 0)", "(2, 1, 'class', '1班', 1, '/1/2/', 0)",
                              "(3, 1, 'class', '2班', 1, '/1/3/', 0)", "(4, 1, 'dorm', '1号楼101', 1, '/1/4/', 0)"});
                  s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, dorm_id, unit_path, "
                       "created_at, updated_at) VALUES (42, 1, 'S1', '张三', 'M', 2, 4, '/1/2/', 0, 0)";
                  s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, created_at, "
                       "updated_at) VALUES (43, 1, 'S2', '李四', 'F', 3, '/1/3/', 0, 0)";
                  s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, status, "
                       "created_at, updated_at) VALUES (44, 1, 'S3', '王五', 'M', 2, '/1/2/', 'left', 0, 0)";
                  InsertRows(
                      s, "accounts (id, username, password_hash, display_name, person_type, created_at, updated_at)",
                      {"(9, 'peer', 'x', '史同学', 'student', 0, 0)", "(10, 'ht', 'x', '戴老师', 'staff', 0, 0)"});
                  return absl::OkStatus();
                }).ok());
}

std::vector<int64_t> IdsOf(const std::vector<network::Pickable>& v) {
  std::vector<int64_t> out;
  for (const auto& p : v) out.push_back(p.id);
  return out;
}

TEST_P(ContractTest, NetworkPickableStudentsByClassDormOrId) {
  Seed(Db());
  auto store = network::NewSociNetworkStore(Db());
  auto by_class = store->ListPickable({"/1/2/"}, {}, 0, 50);
  ASSERT_TRUE(by_class.ok()) << by_class.status();
  EXPECT_EQ(IdsOf(*by_class), std::vector<int64_t>{42});  // 44 has left
  EXPECT_EQ((*by_class)[0].class_name, "1班");
  EXPECT_EQ((*by_class)[0].dorm_path, "/1/4/");
  EXPECT_EQ(IdsOf(*store->ListPickable({"/1/4/"}, {}, 0, 50)), std::vector<int64_t>{42});  // a dorm leader
  EXPECT_EQ(IdsOf(*store->ListPickable({}, {43}, 0, 50)), std::vector<int64_t>{43});
  EXPECT_TRUE(store->ListPickable({}, {}, 0, 50)->empty());
  // Keyset pages.
  auto first = store->ListPickable({"/1/"}, {}, 0, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(IdsOf(*first), std::vector<int64_t>{42});
  EXPECT_EQ(IdsOf(*store->ListPickable({"/1/"}, {}, 42, 1)), std::vector<int64_t>{43});
  EXPECT_TRUE(store->ListPickable({"/1/"}, {}, 43, 1)->empty());
  auto one = store->GetStudent(43);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->name, "李四");
  EXPECT_FALSE(store->GetStudent(99)->has_value());
}

TEST_P(ContractTest, NetworkObservationsWeeklyReportsAndLedger) {
  Seed(Db());
  auto store = network::NewSociNetworkStore(Db());
  auto observe = [&](int64_t id, int64_t student, const std::string& path, int64_t reporter, int64_t at,
                     const audit::InTransaction& also, std::optional<network::RiskFactor> f = std::nullopt) {
    network::Observation o{.id = id,
                           .school_id = 1,
                           .student_id = student,
                           .unit_path = path,
                           .reporter_account_id = reporter,
                           .reporter_role = "peer_reporter",
                           .category = "emotional_crisis",
                           .urgency = "soon",
                           .what_seen = "情绪低落",
                           .created_at = at};
    return store->CreateObservation(o, f, also);
  };
  network::RiskFactor f{.id = 300,
                        .school_id = 1,
                        .student_id = 42,
                        .unit_path = "/1/2/",
                        .factor = "emotional_crisis",
                        .source = "observation",
                        .source_id = 100,
                        .start_date = "2026-09-10",
                        .recorded_by = 9,
                        .created_at = kNow,
                        .updated_at = kNow};
  ASSERT_TRUE(observe(100, 42, "/1/2/", 9, kNow, kNothingElse, f).ok());
  ASSERT_TRUE(observe(101, 43, "/1/3/", 10, kNow + 1, kNothingElse).ok());
  // Refused with its audit entry: neither the report nor its ledger entry.
  network::RiskFactor lost = f;
  lost.id = 301;
  EXPECT_FALSE(observe(102, 42, "/1/2/", 9, kNow + 2, kAuditFails, lost).ok());
  EXPECT_FALSE(store->GetFactor(301)->has_value());

  auto mine = store->ListObservations(9, {}, 0, 0, 50);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->size(), 1u);  // a reporter reads back only its own
  EXPECT_EQ((*mine)[0].id, 100);
  EXPECT_EQ((*mine)[0].student_name, "张三");
  auto school = store->ListObservations(0, {"/1/"}, 0, 0, 50);
  ASSERT_TRUE(school.ok());
  ASSERT_EQ(school->size(), 2u);
  EXPECT_EQ((*school)[0].id, 101);  // newest first
  auto older = store->ListObservations(0, {"/1/"}, (*school)[0].created_at, (*school)[0].id, 50);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].id, 100);
  EXPECT_EQ(store->ListObservations(0, {"/1/3/"}, 0, 0, 50)->size(), 1u);

  // One weekly report per class and week; "nothing to report" is a report.
  network::WeeklyReport w{.id = 200,
                          .school_id = 1,
                          .class_id = 2,
                          .class_path = "/1/2/",
                          .week = "2026-W37",
                          .reporter_account_id = 9,
                          .nothing_to_report = true,
                          .created_at = kNow};
  EXPECT_TRUE(*store->CreateWeekly(w, kNothingElse));
  w.id = 201;
  EXPECT_FALSE(*store->CreateWeekly(w, kNothingElse));  // the week is filed already
  auto weeks = store->ListClassWeeks({"/1/"}, "2026-W37", false, {}, "", 50);
  ASSERT_TRUE(weeks.ok()) << weeks.status();
  ASSERT_EQ(weeks->size(), 2u);
  EXPECT_EQ((*weeks)[0].class_name, "1班");
  EXPECT_TRUE((*weeks)[0].filed);
  EXPECT_TRUE((*weeks)[0].nothing_to_report);
  EXPECT_FALSE((*weeks)[1].filed);
  EXPECT_EQ((*weeks)[0].last_week, "2026-W37");
  EXPECT_EQ((*weeks)[1].last_week, "");
  auto silent = store->ListClassWeeks({"/1/"}, "2026-W38", true, {"2026-W37", "2026-W38"}, "", 50);
  ASSERT_TRUE(silent.ok());
  ASSERT_EQ(silent->size(), 1u);  // 2班 never filed; 1班 filed in W37
  EXPECT_EQ((*silent)[0].class_id, 3);
  auto page = store->ListClassWeeks({"/1/"}, "2026-W37", false, {}, "/1/2/", 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].class_id, 3);

  // The ledger: active, then resolved; listed newest first by scope.
  auto got = store->GetFactor(300);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->status, "active");
  EXPECT_FALSE(store->ResolveFactor(300, "2026-10-01", kNow + 5, kAuditFails).ok());
  EXPECT_EQ((*store->GetFactor(300))->status, "active");
  ASSERT_TRUE(store->ResolveFactor(300, "2026-10-01", kNow + 5, kNothingElse).ok());
  got = store->GetFactor(300);
  EXPECT_EQ((*got)->status, "resolved");
  EXPECT_EQ((*got)->end_date, "2026-10-01");
  network::RiskFactor other{.id = 310,
                            .school_id = 1,
                            .student_id = 43,
                            .unit_path = "/1/3/",
                            .factor = "academic_pressure",
                            .source = "talk",
                            .start_date = "2026-09-12",
                            .recorded_by = 10,
                            .created_at = kNow + 6,
                            .updated_at = kNow + 6};
  ASSERT_TRUE(store->CreateFactor(other, kNothingElse).ok());
  auto all = store->ListFactors({"/1/"}, "", 0, 0, 50);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, 310);
  EXPECT_EQ(store->ListFactors({"/1/"}, "active", 0, 0, 50)->size(), 1u);
  EXPECT_EQ(store->ListFactors({"/1/"}, "", 42, 0, 50)->size(), 1u);
  EXPECT_EQ(store->ListFactors({"/1/"}, "", 0, 310, 50)->size(), 1u);
  EXPECT_EQ(store->ListFactors({"/1/3/"}, "", 0, 0, 50)->size(), 1u);
}

}  // namespace
}  // namespace xq::testing
