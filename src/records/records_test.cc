#include <unistd.h>

#include <filesystem>

#include "core/clock.h"
#include "core/status.h"
#include "db/migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "records/demo_data.h"
#include "records/events.h"
#include "records/facts.h"
#include "records/model.h"
#include "records/records_service.h"
#include "records/records_store.h"
#include "records/table_file.h"

namespace xq::records {
namespace {

using policy::Role;
using ::testing::HasSubstr;

// ---- validation ----

TEST(ParseValues, AcceptsLabelsCodesAndBoolWords) {
  std::vector<FieldError> errs;
  Values v =
      ParseValues(*FindKind("staff"),
                  {{"name", " 王静 "}, {"employment", "专职"}, {"certified", "是"}, {"since", "2020-09-01"}}, 0, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  EXPECT_EQ(v["name"].text, "王静");
  EXPECT_EQ(v["employment"].text, "full_time");
  EXPECT_EQ(v["certified"].num, 1);
  EXPECT_EQ(v.count("qualification"), 0u);
  errs.clear();
  v = ParseValues(*FindKind("staff"), {{"name", "李"}, {"employment", "part_time"}, {"certified", "0"}}, 0, errs);
  ASSERT_TRUE(errs.empty());
  EXPECT_EQ(v["certified"].num, 0);
}

TEST(ParseValues, NamesEveryBadFieldAndRow) {
  std::vector<FieldError> errs;
  ParseValues(*FindKind("training"),
              {{"title", ""},
               {"trainee_role", "校长"},
               {"trainees", "2.5"},
               {"hours", "-1"},
               {"mental_health", "也许"},
               {"date", "2026-02-30"},
               {"certificate", "D"},
               {"colour", "red"}},
              7, errs);
  std::map<std::string, std::string> by_field;
  for (const auto& e : errs) {
    EXPECT_EQ(e.row, 7);
    by_field[e.field] = e.message;
  }
  EXPECT_THAT(by_field["title"], HasSubstr("必填"));
  EXPECT_THAT(by_field["trainee_role"], HasSubstr("班主任"));
  EXPECT_THAT(by_field["trainees"], HasSubstr("整数"));
  EXPECT_THAT(by_field["hours"], HasSubstr("之间"));
  EXPECT_THAT(by_field["mental_health"], HasSubstr("是"));
  EXPECT_THAT(by_field["date"], HasSubstr("日期"));
  EXPECT_THAT(by_field["certificate"], HasSubstr("A"));
  EXPECT_EQ(by_field.count("colour"), 1u);
  EXPECT_EQ(errs.size(), 8u);
}

TEST(ParseValues, LeapDayAndBoundaries) {
  std::vector<FieldError> errs;
  ParseValues(*FindKind("courses"), {{"course_type", "班级课时"}, {"name", "1班"}, {"periods_per_week", "40"}}, 0,
              errs);
  EXPECT_TRUE(errs.empty());
  ParseValues(*FindKind("courses"), {{"course_type", "班级课时"}, {"name", "1班"}, {"periods_per_week", "40.5"}}, 0,
              errs);
  EXPECT_EQ(errs.size(), 1u);
  errs.clear();
  ParseValues(*FindKind("activities"), {{"activity", "other"}, {"name", "x"}, {"held", "1"}, {"date", "2028-02-29"}}, 0,
              errs);
  EXPECT_TRUE(errs.empty());
  ParseValues(*FindKind("activities"), {{"activity", "other"}, {"name", "x"}, {"held", "1"}, {"date", "2027-02-29"}}, 0,
              errs);
  EXPECT_EQ(errs.size(), 1u);
}

TEST(KindFitsUnit, SchoolDistrictAndBoth) {
  EXPECT_TRUE(KindFitsUnit(*FindKind("staff"), "school"));
  EXPECT_FALSE(KindFitsUnit(*FindKind("staff"), "district"));
  EXPECT_TRUE(KindFitsUnit(*FindKind("research"), "city"));
  EXPECT_FALSE(KindFitsUnit(*FindKind("research"), "school"));
  EXPECT_TRUE(KindFitsUnit(*FindKind("training"), "district"));
  EXPECT_TRUE(KindFitsUnit(*FindKind("training"), "school"));
  EXPECT_FALSE(KindFitsUnit(*FindKind("funding"), "class"));
}

// ---- files ----

TEST(ReadTable, CsvWithBomQuotesAndCrLf) {
  auto t = ReadTable("\xEF\xBB\xBF姓名,专兼职\r\n\"王,静\",专职\r\n\"说\"\"明\",兼职\n");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].cells[0], "姓名");
  EXPECT_EQ((*t)[1].cells[0], "王,静");
  EXPECT_EQ((*t)[1].line, 2);
  EXPECT_EQ((*t)[2].cells[0], "说\"明");
  EXPECT_EQ((*t)[2].line, 3);
}

TEST(ReadTable, TemplateRoundTripsThroughTheXlsxReader) {
  const KindSpec& k = *FindKind("rooms");
  std::vector<Values> rows(2);
  rows[0]["name"] = Value{std::nullopt, "心理辅导室 & 沙盘 <一>"};
  rows[0]["area_m2"] = Value{80.5, ""};
  rows[0]["privacy"] = Value{1, ""};
  rows[1]["name"] = Value{std::nullopt, "分部"};
  auto bytes = WriteTemplate(k, rows);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(bytes->starts_with("PK\x03\x04"));
  auto t = ReadTable(*bytes);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 3u);
  ASSERT_EQ((*t)[0].cells.size(), k.fields.size());
  for (size_t i = 0; i < k.fields.size(); ++i) EXPECT_EQ((*t)[0].cells[i], k.fields[i].label_zh);
  EXPECT_EQ((*t)[1].cells[0], "心理辅导室 & 沙盘 <一>");
  EXPECT_EQ((*t)[1].cells[1], "80.5");
  EXPECT_EQ((*t)[1].cells.back(), "是");
  EXPECT_EQ((*t)[2].line, 3);
  EXPECT_EQ((*t)[2].cells[0], "分部");
}

