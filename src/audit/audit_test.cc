#include "audit/audit.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace xq::audit {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_audit_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    db_ = db::Database::Open("sqlite:" + path_).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
    log_ = std::make_unique<AuditLog>(*db_, clock_);
    for (int i = 0; i < 5; ++i) {
      Event e;
      e.actor_id = 100 + i;
      e.actor_role = "psych_staff";
      e.action = "read";
      e.object_type = "student";
      e.object_id = std::to_string(i);
      e.student_id = i + 1;
      ASSERT_TRUE(log_->Record(e).ok());
      clock_.Advance(1000);
    }
  }
  void TearDown() override {
    log_.reset();
    db_.reset();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    std::filesystem::remove(path_ + "-shm");
  }
  void Exec(const std::string& sql) {
    ASSERT_TRUE(db_->Run([&](soci::session& s) {
                  s << sql;
                  return absl::OkStatus();
                }).ok());
  }
  VerifyResult Verify() { return log_->Verify().value(); }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditTest, IntactChainVerifies) {
  auto r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 5);
  auto list = log_->List(0, 10).value();
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list.front().seq, 5);
  EXPECT_EQ(list.front().event.student_id, 5);
  EXPECT_EQ(log_->List(3, 10).value().size(), 2u);
  EXPECT_EQ(log_->List(0, 10, "login").value().size(), 0u);
}

TEST_F(AuditTest, DetectsChangedField) {
  Exec("UPDATE audit_log SET actor_id = 999 WHERE seq = 3");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
}

TEST_F(AuditTest, DetectsChangedTimestamp) {
  Exec("UPDATE audit_log SET at = at + 1 WHERE seq = 2");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
}

TEST_F(AuditTest, DetectsDeletedMiddleRow) {
  Exec("DELETE FROM audit_log WHERE seq = 2");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
}

TEST_F(AuditTest, DetectsDeletedTail) {
  Exec("DELETE FROM audit_log WHERE seq = 5");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
}

TEST_F(AuditTest, DetectsReorder) {
  // Swap rows 2 and 3 by renumbering.
  Exec("UPDATE audit_log SET seq = 100 WHERE seq = 2");
  Exec("UPDATE audit_log SET seq = 2 WHERE seq = 3");
  Exec("UPDATE audit_log SET seq = 3 WHERE seq = 100");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
}

TEST_F(AuditTest, DetectsRecomputedRowWithoutChain) {
  // Inserting a forged row in the middle breaks the link of the next one.
  Exec("UPDATE audit_log SET hash = 'ab' WHERE seq = 4");
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
}

TEST_F(AuditTest, RejectsEventWithoutAction) {
  EXPECT_FALSE(log_->Record(Event{}).ok());
  EXPECT_TRUE(Verify().ok);
}

}  // namespace
}  // namespace xq::audit
