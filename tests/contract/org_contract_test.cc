// Contract of OrgStore on every backend: org tree paths, students and their
// class history, listing order and keyset paging, guardians, pairings and
// coverage, and the all-or-nothing roster import.
#include "contract/fixture.h"
#include "core/clock.h"
#include "gmock/gmock.h"
#include "org/org_store.h"

namespace xq::testing {
namespace {

using org::OrgUnit;

class OrgTree {
 public:
  explicit OrgTree(org::OrgStore& store) : store_(store) {}
  OrgUnit Add(int64_t parent, std::string kind, std::string name, std::string school_kind = "") {
    OrgUnit u;
    u.parent_id = parent;
    u.kind = std::move(kind);
    u.name = std::move(name);
    u.school_kind = std::move(school_kind);
    auto r = store_.CreateUnit(u);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : OrgUnit{};
  }

 private:
  org::OrgStore& store_;
};

org::Student NewStudent(const OrgUnit& cls, std::string no, std::string name) {
  org::Student s;
  s.school_id = cls.school_id;
  s.class_id = cls.id;
  s.student_no = std::move(no);
  s.name = std::move(name);
  s.sex = "F";
  return s;
}

TEST_P(ContractTest, OrgTreePathsAndChildren) {
  FakeClock clock;
  auto store = org::NewSociOrgStore(Db(), clock);
  OrgTree t(*store);
  OrgUnit city = t.Add(0, "city", "天津市");
  OrgUnit district = t.Add(city.id, "district", "和平区");
  OrgUnit school = t.Add(district.id, "school", "第一中学", "junior");
  OrgUnit grade = t.Add(school.id, "grade", "初一");
  OrgUnit cls = t.Add(grade.id, "class", "1班");
  OrgUnit univ = t.Add(city.id, "school", "天津大学", "university");

  EXPECT_EQ(cls.path, "/" + std::to_string(city.id) + "/" + std::to_string(district.id) + "/" +
                          std::to_string(school.id) + "/" + std::to_string(grade.id) + "/" + std::to_string(cls.id) +
                          "/");
  EXPECT_EQ(cls.school_id, school.id);
  EXPECT_EQ(cls.district_id, district.id);
  EXPECT_EQ(school.school_id, school.id);
  EXPECT_EQ(univ.district_id, 0);

  // R-01 shape rules.
  OrgUnit bad;
  bad.kind = "school";
  bad.name = "x";
  bad.school_kind = "junior";
  bad.parent_id = city.id;  // a junior school must hang under a district
  EXPECT_EQ(store->CreateUnit(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.kind = "department";
  bad.parent_id = school.id;  // departments are for higher education
  EXPECT_EQ(store->CreateUnit(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.kind = "dorm";
  bad.parent_id = 12345;  // no such parent
  EXPECT_EQ(store->CreateUnit(bad).status().code(), absl::StatusCode::kNotFound);

  auto kids = store->ListChildren(city.id);
  ASSERT_TRUE(kids.ok()) << kids.status();
  ASSERT_EQ(kids->size(), 2u);
  EXPECT_EQ((*kids)[0].name, "和平区");
  EXPECT_TRUE((*kids)[0].has_children);
  EXPECT_EQ((*kids)[1].name, "天津大学");
  EXPECT_FALSE((*kids)[1].has_children);
  EXPECT_EQ((*kids)[1].school_kind, "university");

  auto got = store->GetUnit(grade.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->path, grade.path);
  EXPECT_EQ(store->GetUnit(999).status().code(), absl::StatusCode::kNotFound);
  auto units = store->GetUnits({cls.id, 999, city.id});
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0].id, cls.id);
  EXPECT_EQ((*units)[1].id, city.id);
  auto found = store->FindSchoolsByName("第一中学");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, school.id);
}

TEST_P(ContractTest, StudentsTransfersGuardiansAndPairings) {
  FakeClock clock;
  auto store = org::NewSociOrgStore(Db(), clock);
  OrgTree t(*store);
  OrgUnit city = t.Add(0, "city", "天津市");
  OrgUnit district = t.Add(city.id, "district", "和平区");
  OrgUnit school = t.Add(district.id, "school", "第一中学", "junior");
  OrgUnit grade = t.Add(school.id, "grade", "初一");
  OrgUnit c1 = t.Add(grade.id, "class", "1班");
  OrgUnit c2 = t.Add(grade.id, "class", "2班");

  auto s = store->CreateStudent(NewStudent(c1, "2024001", "张三"), "2024-09-01");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->grade_id, grade.id);
  EXPECT_EQ(s->unit_path, c1.path);
  // 学号 is unique per school.
  EXPECT_EQ(store->CreateStudent(NewStudent(c2, "2024001", "李四"), "2024-09-01").status().code(),
            absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(store->TransferStudent(s->id, c2.id, "2025-02-20").ok());
  auto rec = store->GetStudent(s->id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->student.class_id, c2.id);
  EXPECT_EQ(rec->class_name, "2班");
  EXPECT_EQ(rec->grade_name, "初一");
  EXPECT_EQ(rec->school_name, "第一中学");
  auto hist = store->Memberships(s->id);
  ASSERT_TRUE(hist.ok());
  ASSERT_EQ(hist->size(), 2u);
  EXPECT_EQ((*hist)[0].class_id, c1.id);
  EXPECT_EQ((*hist)[0].start_date, "2024-09-01");
  EXPECT_EQ((*hist)[0].end_date, "2025-02-20");
  EXPECT_EQ((*hist)[1].class_id, c2.id);
  EXPECT_EQ((*hist)[1].end_date, "");
  EXPECT_EQ(store->TransferStudent(s->id, 4242, "2025-02-21").code(), absl::StatusCode::kInvalidArgument);

  auto by_no = store->FindStudentByNo(school.id, "2024001");
  ASSERT_TRUE(by_no.ok() && by_no->has_value());
  EXPECT_EQ((*by_no)->id, s->id);
  EXPECT_FALSE(store->FindStudentByNo(school.id, "nope")->has_value());

  org::Guardian g;
  g.name = "张父";
  g.phone = "13812345678";
  ASSERT_TRUE(store->AddGuardian(s->id, g, "父亲").ok());
  auto gs = store->GuardiansOf(s->id);
  ASSERT_TRUE(gs.ok());
  ASSERT_EQ(gs->size(), 1u);
  EXPECT_EQ((*gs)[0].guardian.phone, "13812345678");
  EXPECT_EQ((*gs)[0].relation, "父亲");
  EXPECT_EQ((*gs)[0].guardian.school_id, school.id);

  org::Staff teacher;
  teacher.org_unit_id = school.id;
  teacher.name = "王老师";
  auto staff = store->CreateStaff(teacher);
  ASSERT_TRUE(staff.ok()) << staff.status();
  EXPECT_EQ(staff->school_id, school.id);
  auto s2 = store->CreateStudent(NewStudent(c1, "2024002", "李四"), "2024-09-01");
  ASSERT_TRUE(s2.ok());
  auto cov = store->Coverage(school.path);
  ASSERT_TRUE(cov.ok());
  EXPECT_EQ(cov->students, 2);
  EXPECT_EQ(cov->paired, 0);
  ASSERT_TRUE(store->Pair(staff->id, s->id).ok());
  EXPECT_EQ(store->Pair(staff->id, s->id).status().code(), absl::StatusCode::kAlreadyExists);
  cov = store->Coverage(school.path);
  EXPECT_EQ(cov->paired, 1);
  EXPECT_DOUBLE_EQ(cov->percent(), 50.0);
  EXPECT_EQ(store->Coverage(c2.path)->percent(), 100.0);
  EXPECT_THAT(*store->PairedStudentIds(staff->id), ::testing::ElementsAre(s->id));
  ASSERT_TRUE(store->Unpair(staff->id, s->id).ok());
  EXPECT_EQ(store->Unpair(staff->id, s->id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store->CountStudents(grade.path), 2);
  EXPECT_EQ(*store->CountStudents(c2.path), 1);
}

TEST_P(ContractTest, StudentListingScopesOrderAndPaging) {
  FakeClock clock;
  auto store = org::NewSociOrgStore(Db(), clock);
  OrgTree t(*store);
  OrgUnit city = t.Add(0, "city", "天津市");
  OrgUnit univ = t.Add(city.id, "school", "天津大学", "university");
  OrgUnit dept = t.Add(univ.id, "department", "计算机学院");
  OrgUnit c1 = t.Add(dept.id, "class", "软件1班");
  OrgUnit c2 = t.Add(dept.id, "class", "软件2班");
  OrgUnit dorm = t.Add(univ.id, "dorm", "1号楼101");
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto st = NewStudent(i < 3 ? c1 : c2, "S" + std::to_string(i), "name" + std::to_string(i));
    if (i == 4) st.dorm_id = dorm.id;
    auto r = store->CreateStudent(st, "2024-09-01");
    ASSERT_TRUE(r.ok()) << r.status();
    ids.push_back(r->id);
  }
  org::StudentQuery q;
  q.path_prefixes = {dept.path};
  q.limit = 2;
  std::vector<std::string> names;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = store->ListStudents(q);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 5);
    for (const auto& r : page->items) names.push_back(r.student.name);
    if (!page->more) break;
    const auto& last = page->items.back();
    q.after = org::StudentCursor{last.student.unit_path, last.student.name, last.student.id};
  }
  EXPECT_THAT(names, ::testing::ElementsAre("name0", "name1", "name2", "name3", "name4"));