TEST(ReadTable, RejectsBrokenXlsxAndBinary) {
  EXPECT_FALSE(ReadTable(std::string("PK\x03\x04garbage", 11)).ok());
  EXPECT_FALSE(ReadTable(std::string("a,b\0c", 5)).ok());
}

TEST(ExcelSerialToDate, KnownDays) {
  EXPECT_EQ(ExcelSerialToDate(45901), "2025-09-01");
  EXPECT_EQ(ExcelSerialToDate(25569), "1970-01-01");
  EXPECT_EQ(ExcelSerialToDate(0), "");
}

// ---- database fixture ----

class RecordsDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_records_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    db_ = std::move(db::Database::Open("sqlite:" + path_, {.pool_size = 2}).value());
    ASSERT_TRUE(db::Migrate(*db_).ok());
    store_ = NewSociRecordsStore(*db_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    svc_ = std::make_unique<RecordsService>(*store_, *audit_, clock_);
    Unit(1, 0, "city", "天津市", "/1/", 0, 0, "");
    Unit(2, 1, "district", "和平区", "/1/2/", 0, 0, "");
    Unit(3, 2, "school", "第一中学", "/1/2/3/", 3, 2, "junior");
    Unit(4, 2, "school", "第二中学", "/1/2/4/", 4, 2, "junior");
    Unit(5, 3, "class", "1班", "/1/2/3/5/", 3, 2, "");
    Unit(6, 1, "district", "河西区", "/1/6/", 0, 0, "");
  }
  void TearDown() override {
    svc_.reset();
    audit_.reset();
    store_.reset();
    db_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }
  void Unit(long long id, long long parent, std::string kind, std::string name, std::string path, long long school,
            long long district, std::string sk) {
    ASSERT_TRUE(db_->Run([&](soci::session& s) {
                     long long p = parent;
                     soci::indicator pi = parent ? soci::i_ok : soci::i_null;
                     s << "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, district_id, "
                          "path, created_at) VALUES (:id, :p, :k, :n, :sk, :s, :d, :path, 0)",
                         soci::use(id), soci::use(p, pi), soci::use(kind), soci::use(name), soci::use(sk),
                         soci::use(school), soci::use(district), soci::use(path);
                     return absl::OkStatus();
                   })
                    .ok());
  }
  static policy::Actor As(int64_t account, std::vector<std::pair<Role, std::pair<int64_t, std::string>>> grants) {
    policy::Actor a;
    a.account_id = account;
    for (auto& [role, unit] : grants) a.grants.push_back({role, unit.first, unit.second});
    return a;
  }
  int64_t Count(const std::string& sql) {
    long long n = -1;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << sql, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::map<std::string, double> Facts(int64_t school, int year) {
    std::map<std::string, double> out;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     auto f = SchoolFacts(s, school, year);
                     if (!f.ok()) return f.status();
                     out = *f;
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }
  std::map<std::string, double> UFacts(int64_t unit, int year) {
    std::map<std::string, double> out;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     auto f = UnitFacts(s, unit, year);
                     if (!f.ok()) return f.status();
                     out = *f;
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }
  absl::StatusOr<Record> Add(const policy::Actor& a, std::string kind, int64_t unit,
                             std::map<std::string, std::string> f, int year = 2026) {
    return svc_->Create(a, {kind, unit, year, std::move(f)});
  }

  std::string path_;
  FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<RecordsStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<RecordsService> svc_;
  // A psychology teacher of school 3 who also heads its class 1班.
  policy::Actor psych_head_ = As(10, {{Role::kPsychStaff, {3, "/1/2/3/"}}, {Role::kHeadTeacher, {5, "/1/2/3/5/"}}});
  policy::Actor head_only_ = As(11, {{Role::kHeadTeacher, {5, "/1/2/3/5/"}}});
  policy::Actor data_admin_ = As(12, {{Role::kSchoolDataAdmin, {3, "/1/2/3/"}}});
  policy::Actor district_ = As(13, {{Role::kDistrictAdmin, {2, "/1/2/"}}});
  policy::Actor liaison_ = As(14, {{Role::kDistrictLiaison, {2, "/1/2/"}}});
  policy::Actor city_ = As(15, {{Role::kCityAdmin, {1, "/1/"}}});
  policy::Actor student_ = As(16, {{Role::kStudent, {5, "/1/2/3/5/"}}});
};

