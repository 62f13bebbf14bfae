// The plans module's subscription (a crisis return-to-school plan becomes a
// progress note; the plan is created if none is open), once per event, and
// the timeline lines it leads to.
#include <unistd.h>

#include <filesystem>

#include "archive/subscriptions.h"
#include "core/clock.h"
#include "db/migrations.h"
#include "events/dispatcher.h"
#include "events/events.h"
#include "gtest/gtest.h"
#include "plans/plans_store.h"
#include "plans/subscriptions.h"

namespace xq::plans {
namespace {

class ReturnPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_plans_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    auto db = db::Database::Open("sqlite:" + path_, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(db_->InTransaction([](soci::session& s) -> absl::Status {
                     s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                          "(1, NULL, 'school', '一中', 1, '/1/', 0)";
                     s << "INSERT INTO students (id, school_id, student_no, name, sex, unit_path, created_at, "
                          "updated_at) VALUES (42, 1, 'S1', '张三', 'M', '/1/', 0, 0)";
                     return absl::OkStatus();
                   })
                    .ok());
    store_ = NewSociPlansStore(*db_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }

  void Publish(const std::string& payload) {
    ASSERT_TRUE(db_->InTransaction([&](soci::session& s) -> absl::Status {
                     return events::Publish(s, {.school_id = 1,
                                                .kind = "crisis.return_plan_written",
                                                .subject = "student:42",
                                                .payload = payload,
                                                .created_at = clock_.NowMicros()})
                         .status();
                   })
                    .ok());
  }
  void PublishText(const std::string& text) {
    Publish(
        R"({"student_id":42,"data_class":"D5","summary_zh":"制定了复学计划","ref_type":"crisis_case","ref_id":"7","case_id":"7","plan_text_neutral":")" +
        text + R"("})");
  }

  absl::Status Deliver() {
    events::Dispatcher d(*db_, clock_, {.settle_us = 0});
    d.Subscribe(ReturnPlanSubscription());
    d.Subscribe(archive::TimelineSubscription());
    return d.DeliverPending();
  }

  int64_t Count(const std::string& sql) {
    long long n = 0;
    EXPECT_TRUE(db_->Run([&](soci::session& s) -> absl::Status {
                     s << sql, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }

  std::string path_;
  FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<PlansStore> store_;
};

TEST_F(ReturnPlanTest, CreatesThePlanOnceAndAddsNotes) {
  PublishText("每周返校两天，逐步恢复");
  ASSERT_TRUE(Deliver().ok());
  ASSERT_TRUE(Deliver().ok());  // read again: nothing more
  auto plan = store_->CurrentPlan(42);
  ASSERT_TRUE(plan.ok() && plan->has_value());
  EXPECT_EQ((*plan)->state, "open");
  ASSERT_EQ((*plan)->notes.size(), 1u);
  EXPECT_EQ((*plan)->notes[0].note, "每周返校两天，逐步恢复");
  EXPECT_EQ((*plan)->notes[0].source, "crisis");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plans"), 1);
  // A second plan text: a note on the same open plan; a diagnostic word
  // never reaches the plan.
  PublishText("抑郁复诊后返校");
  ASSERT_TRUE(Deliver().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plans"), 1);
  auto again = store_->CurrentPlan(42);
  ASSERT_EQ((*again)->notes.size(), 2u);
  EXPECT_EQ((*again)->notes[1].note.find("抑郁"), std::string::npos);
  // The timeline has the crisis lines and the plans' lines, once each.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM archive_timeline WHERE kind = 'crisis.return_plan_written'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM archive_timeline WHERE kind = 'plans.created'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM archive_timeline WHERE kind = 'plans.note_added'"), 2);
}

TEST_F(ReturnPlanTest, IgnoresAnEventWithoutStudentOrText) {
  Publish(R"({"case_id":"7"})");
  ASSERT_TRUE(Deliver().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plans"), 0);
}

}  // namespace
}  // namespace xq::plans
