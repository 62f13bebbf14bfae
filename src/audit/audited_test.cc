#include "audit/audited.h"

#include <filesystem>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "gtest/gtest.h"

namespace xq::audit {
namespace {

class AuditedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("xq_audited_" + RandomHex(6) + ".db");
    db_ = db::Database::Open("sqlite:" + path_.string()).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(db_->Run([](soci::session& s) {
                     s << "CREATE TABLE things (name TEXT NOT NULL)";
                     return absl::OkStatus();
                   })
                    .ok());
    log_ = std::make_unique<AuditLog>(*db_, clock_);
  }
  void TearDown() override {
    log_.reset();
    db_.reset();
    for (const auto& suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  // A write as a store does it: the change, then the hook, in one transaction.
  absl::Status Write(const std::string& name, const InTransaction& also) {
    return db_->InTransaction([&](soci::session& s) -> absl::Status {
      s << "INSERT INTO things (name) VALUES (:n)", soci::use(name);
      return also(s);
    });
  }
  int64_t Count(const std::string& table) {
    long long n = -1;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << "SELECT COUNT(*) FROM " + table, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  static Event Grant() {
    Event e;
    e.actor_id = 7;
    e.action = "grant";
    e.object_type = "account";
    e.object_id = "9";
    return e;
  }
  std::filesystem::path path_;
  std::unique_ptr<db::Database> db_;
  FakeClock clock_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditedTest, AWriteAndItsEntryCommitTogether) {
  ASSERT_TRUE(Write("a", RecordingIn(*log_, Grant())).ok());
  EXPECT_EQ(Count("things"), 1);
  EXPECT_EQ(Count("audit_log"), 1);
  auto v = log_->Verify().value();
  EXPECT_TRUE(v.ok) << v.problem;
  // A change that fails after its entry was written leaves neither.
  EXPECT_FALSE(db_->InTransaction([&](soci::session& s) -> absl::Status {
                    XQ_RETURN_IF_ERROR(RecordingIn(*log_, Grant())(s));
                    return Conflict("changed by someone else");
                  })
                   .ok());
  EXPECT_EQ(Count("audit_log"), 1);
}

TEST_F(AuditedTest, AFailedAuditWriteFailsTheRequestAndRollsTheChangeBack) {
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "ALTER TABLE audit_log RENAME TO audit_log_away";
                   return absl::OkStatus();
                 })
                  .ok());
  absl::Status st = Write("b", RecordingIn(*log_, Grant()));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(CodeOf(st).value_or(""), "audit_unavailable") << st;
  EXPECT_EQ(st.message().find("audit_log"), std::string_view::npos) << "no database detail to the client";
  EXPECT_EQ(Count("things"), 0) << "the change is not kept without its entry";
  absl::Status read = Record(*log_, Grant());
  EXPECT_EQ(CodeOf(read).value_or(""), "audit_unavailable") << read;
  Event nameless;
  EXPECT_EQ(CodeOf(Record(*log_, nameless)).value_or(""), "audit_unavailable") << "an entry without action";
}

}  // namespace
}  // namespace xq::audit