TEST_F(RecordsDbTest, SchoolStaffWriteOwnSchoolOnly) {
  auto r = Add(psych_head_, "staff", 3, {{"name", "王静"}, {"employment", "专职"}, {"certified", "是"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->school_id, 3);
  auto other = Add(psych_head_, "staff", 4, {{"name", "王静"}, {"employment", "专职"}, {"certified", "是"}});
  EXPECT_TRUE(absl::IsNotFound(other.status())) << other.status();
  auto by_head = Add(head_only_, "staff", 3, {{"name", "王静"}, {"employment", "专职"}, {"certified", "是"}});
  EXPECT_TRUE(absl::IsPermissionDenied(by_head.status())) << by_head.status();
  EXPECT_TRUE(absl::IsPermissionDenied(svc_->List(student_, {.kind = "staff"}).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(svc_->Template(head_only_, "staff").status()));
  // Kind at the wrong level, bad year, unknown kind.
  auto research = Add(data_admin_, "research", 3, {{"name", "x"}, {"full_time", "是"}});
  EXPECT_EQ(FieldOf(research.status()), "unit_id");
  EXPECT_EQ(FieldOf(Add(data_admin_, "staff", 3, {}, 1999).status()), "school_year");
  EXPECT_EQ(FieldOf(Add(data_admin_, "nope", 3, {}).status()), "kind");
  std::vector<FieldError> errs;
  auto bad = svc_->Create(data_admin_, {"staff", 3, 2026, {{"name", ""}, {"employment", "x"}}}, &errs);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_EQ(errs.size(), 3u);  // name, employment, certified
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'records.changed'"), 1);
  EXPECT_GE(Count("SELECT COUNT(*) FROM audit_log WHERE outcome = 'denied'"), 3);
}

TEST_F(RecordsDbTest, DistrictReadsItsSchoolsAndWritesItsOwn) {
  ASSERT_TRUE(Add(data_admin_, "funding", 3, {{"amount_yuan", "30000"}}).ok());
  auto list = svc_->List(district_, {.kind = "funding", .school_year = 2026});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].unit_name, "第一中学");
  EXPECT_TRUE(svc_->List(liaison_, {.kind = "funding", .unit_id = 3}).ok());
  // Not a school's record; its own yes; another district's no.
  EXPECT_TRUE(absl::IsPermissionDenied(Add(district_, "funding", 3, {{"amount_yuan", "1"}}).status()));
  EXPECT_TRUE(Add(district_, "research", 2, {{"name", "赵磊"}, {"full_time", "是"}}).ok());
  EXPECT_TRUE(absl::IsNotFound(Add(district_, "research", 6, {{"name", "x"}, {"full_time", "是"}}).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(Add(liaison_, "research", 2, {{"name", "x"}, {"full_time", "是"}}).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(Add(city_, "research", 2, {{"name", "x"}, {"full_time", "是"}}).status()));
  EXPECT_TRUE(Add(city_, "research", 1, {{"name", "钱明"}, {"full_time", "是"}}).ok());
  // A school's staff do not see the district's records.
  EXPECT_TRUE(absl::IsNotFound(svc_->List(data_admin_, {.kind = "research", .unit_id = 2}).status()));
  auto city_list = svc_->List(city_, {.kind = "research"});
  ASSERT_TRUE(city_list.ok());
  EXPECT_EQ(city_list->total, 2);
}

TEST_F(RecordsDbTest, UpdateDeleteAndPaging) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(Add(data_admin_, "courses", 3, {{"course_type", "班级课时"}, {"name", std::to_string(i)}}).ok());
  std::set<int64_t> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    auto l = svc_->List(psych_head_, {.kind = "courses", .unit_id = 3, .page_size = 2, .after = after});
    ASSERT_TRUE(l.ok()) << l.status();
    EXPECT_EQ(l->total, 5);
    for (const auto& r : l->items) EXPECT_TRUE(seen.insert(r.id).second);
    if (l->next.empty()) break;
    after = l->next;
  }
  EXPECT_EQ(seen.size(), 5u);
  const int64_t id = *seen.begin();
  auto up = svc_->Update(psych_head_, id, {{"course_type", "校本课程"}, {"name", "阳光心理"}, {"hours", "12"}});
  ASSERT_TRUE(up.ok()) << up.status();
  auto got = svc_->Get(district_, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->values["course_type"].text, "school_based");
  EXPECT_EQ(got->values["hours"].num, 12);
  EXPECT_TRUE(absl::IsPermissionDenied(svc_->Delete(district_, id)));
  EXPECT_TRUE(svc_->Delete(data_admin_, id).ok());
  EXPECT_TRUE(absl::IsNotFound(svc_->Get(data_admin_, id).status()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_record_values WHERE record_id = " + std::to_string(id)), 0);
  EXPECT_FALSE(svc_->List(data_admin_, {.kind = "courses", .after = "zz"}).ok());
}

TEST_F(RecordsDbTest, ImportIsAllOrNothingWithOneEvent) {
  const std::string bad = "姓名,专兼职,具备专业资质\n王静,专职,是\n李强,全职,是\n,兼职,否\n";
  ImportRequest req{"staff", 3, 2026, "staff.csv", false};
  auto out = svc_->Import(data_admin_, req, bad);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->errors.size(), 2u);
  EXPECT_EQ(out->errors[0].row, 3);
  EXPECT_EQ(out->errors[0].column, "专兼职");
  EXPECT_EQ(out->errors[1].row, 4);
  EXPECT_EQ(out->errors[1].column, "姓名");
  EXPECT_FALSE(out->written);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records"), 0);
  // Unknown and missing columns are header errors (line 1).
  auto hdr = svc_->Import(data_admin_, req, "姓名,颜色\n王静,红\n");
  ASSERT_TRUE(hdr.ok());
  ASSERT_GE(hdr->errors.size(), 2u);
  EXPECT_EQ(hdr->errors[0].row, 1);
  // A preview writes nothing.
  const std::string good = "姓名,专兼职,具备专业资质\n王静,专职,是\n\n李强,兼职,否\n";
  req.dry_run = true;
  auto preview = svc_->Import(data_admin_, req, good);
  ASSERT_TRUE(preview.ok());
  EXPECT_TRUE(preview->errors.empty());
  EXPECT_EQ(preview->rows.size(), 2u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records"), 0);
  req.dry_run = false;
  auto done = svc_->Import(data_admin_, req, good);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->written);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records WHERE kind = 'staff' AND unit_id = 3"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'records.changed'"), 1);
  // Importing again replaces the year's staff records.
  auto again = svc_->Import(data_admin_, req, good);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->replaced, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records WHERE kind = 'staff' AND unit_id = 3"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'records.changed'"), 2);
  // Outside scope / without write.
  EXPECT_TRUE(absl::IsNotFound(svc_->Import(data_admin_, {"staff", 4, 2026, "", false}, good).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(svc_->Import(district_, req, good).status()));
}

