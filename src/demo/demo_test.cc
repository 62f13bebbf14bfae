#include "demo/demo.h"

#include <unistd.h>

#include <filesystem>

#include "db/row.h"
#include "demo/names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace xq::demo {
namespace {

class DemoTest : public ::testing::Test {
 protected:
  std::unique_ptr<db::Database> Fresh() {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("xq_demo_" + std::to_string(::getpid()) + "_" + std::to_string(n_++) + ".db"))
                           .string();
    std::filesystem::remove(path);
    paths_.push_back(path);
    auto db = db::Database::Open("sqlite:" + path, {.pool_size = 1});
    EXPECT_TRUE(db.ok()) << db.status();
    EXPECT_TRUE(db::Migrate(**db).ok());
    return std::move(*db);
  }
  void TearDown() override {
    for (const auto& p : paths_)
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  }
  static long long Count(db::Database& db, const std::string& sql) {
    long long n = -1;
    EXPECT_TRUE(db.Run([&](soci::session& s) {
                    s << sql, soci::into(n);
                    return absl::OkStatus();
                  }).ok());
    return n;
  }
  static std::vector<std::string> FirstStudents(db::Database& db) {
    std::vector<std::string> out;
    EXPECT_TRUE(db.Run([&](soci::session& s) {
                    soci::rowset<soci::row> rs =
                        s.prepare << "SELECT id, student_no, name, sex, birth_date, unit_path FROM students "
                                     "ORDER BY id LIMIT 20";
                    for (const auto& r : rs)
                      out.push_back(std::to_string(db::GetInt(r, 0)) + "|" + db::GetStr(r, 1) + "|" + db::GetStr(r, 2) +
                                    "|" + db::GetStr(r, 3) + "|" + db::GetStr(r, 4) + "|" + db::GetStr(r, 5));
                    return absl::OkStatus();
                  }).ok());
    return out;
  }

  int n_ = 0;
  std::vector<std::string> paths_;
};

TEST(Names, ChineseNumbersAndNames) {
  EXPECT_EQ(ChineseNumber(1), "一");
  EXPECT_EQ(ChineseNumber(10), "十");
  EXPECT_EQ(ChineseNumber(20), "二十");
  EXPECT_EQ(ChineseNumber(105), "一百零五");
  EXPECT_EQ(ChineseNumber(118), "一百一十八");
  Rng rng(7);
  std::string name = PersonName(rng, true);
  EXPECT_GE(name.size(), 6u);  // two or three CJK characters
  EXPECT_LE(name.size(), 9u);
  EXPECT_EQ(SurnameOf("张三"), "张");
  EXPECT_EQ(MobilePhone(rng).size(), 11u);
}

