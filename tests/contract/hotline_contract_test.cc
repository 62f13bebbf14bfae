// Contract of HotlineStore on every backend: units and schools under a
// path, a unit's lines replaced whole (or not at all when the audit entry
// fails) with the time of the change, where a student belongs, awareness
// confirmed once per person (the newest kept), class meetings, and the
// per-class counts behind the awareness rates.
#include "contract/fixture.h"
#include "core/status.h"
#include "counselling/hotline_store.h"

namespace xq::testing {
namespace {

constexpr int64_t kNow = 1'790'000'000'000'000;

// City 100, school 1 with classes 2 and 3, school 5; students 42 and 43 in
// class 2, 44 in class 3, 45 in class 3 but left.
void Seed(db::Database& db) {
  ASSERT_TRUE(
      db.InTransaction([](soci::session& s) -> absl::Status {
          InsertRows(s, "org_units (id, parent_id, kind, name, school_id, path, created_at)",
                     {"(100, NULL, 'city', '天津市', 0, '/100/', 0)", "(1, 100, 'school', '一中', 1, '/100/1/', 0)",
                      "(2, 1, 'class', '1班', 1, '/100/1/2/', 0)", "(3, 1, 'class', '2班', 1, '/100/1/3/', 0)",
                      "(5, 100, 'school', '二中', 5, '/100/5/', 0)"});
          InsertRows(
              s, "students (id, school_id, student_no, name, sex, class_id, unit_path, status, created_at, updated_at)",
              {"(42, 1, 'S1', '张三', 'M', 2, '/100/1/2/', 'active', 0, 0)",
               "(43, 1, 'S2', '李四', 'F', 2, '/100/1/2/', 'active', 0, 0)",
               "(44, 1, 'S3', '王五', 'M', 3, '/100/1/3/', 'active', 0, 0)",
               "(45, 1, 'S4', '赵六', 'F', 3, '/100/1/3/', 'left', 0, 0)"});
          s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, "
               "updated_at) VALUES (9, 'admin', 'x', '谭老师', 'staff', 0, 0)";
          return absl::OkStatus();
        }).ok());
}

TEST_P(ContractTest, HotlineLinesReplacedWholeWithTheirChange) {
  Seed(Db());
  auto store = counselling::NewSociHotlineStore(Db());
  auto school = store->Unit(1);
  ASSERT_TRUE(school.ok() && school->has_value()) << school.status();
  EXPECT_EQ((*school)->kind, "school");
  EXPECT_EQ((*school)->path, "/100/1/");
  EXPECT_FALSE(store->Unit(99)->has_value());
  auto kids = store->Children(100);
  ASSERT_TRUE(kids.ok());
  ASSERT_EQ(kids->size(), 2u);
  EXPECT_EQ((*kids)[0].name, "一中");  // by name
  auto under_city = store->SchoolsUnder("/100/");
  ASSERT_TRUE(under_city.ok());
  EXPECT_EQ(under_city->size(), 2u);
  auto from_class = store->SchoolsUnder("/100/1/2/");  // a class: its own school
  ASSERT_TRUE(from_class.ok());
  ASSERT_EQ(from_class->size(), 1u);
  EXPECT_EQ((*from_class)[0].id, 1);

  EXPECT_TRUE(store->Lines(1)->empty());
  EXPECT_EQ(*store->LastChange({100, 1}), 0);
  const std::vector<counselling::HotlineLine> lines = {
      {"天津市心理援助热线", "022-88188858", "24小时", ""},
      {"学校心理中心", "022-12345678", "工作日 8:00-17:00", "寒暑假除外"}};
  ASSERT_TRUE(store->ReplaceLines(**school, lines, 9, kNow, kNothingElse).ok());
  auto read = store->Lines(1);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].number, "022-88188858");  // in the order given
  EXPECT_EQ((*read)[1].note, "寒暑假除外");
  EXPECT_EQ(*store->LastChange({100, 1}), kNow);
  EXPECT_EQ(*store->LastChange({100, 5}), 0);
  // Refused with its audit entry: the old lines and the old change stay.
  EXPECT_FALSE(store->ReplaceLines(**school, {{"新热线", "110", "", ""}}, 9, kNow + 1, kAuditFails).ok());
  EXPECT_EQ(store->Lines(1)->size(), 2u);
  EXPECT_EQ(*store->LastChange({1}), kNow);
  ASSERT_TRUE(store->ReplaceLines(**school, {lines[1]}, 9, kNow + 2, kNothingElse).ok());
  EXPECT_EQ(store->Lines(1)->size(), 1u);
  EXPECT_EQ(*store->LastChange({1}), kNow + 2);
}

TEST_P(ContractTest, HotlineAwarenessOncePerPersonAndCountsByClass) {
  Seed(Db());
  auto store = counselling::NewSociHotlineStore(Db());
  auto place = store->PlaceOf(42);
  ASSERT_TRUE(place.ok() && place->has_value()) << place.status();
  EXPECT_EQ((*place)->school_id, 1);
  EXPECT_EQ((*place)->class_id, 2);
  EXPECT_EQ((*place)->unit_path, "/100/1/2/");
  EXPECT_FALSE(store->PlaceOf(99)->has_value());

  EXPECT_FALSE(store->Awareness("student", 42)->has_value());
  counselling::AwarenessRecord r{.person_type = "student",
                                 .person_id = 42,
                                 .school_id = 1,
                                 .class_id = 2,
                                 .account_id = 0,
                                 .via = "sign_in",
                                 .confirmed_at = kNow};
  ASSERT_TRUE(store->Confirm(r, kNothingElse).ok());
  r.via = "class_meeting";
  r.confirmed_at = kNow + 10;
  ASSERT_TRUE(store->Confirm(r, kNothingElse).ok());  // the newest is kept, once
  auto mine = store->Awareness("student", 42);
  ASSERT_TRUE(mine.ok() && mine->has_value());
  EXPECT_EQ((*mine)->confirmed_at, kNow + 10);
  EXPECT_EQ((*mine)->via, "class_meeting");
  r.person_id = 43;
  EXPECT_FALSE(store->Confirm(r, kAuditFails).ok());
  EXPECT_FALSE(store->Awareness("student", 43)->has_value());

  EXPECT_EQ(*store->LastClassMeeting(2), 0);
  ASSERT_TRUE(store->MarkClassMeeting(1, 2, 9, kNow + 5, kNothingElse).ok());
  ASSERT_TRUE(store->MarkClassMeeting(1, 2, 9, kNow + 7, kNothingElse).ok());
  EXPECT_EQ(*store->LastClassMeeting(2), kNow + 7);
  EXPECT_EQ(*store->LastClassMeeting(3), 0);

  auto counts = store->CountByClass(1, "/100/1/", kNow);
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].class_id, 2);
  EXPECT_EQ((*counts)[0].students, 2);
  EXPECT_EQ((*counts)[0].confirmed, 1);
  EXPECT_EQ((*counts)[1].class_id, 3);
  EXPECT_EQ((*counts)[1].students, 1);  // 45 has left
  EXPECT_EQ((*counts)[1].confirmed, 0);
  // Confirmed before the hotlines last changed: not counted.
  EXPECT_EQ((*store->CountByClass(1, "/100/1/", kNow + 11))[0].confirmed, 0);
  auto one_class = store->CountByClass(1, "/100/1/3/", 0);
  ASSERT_TRUE(one_class.ok());
  ASSERT_EQ(one_class->size(), 1u);
  EXPECT_EQ((*one_class)[0].class_path, "/100/1/3/");
}

}  // namespace
}  // namespace xq::testing