TEST_F(RecordsDbTest, SchoolFactsOnAFixture) {
  EXPECT_TRUE(Facts(3, 2026).empty());  // nothing recorded: nothing said
  auto ok = [&](std::string kind, std::map<std::string, std::string> f, int year = 2026) {
    auto r = Add(data_admin_, kind, 3, std::move(f), year);
    ASSERT_TRUE(r.ok()) << kind << ": " << r.status();
  };
  ok("staff", {{"name", "a"}, {"employment", "专职"}, {"certified", "是"}});
  ok("staff", {{"name", "b"}, {"employment", "专职"}, {"certified", "否"}});
  ok("staff", {{"name", "c"}, {"employment", "兼职"}, {"certified", "是"}});
  ok("staff", {{"name", "d"}, {"employment", "专职"}, {"certified", "是"}}, 2025);  // another year
  // One room short of the standard (59 m²), one that meets it.
  std::map<std::string, std::string> room = {{"name", "r"},        {"area_m2", "59"},    {"individual_room", "是"},
                                             {"group_room", "是"}, {"relaxation", "是"}, {"sand_tray", "是"},
                                             {"reception", "是"},  {"privacy", "是"}};
  ok("rooms", room);
  EXPECT_EQ(Facts(3, 2026)["psych_room_standard"], 0);
  room["area_m2"] = "60";
  ok("rooms", room);
  ok("courses", {{"course_type", "班级课时"},
                 {"name", "1班"},
                 {"periods_per_week", "0.5"},
                 {"hours", "18"},
                 {"hours_resilience", "6"},
                 {"hours_life", "7"}});
  ok("courses", {{"course_type", "班级课时"}, {"name", "2班"}, {"periods_per_week", "1"}});
  ok("courses", {{"course_type", "班级课时"}, {"name", "3班"}, {"periods_per_week", "0"}});
  ok("courses", {{"course_type", "校本课程"},
                 {"name", "x"},
                 {"hours_resilience", "2"},
                 {"hours_life", "1"},
                 {"hours_other", "3"}});
  ok("activities", {{"activity", "5·25心理健康月"}, {"name", "m"}, {"held", "是"}});
  ok("activities", {{"activity", "阳光成长计划"}, {"name", "r"}, {"held", "否"}});
  ok("training", {{"title", "t"},
                  {"trainee_role", "班主任"},
                  {"trainees", "12"},
                  {"hours", "8"},
                  {"mental_health", "是"},
                  {"date", "2026-10-01"}});
  ok("training", {{"title", "t"},
                  {"trainee_role", "心理教师"},
                  {"trainees", "2"},
                  {"hours", "8"},
                  {"mental_health", "是"},
                  {"date", "2026-10-01"}});
  ok("family", {{"site_type", "学校家庭教育指导站"}, {"name", "站"}, {"public_service", "是"}, {"sessions", "4"}});
  ok("funding", {{"amount_yuan", "20000"}});
  ok("funding", {{"amount_yuan", "5000.5"}});
  const auto f = Facts(3, 2026);
  const std::map<std::string, double> want = {{"psych_teachers_fulltime", 2},
                                              {"psych_teachers_fulltime_qualified", 1},
                                              {"psych_room_standard", 1},
                                              {"classes_with_timetable", 2},
                                              {"course_periods_per_week_sum", 1.5},
                                              {"school_based_courses", 1},
                                              {"course_hours_total", 24},
                                              {"course_hours_resilience", 8},
                                              {"course_hours_life", 8},
                                              {"mh_month_held", 1},
                                              {"resilience_programme_held", 0},
                                              {"head_teachers_trained", 12},
                                              {"family_guidance_station", 1},
                                              {"family_sessions", 4},
                                              {"funding_yuan", 25000.5}};
  EXPECT_EQ(f, want);  // university_course_ok: no university course recorded, so omitted
  EXPECT_EQ(Facts(3, 2025),
            (std::map<std::string, double>{{"psych_teachers_fulltime", 1}, {"psych_teachers_fulltime_qualified", 1}}));
  EXPECT_TRUE(Facts(4, 2026).empty());
  ok("courses", {{"course_type", "高校必修课"}, {"name", "u"}, {"hours", "37"}, {"credits", "2"}});
  EXPECT_EQ(Facts(3, 2026)["university_course_ok"], 0);
  ok("courses", {{"course_type", "高校必修课"}, {"name", "u"}, {"hours", "32"}, {"credits", "2"}});
  EXPECT_EQ(Facts(3, 2026)["university_course_ok"], 1);
}