TEST_F(DemoTest, SmallCityIsDeterministicAndComplete) {
  auto a = Fresh();
  auto b = Fresh();
  auto sa = Generate(*a, {.scale = Scale::kSmall, .seed = 42});
  ASSERT_TRUE(sa.ok()) << sa.status();
  auto sb = Generate(*b, {.scale = Scale::kSmall, .seed = 42});
  ASSERT_TRUE(sb.ok()) << sb.status();
  EXPECT_EQ(sa->students, sb->students);
  EXPECT_EQ(sa->org_units, sb->org_units);
  EXPECT_EQ(sa->staff, sb->staff);
  EXPECT_EQ(FirstStudents(*a), FirstStudents(*b));

  EXPECT_EQ(sa->districts, 2);
  EXPECT_EQ(sa->schools, 9);
  EXPECT_GT(sa->students, 2500);
  EXPECT_LT(sa->students, 3500);
  EXPECT_EQ(Count(*a, "SELECT COUNT(*) FROM students"), sa->students);
  EXPECT_EQ(Count(*a, "SELECT COUNT(DISTINCT school_kind) FROM org_units WHERE kind = 'school'"), 9);
  // Every student: one open membership, a guardian, a paired teacher.
  EXPECT_EQ(Count(*a, "SELECT COUNT(*) FROM class_memberships WHERE end_date IS NULL"), sa->students);
  EXPECT_EQ(Count(*a, "SELECT COUNT(DISTINCT student_id) FROM student_guardians"), sa->students);
  EXPECT_EQ(Count(*a, "SELECT COUNT(DISTINCT student_id) FROM pairings"), sa->students);
  // Referential integrity holds although checks were off while loading.
  EXPECT_EQ(Count(*a, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  // Universities hang under the city, with departments, classes and dorms.
  EXPECT_EQ(Count(*a,
                  "SELECT COUNT(*) FROM org_units s JOIN org_units c ON c.id = s.parent_id "
                  "WHERE s.school_kind = 'university' AND c.kind = 'city'"),
            1);
  EXPECT_GT(Count(*a, "SELECT COUNT(*) FROM org_units WHERE kind = 'department'"), 0);
  EXPECT_GT(Count(*a, "SELECT COUNT(*) FROM org_units WHERE kind = 'dorm'"), 0);
  EXPECT_GT(Count(*a, "SELECT COUNT(*) FROM students WHERE dorm_id IS NOT NULL"), 0);

  // Another seed gives other people.
  auto c = Fresh();
  ASSERT_TRUE(Generate(*c, {.scale = Scale::kSmall, .seed = 43}).ok());
  EXPECT_NE(FirstStudents(*a), FirstStudents(*c));
}

TEST_F(DemoTest, AccountsCoverEveryRoleWithTheRightScopes) {
  auto db = Fresh();
  ASSERT_TRUE(Generate(*db, {.scale = Scale::kSmall, .seed = 1}).ok());
  auto accounts = DemoAccounts(*db);
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ASSERT_EQ(accounts->size(), 20u);
  std::map<std::string, DemoAccount> by;
  std::set<std::string> roles;
  for (const auto& a : *accounts) {
    by[a.username] = a;
    roles.insert(a.role);
    EXPECT_EQ(a.password, "Xinqiao@2026");
    EXPECT_FALSE(a.role_label.empty()) << a.username;
    EXPECT_FALSE(a.display_name.empty()) << a.username;
  }
  EXPECT_EQ(roles.size(), 16u);  // every policy::Role
  EXPECT_NE(by["head_teacher"].scope_unit_id, by["head_teacher2"].scope_unit_id);
  EXPECT_EQ(by["peer_reporter"].scope_unit_id, by["head_teacher"].scope_unit_id);
  EXPECT_EQ(by["student"].scope_unit_id, by["head_teacher"].scope_unit_id);
  EXPECT_EQ(by["counsellor"].role, "head_teacher");
  EXPECT_EQ(by["dorm_leader"].role, "peer_reporter");
  EXPECT_EQ(by["district_admin"].scope_name, "和平区");
  EXPECT_EQ(by["city_admin"].scope_name, "天津市");
  // The two head teachers' classes are in the same grade; the subject
  // teacher is paired with students of head_teacher's class; the guardian's
  // child is the student account's person.
  EXPECT_EQ(Count(*db, "SELECT COUNT(DISTINCT parent_id) FROM org_units WHERE id IN (" +
                           std::to_string(by["head_teacher"].scope_unit_id) + "," +
                           std::to_string(by["head_teacher2"].scope_unit_id) + ")"),
            1);
  EXPECT_GT(Count(*db,
                  "SELECT COUNT(*) FROM pairings p JOIN accounts a ON a.person_id = p.staff_id "
                  "JOIN students s ON s.id = p.student_id WHERE a.username = 'subject_teacher' "
                  "AND s.class_id = " +
                      std::to_string(by["head_teacher"].scope_unit_id)),
            0);
  EXPECT_EQ(Count(*db,
                  "SELECT COUNT(*) FROM accounts g JOIN student_guardians sg ON sg.guardian_id = "
                  "g.person_id JOIN accounts s ON s.person_id = sg.student_id WHERE g.username = "
                  "'guardian' AND s.username = 'student'"),
            1);
  EXPECT_EQ(Count(*db,
                  "SELECT COUNT(*) FROM accounts a JOIN students s ON s.id = a.person_id "
                  "JOIN org_units d ON d.id = s.dorm_id WHERE a.username = 'dorm_leader' AND d.id = " +
                      std::to_string(by["dorm_leader"].scope_unit_id)),
            1);
}

TEST_F(DemoTest, RefusesNonEmptyDatabase) {
  auto db = Fresh();
  ASSERT_TRUE(Generate(*db, {.scale = Scale::kSmall, .seed = 1}).ok());
  auto again = Generate(*db, {.scale = Scale::kSmall, .seed = 1});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.status().message()), ::testing::HasSubstr("not empty"));
  EXPECT_FALSE(ScaleFromName("huge").has_value());
  EXPECT_EQ(ScaleFromName("city"), Scale::kCity);
}

}  // namespace
}  // namespace xq::demo
