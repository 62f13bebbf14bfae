#include "audit/audit.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <vector>

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
                   })
                    .ok());
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

// Group commit: entries of concurrent callers share transactions; every
// entry is there once, in one verified chain.
TEST_F(AuditTest, ConcurrentRecordsShareTransactionsAndKeepTheChain) {
  constexpr int kThreads = 16, kEach = 25;
  const int64_t writes_before = log_->GroupWrites();
  // Hold the write lock a while so that callers queue up behind the first.
  std::atomic<bool> holding{false};
  std::thread blocker([&] {
    ASSERT_TRUE(db_->InTransaction([&](soci::session& s) {
                     s << "UPDATE audit_head SET seq = seq WHERE id = 1";
                     holding = true;
                     std::this_thread::sleep_for(std::chrono::milliseconds(300));
                     return absl::OkStatus();
                   })
                    .ok());
  });
  while (!holding) std::this_thread::yield();
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Event e;
        e.actor_id = 1000 + t;
        e.action = "read";
        e.object_type = "archive";
        e.object_id = std::to_string(t) + ":" + std::to_string(i);
        e.student_id = 7;
        if (!log_->Record(e).ok()) ++failed;
      }
    });
  for (auto& th : threads) th.join();
  blocker.join();
  EXPECT_EQ(failed, 0);
  auto r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 5 + kThreads * kEach);
  std::set<std::string> ids;
  auto list = log_->List(0, 1000);
  ASSERT_TRUE(list.ok()) << list.status();
  for (const Entry& e : *list) {
    if (e.event.object_type != "archive") continue;
    EXPECT_TRUE(ids.insert(e.event.object_id).second) << e.event.object_id << " twice";
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
  const int64_t writes = log_->GroupWrites() - writes_before;
  EXPECT_LT(writes, kThreads * kEach / 2) << "entries were not grouped";
  EXPECT_GE(writes, 1);
}

// A group that cannot be written fails every caller in it; nothing of it
// is kept, and the log goes on once it can be written again.
TEST_F(AuditTest, AFailedGroupFailsEveryCaller) {
  Exec("ALTER TABLE audit_log RENAME TO audit_log_away");
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Event e;
        e.action = "read";
        e.object_type = "archive";
        e.object_id = std::to_string(t);
        (log_->Record(e).ok() ? ok : failed)++;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, 0);
  EXPECT_EQ(failed, 80);
  Exec("ALTER TABLE audit_log_away RENAME TO audit_log");
  Event e;
  e.action = "read";
  e.object_type = "archive";
  ASSERT_TRUE(log_->Record(e).ok());
  auto r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 6);
}

}  // namespace
}  // namespace xq::audit
