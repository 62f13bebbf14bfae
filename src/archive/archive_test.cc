// Unit tests of the archive: quota arithmetic at its boundaries, the
// timeline line of an event, idempotence per event id, filtering by role,
// and the expiry of attention levels.
#include <unistd.h>

#include <filesystem>

#include "archive/archive_service.h"
#include "archive/archive_store.h"
#include "archive/facts.h"
#include "archive/quota.h"
#include "archive/subscriptions.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "db/migrations.h"
#include "gtest/gtest.h"

namespace xq::archive {
namespace {

using policy::Role;

TEST(Quota, SchoolYearAndSemesterStarts) {
  EXPECT_EQ(SchoolYearOf("2026-09-01"), 2026);
  EXPECT_EQ(SchoolYearOf("2026-08-31"), 2025);
  EXPECT_EQ(SchoolYearOf("2027-08-31"), 2026);
  EXPECT_FALSE(SchoolYearOf("2026-02-30").has_value());
  EXPECT_EQ(SemesterStartOf("2026-09-30"), 1);
  EXPECT_EQ(SemesterStartOf("2026-10-01"), 0);
  EXPECT_EQ(SemesterStartOf("2027-02-01"), 2);
  EXPECT_EQ(SemesterStartOf("2027-03-31"), 2);
  EXPECT_EQ(SemesterStartOf("2027-04-01"), 0);
}

TEST(Quota, LeaderNeedsFiveAndBothSemesterStarts) {
  QuotaCounts c{.role = "school_leader", .visits = 4, .first_semester_start = 1, .second_semester_start = 1};
  EXPECT_FALSE(Progress(c).met);
  c.visits = 5;
  EXPECT_TRUE(Progress(c).met);
  c.second_semester_start = 0;
  auto p = Progress(c);
  EXPECT_FALSE(p.met);
  EXPECT_FALSE(p.semester_starts_met);
  EXPECT_EQ(p.required, 5);
}

TEST(Quota, TenForMiddleManagersAndSubjectTeachers) {
  for (const char* role : {"grade_head", "subject_teacher"}) {
    QuotaCounts c{.role = role, .visits = 9};
    EXPECT_FALSE(Progress(c).met) << role;
    c.visits = 10;
    EXPECT_TRUE(Progress(c).met) << role;
    EXPECT_EQ(Progress(c).required, 10);
  }
}

TEST(Quota, HeadTeacherEveryStudentOnce) {
  QuotaCounts c{.role = "head_teacher", .class_students = 40, .class_students_visited = 39};
  EXPECT_FALSE(Progress(c).met);
  c.class_students_visited = 40;
  EXPECT_TRUE(Progress(c).met);
  c = {.role = "head_teacher"};  // no students: nothing to meet
  EXPECT_FALSE(Progress(c).met);
  EXPECT_FALSE(HasQuota("psych_staff"));
  EXPECT_TRUE(HasQuota("school_leader"));
}

TEST(Timeline, EntryOfAnEvent) {
  events::Event e{
      .id = 7,
      .school_id = 3,
      .kind = "archive.talk_recorded",
      .subject = "student:42",
      .payload =
          R"({"student_id":42,"data_class":"D8","summary_zh":"记录了一次谈心谈话","ref_type":"talk","ref_id":"9","occurred_at":123,"author_account_id":"5"})",
      .created_at = 100};
  auto t = TimelineEntryOf(e);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->student_id, 42);
  EXPECT_EQ(t->occurred_at, 123);
  EXPECT_EQ(t->author_account_id, 5);
  EXPECT_EQ(t->data_class, "D8");
  // Not about one student, another student in the payload, an unknown class.
  e.subject = "unit:3";
  EXPECT_FALSE(TimelineEntryOf(e).has_value());
  e.subject = "student:43";
  EXPECT_FALSE(TimelineEntryOf(e).has_value());
  e.subject = "student:42";
  e.payload = R"({"student_id":42,"data_class":"D2","summary_zh":"x"})";
  EXPECT_FALSE(TimelineEntryOf(e).has_value());
  e.payload = "not json";
  EXPECT_FALSE(TimelineEntryOf(e).has_value());
  // A diagnostic word never reaches the timeline.
  e.payload = R"({"student_id":42,"data_class":"D5","summary_zh":"抑郁评估"})";
  ASSERT_TRUE(TimelineEntryOf(e).has_value());
  EXPECT_EQ(TimelineEntryOf(e)->summary_zh, "记录了一条信息");
}

class ArchiveDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_archive_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    auto db = db::Database::Open("sqlite:" + path_, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    store_ = NewSociArchiveStore(*db_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    svc_ = std::make_unique<ArchiveService>(*store_, *audit_, clock_);
    ASSERT_TRUE(
        db_->InTransaction([&](soci::session& s) -> absl::Status {
             s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                  "(1, NULL, 'school', '一中', 1, '/1/', 0)";
             s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                  "(2, 1, 'class', '1班', 1, '/1/2/', 0)";
             s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                  "(3, 1, 'class', '2班', 1, '/1/3/', 0)";
             s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, created_at, "
                  "updated_at) VALUES (42, 1, 'S1', '张三', 'M', 2, '/1/2/', 0, 0)";
             return absl::OkStatus();
           })
            .ok());
  }
  void TearDown() override {
    svc_.reset();
    audit_.reset();
    store_.reset();
    db_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }

  void Line(int64_t id, const char* cls, int64_t author = 0) {
    TimelineEntry t{.event_id = id,
                    .school_id = 1,
                    .student_id = 42,
                    .kind = "x.y",
                    .data_class = cls,
                    .summary_zh = "记录",
                    .ref_type = "r",
                    .ref_id = "1",
                    .author_account_id = author,
                    .occurred_at = 1000 + id};
    ASSERT_TRUE(db_->InTransaction([&](soci::session& s) { return InsertTimelineIn(s, t).status(); }).ok());
  }

  static policy::Actor With(Role r, int64_t unit, std::string path, int64_t account = 9) {
    policy::Actor a;
    a.account_id = account;
    a.grants.push_back({r, unit, std::move(path)});
    return a;
  }

  std::string path_;
  FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<ArchiveStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<ArchiveService> svc_;
};

TEST_F(ArchiveDbTest, TimelineIsIdempotentPerEventId) {
  TimelineEntry t{.event_id = 5,
                  .school_id = 1,
                  .student_id = 42,
                  .kind = "x.y",
                  .data_class = "D8",
                  .summary_zh = "记录",
                  .ref_type = "r",
                  .ref_id = "1",
                  .occurred_at = 10};
  int inserted = 0;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(db_->InTransaction([&](soci::session& s) -> absl::Status {
                     auto ok = InsertTimelineIn(s, t);
                     if (!ok.ok()) return ok.status();
                     inserted += *ok;
                     return absl::OkStatus();
                   })
                    .ok());
  EXPECT_EQ(inserted, 1);
  auto page = svc_->Timeline(With(Role::kPsychStaff, 1, "/1/"), 42, {});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_F(ArchiveDbTest, FilteringByRole) {
  Line(1, "D3");
  Line(2, "D4");
  Line(3, "D5");
  Line(4, "D6");
  Line(5, "D8", 77);
  Line(6, "D8", 9);
  auto classes = [](const TimelinePage& p) {
    std::string out;
    for (const auto& e : p.items) out += e.data_class + ",";
    return out;
  };
  auto psych = svc_->Timeline(With(Role::kPsychStaff, 1, "/1/"), 42, {});
  ASSERT_TRUE(psych.ok());
  EXPECT_EQ(classes(*psych), "D8,D8,D6,D5,D4,D3,");
  // A psychology teacher who heads the class: still the school's view.
  policy::Actor both = With(Role::kPsychStaff, 1, "/1/");
  both.grants.push_back({Role::kHeadTeacher, 2, "/1/2/"});
  EXPECT_EQ(classes(*svc_->Timeline(both, 42, {})), "D8,D8,D6,D5,D4,D3,");
  auto head = svc_->Timeline(With(Role::kHeadTeacher, 2, "/1/2/"), 42, {});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(classes(*head), "D8,D8,D6,D4,");
  EXPECT_TRUE(head->show_level);
  EXPECT_EQ(svc_->Timeline(With(Role::kHeadTeacher, 3, "/1/3/"), 42, {}).status().code(), absl::StatusCode::kNotFound);
  // Subject teacher: nothing without the pairing; with it, own records only.
  policy::Actor subj = With(Role::kSubjectTeacher, 1, "/1/");
  EXPECT_EQ(svc_->Timeline(subj, 42, {}).status().code(), absl::StatusCode::kNotFound);
  subj.paired_student_ids = {42};
  auto own = svc_->Timeline(subj, 42, {});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(classes(*own), "D8,");
  EXPECT_EQ(own->items[0].author_account_id, 9);
  EXPECT_FALSE(own->show_level);
  // Guardians and school leaders (not 一级) see no timeline lines.
  policy::Actor guardian = With(Role::kGuardian, 2, "/1/2/");
  guardian.child_ids = {42};
  EXPECT_EQ(svc_->Timeline(guardian, 42, {}).status().code(), absl::StatusCode::kNotFound);
  auto leader = svc_->Timeline(With(Role::kSchoolLeader, 1, "/1/"), 42, {});
  ASSERT_TRUE(leader.ok());
  EXPECT_EQ(classes(*leader), "D8,D8,D5,");  // work records, crisis status lines; no D4 names
  EXPECT_FALSE(leader->show_level);
}

TEST_F(ArchiveDbTest, AttentionLevelLapsesAtExpiry) {
  const int64_t now = clock_.NowMicros();
  ASSERT_TRUE(
      db_->InTransaction([&](soci::session& s) -> absl::Status {
           long long exp = now + 1'000'000;
           s << "INSERT INTO attention_levels (student_id, school_id, unit_path, level, guidance, state, set_by, "
                "set_at, expires_at) VALUES (42, 1, '/1/2/', 2, 'g', 'active', 1, 0, :e)",
               soci::use(exp);
           return absl::OkStatus();
         })
          .ok());
  auto head = With(Role::kHeadTeacher, 2, "/1/2/");
  auto before = svc_->Timeline(head, 42, {});
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->student.attention_level, 2);
  clock_.Advance(1'000'000);  // exactly at expiry: lapsed
  auto after = svc_->Timeline(head, 42, {});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->student.attention_level, 0);
}

TEST_F(ArchiveDbTest, FactsCountQuotaHolders) {
  auto f = db_->InTransaction([&](soci::session& s) -> absl::Status {
    auto facts = SchoolFacts(s, 1, 2026);
    if (!facts.ok()) return facts.status();
    EXPECT_EQ(facts->at("visit_quota_staff"), 0);
    EXPECT_EQ(facts->size(), 4u);
    return absl::OkStatus();
  });
  EXPECT_TRUE(f.ok()) << f;
}

}  // namespace
}  // namespace xq::archive
