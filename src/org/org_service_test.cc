#include "org/org_service.h"

#include <unistd.h>

#include <filesystem>

#include "core/status.h"
#include "db/row.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace xq::org {
namespace {

using policy::Role;
using ::testing::HasSubstr;

class OrgServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_org_svc_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    auto db = db::Database::Open("sqlite:" + path_, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    store_ = NewSociOrgStore(*db_, clock_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    svc_ = std::make_unique<OrgService>(*store_, *audit_, clock_);

    city_ = Unit(0, "city", "天津市");
    district_ = Unit(city_.id, "district", "和平区");
    school_ = Unit(district_.id, "school", "第一中学", "junior");
    other_school_ = Unit(district_.id, "school", "第二中学", "junior");
    grade_ = Unit(school_.id, "grade", "七年级");
    a_ = Unit(grade_.id, "class", "1班");
    b_ = Unit(grade_.id, "class", "2班");
    for (int i = 0; i < 3; ++i) in_a_.push_back(NewStudent(a_, "A" + std::to_string(i), "甲" + std::to_string(i)));
    for (int i = 0; i < 2; ++i) in_b_.push_back(NewStudent(b_, "B" + std::to_string(i), "乙" + std::to_string(i)));
    Guardian g;
    g.name = "甲父";
    g.phone = "13812345678";
    ASSERT_TRUE(store_->AddGuardian(in_a_[0], g, "父亲").ok());
    Staff t;
    t.org_unit_id = school_.id;
    t.name = "王老师";
    teacher_ = store_->CreateStaff(t)->id;
  }
  void TearDown() override {
    svc_.reset();
    audit_.reset();
    store_.reset();
    db_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }

  OrgUnit Unit(int64_t parent, std::string kind, std::string name, std::string sk = "") {
    OrgUnit u;
    u.parent_id = parent;
    u.kind = kind;
    u.name = name;
    u.school_kind = sk;
    auto r = store_->CreateUnit(u);
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  }
  int64_t NewStudent(const OrgUnit& cls, std::string no, std::string name) {
    Student s;
    s.school_id = cls.school_id;
    s.class_id = cls.id;
    s.student_no = no;
    s.name = name;
    s.sex = "M";
    s.birth_date = "2012-01-02";
    auto r = store_->CreateStudent(s, "2024-09-01");
    EXPECT_TRUE(r.ok()) << r.status();
    return r->id;
  }
  static policy::Actor As(Role role, const OrgUnit& unit, int64_t account = 7) {
    policy::Actor a;
    a.account_id = account;
    a.grants.push_back({role, unit.id, unit.path});
    return a;
  }
  long long Denials() {
    long long n = 0;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << "SELECT COUNT(*) FROM audit_log WHERE outcome = 'denied'", soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::vector<std::string> Names(const StudentList& l) {
    std::vector<std::string> out;
    for (const auto& it : l.items) out.push_back(it.record.student.name);
    return out;
  }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<OrgStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<OrgService> svc_;
  OrgUnit city_, district_, school_, other_school_, grade_, a_, b_;
  std::vector<int64_t> in_a_, in_b_;
  int64_t teacher_ = 0;
};

TEST_F(OrgServiceTest, HeadTeacherSeesOwnClassOnly) {
  policy::Actor head = As(Role::kHeadTeacher, a_);
  auto all = svc_->ListStudents(head, {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Names(*all), ::testing::ElementsAre("甲0", "甲1", "甲2"));
  EXPECT_EQ(all->total, 3);
  EXPECT_EQ(all->items[0].view, policy::View::kFull);

  // Another class of the same grade: 404, and the denial is audited.
  long long before = Denials();
  auto other = svc_->ListStudents(head, {.unit_id = b_.id});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(other.status()).value_or(""), "unit_id");
  EXPECT_EQ(Denials(), before + 1);
  EXPECT_EQ(svc_->GetStudent(head, in_b_[0]).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Denials(), before + 2);
  EXPECT_EQ(svc_->ListStudents(head, {.unit_id = 999}).status().code(), absl::StatusCode::kNotFound);

  auto mine = svc_->GetStudent(head, in_a_[0]);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->view, policy::View::kFull);
  ASSERT_EQ(mine->guardians.size(), 1u);
  EXPECT_EQ(mine->guardians[0].guardian.phone, "13812345678");
}

TEST_F(OrgServiceTest, PeerSubjectTeacherGuardianAndCityAdmin) {
  auto peer = svc_->ListStudents(As(Role::kPeerReporter, a_), {});
  ASSERT_TRUE(peer.ok());
  ASSERT_EQ(peer->items.size(), 3u);
  EXPECT_EQ(peer->items[0].view, policy::View::kNamesOnly);
  auto peer_one = svc_->GetStudent(As(Role::kPeerReporter, a_), in_a_[1]);
  ASSERT_TRUE(peer_one.ok());
  EXPECT_TRUE(peer_one->guardians.empty());  // no contact data for peers

  policy::Actor subject = As(Role::kSubjectTeacher, school_);
  subject.paired_student_ids = {in_b_[1]};
  auto paired = svc_->ListStudents(subject, {});
  ASSERT_TRUE(paired.ok());
  EXPECT_THAT(Names(*paired), ::testing::ElementsAre("乙1"));
  EXPECT_EQ(svc_->GetStudent(subject, in_a_[0]).status().code(), absl::StatusCode::kNotFound);
  // Within a unit of their scope, still only the paired student.
  EXPECT_TRUE(svc_->ListStudents(subject, {.unit_id = a_.id})->items.empty());

  policy::Actor guardian = As(Role::kGuardian, a_);
  guardian.child_ids = {in_a_[0]};
  EXPECT_THAT(Names(*svc_->ListStudents(guardian, {})), ::testing::ElementsAre("甲0"));

  policy::Actor student = As(Role::kStudent, a_);
  student.student_id = in_a_[2];
  EXPECT_THAT(Names(*svc_->ListStudents(student, {})), ::testing::ElementsAre("甲2"));

  // The city sees aggregates, never the roster.
  policy::Actor city = As(Role::kCityAdmin, city_);
  EXPECT_TRUE(svc_->ListStudents(city, {})->items.empty());
  EXPECT_EQ(svc_->GetStudent(city, in_a_[0]).status().code(), absl::StatusCode::kNotFound);
  auto cov = svc_->Coverage(city, school_.id);
  ASSERT_TRUE(cov.ok()) << cov.status();
  EXPECT_EQ(cov->students, 5);
}

TEST_F(OrgServiceTest, BrowsingStaysInScopeWithBreadcrumbs) {
  policy::Actor head = As(Role::kHeadTeacher, a_);
  auto roots = svc_->ListUnits(head, std::nullopt);
  ASSERT_TRUE(roots.ok());
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_EQ((*roots)[0].id, a_.id);
  EXPECT_FALSE((*roots)[0].has_children);
  EXPECT_EQ(svc_->ListUnits(head, school_.id).status().code(), absl::StatusCode::kNotFound);

  auto d = svc_->GetUnit(head, a_.id);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->ancestors.size(), 4u);
  EXPECT_EQ(d->ancestors[0].name, "天津市");
  EXPECT_EQ(d->ancestors[3].name, "七年级");
  EXPECT_EQ(d->students.value_or(-1), 3);
  auto up = svc_->GetUnit(head, school_.id);  // an ancestor: name only
  ASSERT_TRUE(up.ok());
  EXPECT_FALSE(up->students.has_value());
  EXPECT_EQ(svc_->GetUnit(head, b_.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->GetUnit(head, other_school_.id).status().code(), absl::StatusCode::kNotFound);

  policy::Actor leader = As(Role::kSchoolLeader, school_);
  auto kids = svc_->ListUnits(leader, school_.id);
  ASSERT_TRUE(kids.ok());
  ASSERT_EQ(kids->size(), 1u);
  EXPECT_TRUE((*kids)[0].has_children);
  EXPECT_EQ(svc_->GetUnit(leader, school_.id)->students.value_or(-1), 5);
}

TEST_F(OrgServiceTest, PagingAndSearch) {
  policy::Actor psych = As(Role::kPsychStaff, school_);
  std::vector<std::string> names;
  StudentListRequest r{.page_size = 2};
  for (int i = 0; i < 5; ++i) {
    auto page = svc_->ListStudents(psych, r);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 5);
    for (const auto& n : Names(*page)) names.push_back(n);
    if (page->next.empty()) break;
    r.after = page->next;
  }
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(svc_->ListStudents(psych, {.after = "zz"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->ListStudents(psych, {.page_size = 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->ListStudents(psych, {.q = "B1"})->total, 1);
  EXPECT_EQ(svc_->ListStudents(psych, {.q = "乙"})->total, 2);
}

TEST_F(OrgServiceTest, RosterImportNeedsTheSchoolDataAdmin) {
  const std::string csv =
      "学号,姓名,性别,年级,班级,家长姓名,家长电话\n"
      "N1,新生一,男,七年级,3班,新父,13900000001\n"
      "A0,甲0改,男,七年级,2班,,\n";
  policy::Actor admin = As(Role::kSchoolDataAdmin, school_);
  auto out = svc_->ImportRoster(admin, school_.id, csv);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->errors.empty());
  EXPECT_EQ(out->total, 2);
  EXPECT_EQ(out->counts.created, 1);
  EXPECT_EQ(out->counts.updated, 1);
  // The transfer of A0 kept its history.
  EXPECT_EQ(store_->Memberships(in_a_[0])->size(), 2u);

  auto bad = svc_->ImportRoster(admin, school_.id, "学号,姓名,性别,班级\nX1,某,男,1班\nX2,某,?,1班\n");
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->errors.size(), 1u);
  EXPECT_EQ(bad->errors[0].line, 3);
  EXPECT_EQ(bad->errors[0].column, 3);
  EXPECT_FALSE(store_->FindStudentByNo(school_.id, "X1")->has_value());  // all or nothing

  // A head teacher may know the school exists (403); another school's
  // admin may not (404). Both are audited.
  long long before = Denials();
  EXPECT_EQ(svc_->ImportRoster(As(Role::kHeadTeacher, a_), school_.id, csv).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->ImportRoster(As(Role::kSchoolDataAdmin, other_school_), school_.id, csv).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Denials(), before + 2);
}

TEST_F(OrgServiceTest, OperatorImportFindsTheSchoolByName) {
  auto out = svc_->ImportRosterAsOperator(std::nullopt, "学号,姓名,性别,学校,班级\nZ1,张,男,第二中学,1班\n");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->errors.empty()) << out->errors[0].reason;
  EXPECT_EQ(out->school.id, other_school_.id);
  auto missing = svc_->ImportRosterAsOperator(std::nullopt, "学号,姓名,性别,学校,班级\nZ1,张,男,无名学校,1班\n");
  ASSERT_TRUE(missing.ok());
  ASSERT_EQ(missing->errors.size(), 1u);
  EXPECT_EQ(missing->errors[0].column, 4);
  EXPECT_THAT(missing->errors[0].reason, HasSubstr("not found"));
}

TEST_F(OrgServiceTest, PairingWithinScopeAndCoverage) {
  policy::Actor admin = As(Role::kSchoolDataAdmin, school_);
  ASSERT_TRUE(svc_->Pair(admin, teacher_, in_a_[0]).ok());
  EXPECT_EQ(svc_->Pair(admin, teacher_, in_a_[0]).status().code(), absl::StatusCode::kAlreadyExists);
  policy::Actor head = As(Role::kHeadTeacher, a_);
  auto cov = svc_->Coverage(head, a_.id);
  ASSERT_TRUE(cov.ok()) << cov.status();
  EXPECT_EQ(cov->paired, 1);
  EXPECT_EQ(cov->students, 3);
  EXPECT_EQ(svc_->Coverage(head, b_.id).status().code(), absl::StatusCode::kNotFound);
  // A head teacher may not change pairings (403 for own students, 404 elsewhere).
  EXPECT_EQ(svc_->Pair(head, teacher_, in_a_[1]).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->Pair(head, teacher_, in_b_[1]).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->Pair(As(Role::kSchoolDataAdmin, other_school_), teacher_, in_a_[1]).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(svc_->Unpair(admin, teacher_, in_a_[0]).ok());
  EXPECT_EQ(svc_->Unpair(admin, teacher_, in_a_[0]).code(), absl::StatusCode::kNotFound);
}

TEST(Cursor, RoundTripsAndRejectsGarbage) {
  StudentCursor c{"/1/2/3/", "张三", 42};
  auto d = DecodeCursor(EncodeCursor(c));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->unit_path, c.unit_path);
  EXPECT_EQ(d->name, c.name);
  EXPECT_EQ(d->id, 42);
  EXPECT_FALSE(DecodeCursor("abc").has_value());
  EXPECT_FALSE(DecodeCursor("zz").has_value());
  EXPECT_FALSE(DecodeCursor(EncodeCursor({"not a path", "x", 1})).has_value());
}

}  // namespace
}  // namespace xq::org