TEST_F(RecordsDbTest, UnitFactsOfADistrict) {
  EXPECT_TRUE(UFacts(2, 2026).empty());
  auto ok = [&](std::string kind, std::map<std::string, std::string> f) {
    auto r = Add(district_, kind, 2, std::move(f));
    ASSERT_TRUE(r.ok()) << kind << ": " << r.status();
  };
  ok("training", {{"title", "国培"},
                  {"trainee_role", "其他"},
                  {"trainees", "40"},
                  {"hours", "30"},
                  {"mental_health", "否"},
                  {"date", "2026-10-01"}});
  ok("training", {{"title", "国培心理"},
                  {"trainee_role", "其他"},
                  {"trainees", "40"},
                  {"hours", "4"},
                  {"mental_health", "是"},
                  {"date", "2026-10-02"}});
  ok("research", {{"name", "a"}, {"full_time", "是"}});
  ok("family", {{"site_type", "社区家庭教育指导站"}, {"name", "s1"}, {"public_service", "是"}, {"sessions", "3"}});
  ok("family", {{"site_type", "社区家庭教育指导站"}, {"name", "s2"}, {"public_service", "否"}, {"sessions", "1"}});
  // A school's records never count for its district.
  ASSERT_TRUE(Add(data_admin_, "training", 3,
                  {{"title", "t"},
                   {"trainee_role", "班主任"},
                   {"trainees", "3"},
                   {"hours", "100"},
                   {"mental_health", "是"},
                   {"date", "2026-10-01"}})
                  .ok());
  const std::map<std::string, double> want = {{"district_training_hours_total", 34},
                                              {"district_training_hours_mh", 4},
                                              {"research_psych_staff", 1},
                                              {"family_centre", 0},
                                              {"community_stations", 2},
                                              {"community_stations_public_service", 1}};
  EXPECT_EQ(UFacts(2, 2026), want);
}