  // Dorm scope (寝室长) reaches the student through the dorm path.
  org::StudentQuery dq;
  dq.path_prefixes = {dorm.path};
  auto dp = store->ListStudents(dq);
  ASSERT_TRUE(dp.ok());
  ASSERT_EQ(dp->items.size(), 1u);
  EXPECT_EQ(dp->items[0].dorm_name, "1号楼101");
  EXPECT_EQ(dp->items[0].dorm_path, dorm.path);

  // Explicit ids (paired students), within a unit, and a name/学号 prefix.
  org::StudentQuery iq;
  iq.student_ids = {ids[0], ids[4]};
  iq.within_path = c2.path;
  auto ip = store->ListStudents(iq);
  ASSERT_TRUE(ip.ok());
  ASSERT_EQ(ip->items.size(), 1u);
  EXPECT_EQ(ip->items[0].student.id, ids[4]);
  org::StudentQuery pq;
  pq.path_prefixes = {univ.path};
  pq.q = "S3";
  EXPECT_EQ(store->ListStudents(pq)->total, 1);
  pq.q = "name";
  EXPECT_EQ(store->ListStudents(pq)->total, 5);
  pq.q = "n%";  // wildcards are literal
  EXPECT_EQ(store->ListStudents(pq)->total, 0);
  // Nothing readable → nothing listed.
  EXPECT_TRUE(store->ListStudents(org::StudentQuery{})->items.empty());
}

TEST_P(ContractTest, RosterApplyCreatesUnitsAndUpdatesByStudentNo) {
  FakeClock clock;
  auto store = org::NewSociOrgStore(Db(), clock);
  OrgTree t(*store);
  OrgUnit city = t.Add(0, "city", "天津市");
  OrgUnit district = t.Add(city.id, "district", "和平区");
  OrgUnit school = t.Add(district.id, "school", "第一中学", "junior");

  std::vector<org::RosterEntry> rows(2);
  rows[0] = {.line = 2,
             .student_no = "1",
             .name = "张三",
             .sex = "M",
             .birth_date = "2012-03-04",
             .grade = "初一",
             .class_name = "1班",
             .guardian_name = "张父",
             .guardian_phone = "13812345678"};
  rows[1] = {.line = 3, .student_no = "2", .name = "李四", .sex = "F", .grade = "初一", .class_name = "2班"};
  auto r = store->ApplyRoster(school, rows);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 2);
  EXPECT_EQ(r->updated, 0);
  auto grades = store->ListChildren(school.id);
  ASSERT_EQ(grades->size(), 1u);
  EXPECT_EQ((*grades)[0].kind, "grade");
  EXPECT_EQ(store->ListChildren((*grades)[0].id)->size(), 2u);

  // Re-import: 张三 moves to 2班, the guardian's phone changes; no duplicates.
  rows[0].class_name = "2班";
  rows[0].guardian_phone = "13900000000";
  clock.Advance(86'400'000'000LL * 30);
  r = store->ApplyRoster(school, rows);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 0);
  EXPECT_EQ(r->updated, 2);
  EXPECT_EQ(*store->CountStudents(school.path), 2);
  auto zs = store->FindStudentByNo(school.id, "1");
  ASSERT_TRUE(zs.ok() && zs->has_value());
  EXPECT_EQ((*zs)->birth_date, "2012-03-04");
  auto hist = store->Memberships((*zs)->id);
  ASSERT_EQ(hist->size(), 2u);
  EXPECT_FALSE((*hist)[0].end_date.empty());
  auto gs = store->GuardiansOf((*zs)->id);
  ASSERT_EQ(gs->size(), 1u);
  EXPECT_EQ((*gs)[0].guardian.phone, "13900000000");
  EXPECT_EQ(store->ListChildren((*grades)[0].id)->size(), 2u);  // no new classes

  // A failing row rolls back everything written before it.
  std::vector<org::RosterEntry> bad(2);
  bad[0] = {.line = 2, .student_no = "3", .name = "王五", .sex = "M", .class_name = "3班"};
  bad[1] = {.line = 3, .student_no = "4", .name = "赵六", .sex = "X", .class_name = "3班"};
  OrgUnit fake_school = school;
  fake_school.id = 987654321;  // students.school_id must reference a unit
  EXPECT_FALSE(store->ApplyRoster(fake_school, bad).ok());
  EXPECT_EQ(*store->CountStudents(school.path), 2);
  EXPECT_FALSE(store->FindStudentByNo(school.id, "3")->has_value());
}

}  // namespace
}  // namespace xq::testing