TEST_F(RecordsDbTest, ChangedEventFollowsTheContract) {
  ASSERT_TRUE(Add(district_, "research", 2, {{"name", "a"}, {"full_time", "是"}}).ok());
  std::string subject, payload;
  long long school = -1;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT subject, payload, school_id FROM events WHERE kind = 'records.changed'",
                       soci::into(subject), soci::into(payload), soci::into(school);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(subject, "unit:2");
  EXPECT_EQ(school, 0);
  auto c = DecodeChanged(payload);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->unit_id, 2);
  EXPECT_EQ(c->school_id, 0);
  EXPECT_EQ(c->kind, "research");
  EXPECT_EQ(c->school_year, 2026);
  EXPECT_EQ(kFactEventKinds, std::vector<std::string>{"records.changed"});
}

TEST_F(RecordsDbTest, DemoFillsEverySchoolOnce) {
  auto sum = SeedDemoRecords(*db_, clock_, {.school_year = 2026, .seed = 3});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->schools, 2);
  EXPECT_EQ(sum->units, 3);
  EXPECT_GT(sum->records, 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records"), sum->records);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM work_records WHERE kind = 'funding'"), 2);
  EXPECT_FALSE(Facts(3, 2026).empty());
  EXPECT_FALSE(UFacts(2, 2026).empty());
  EXPECT_FALSE(SeedDemoRecords(*db_, clock_, {.school_year = 2026, .seed = 3}).ok());
}

}  // namespace
}  // namespace xq::records
