#include "auth/auth_service.h"

#include <unistd.h>

#include <filesystem>

#include "auth/password.h"
#include "core/ids.h"
#include "core/clock.h"
#include "core/status.h"
#include "gtest/gtest.h"

namespace xq::auth {
namespace {

constexpr int64_t kMinute = 60'000'000;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_auth_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    db_ = db::Database::Open("sqlite:" + path_).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
    Exec("INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', '天津市', '/1/', 0)");
    Exec(
        "INSERT INTO org_units (id, parent_id, kind, name, path, district_id, created_at) VALUES (2, 1, 'district', "
        "'和平区', '/1/2/', 2, 0)");
    Exec(
        "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, district_id, path, created_at) "
        "VALUES (3, 2, 'school', '一中', 'junior', 3, 2, '/1/2/3/', 0)");
    Exec(
        "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, district_id, path, created_at) "
        "VALUES (4, 2, 'school', '二中', 'junior', 4, 2, '/1/2/4/', 0)");
    Exec(
        "INSERT INTO org_units (id, parent_id, kind, name, school_id, district_id, path, created_at) VALUES (5, 3, "
        "'class', '初一(1)班', 3, 2, '/1/2/3/5/', 0)");
    admin_ = AddAccount("admin3", "school_data_admin", 3, 3);
    AddAccount("teacher", "head_teacher", 5, 3);
    AddAccount("other_admin", "school_data_admin", 4, 4);
    store_ = NewSqlAuthStore(*db_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    svc_ = std::make_unique<AuthService>(*store_, *audit_, clock_);
  }
  void TearDown() override {
    svc_.reset();
    store_.reset();
    audit_.reset();
    db_.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void Exec(const std::string& sql) {
    ASSERT_TRUE(db_->Run([&](soci::session& s) {
                     s << sql;
                     return absl::OkStatus();
                   })
                    .ok())
        << sql;
  }
  // A staff account of `school` (its accounts.school_id) with one role.
  int64_t AddAccount(const std::string& user, const std::string& role, int64_t unit, int64_t school) {
    static const std::string hash = HashPassword("Xinqiao@2026").value();
    int64_t id = NewId();
    Exec(
        "INSERT INTO accounts (id, username, password_hash, display_name, person_type, school_id, created_at, "
        "updated_at) VALUES (" +
        std::to_string(id) + ", '" + user + "', '" + hash + "', '" + user + "', 'staff', " + std::to_string(school) +
        ", 0, 0)");
    Exec("INSERT INTO role_assignments (id, account_id, role, org_unit_id, created_at) VALUES (" +
         std::to_string(NewId()) + ", " + std::to_string(id) + ", '" + role + "', " + std::to_string(unit) + ", 0)");
    return id;
  }
  policy::Principal LoginAs(const std::string& user) {
    auto r = svc_->Login(user, "Xinqiao@2026", "127.0.0.1");
    EXPECT_TRUE(r.ok()) << r.status();
    auto p = svc_->Resolve(r->token);
    EXPECT_TRUE(p.has_value());
    return *p;
  }
  int64_t AuditCount(const std::string& action) {
    return static_cast<int64_t>(audit_->List(0, 1000, action).value().size());
  }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<AuthStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AuthService> svc_;
  int64_t admin_ = 0;
};

TEST_F(AuthServiceTest, LoginCreatesSessionStoredOnlyAsHash) {
  auto r = svc_->Login("admin3", "Xinqiao@2026", "127.0.0.1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->token.size(), 64u);
  EXPECT_FALSE(r->me.csrf_token.empty());
  EXPECT_EQ(r->me.grants.size(), 1u);
  std::string stored;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT token_hash FROM sessions", soci::into(stored);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_NE(stored, r->token);
  EXPECT_EQ(stored, HashToken(r->token));
  auto p = svc_->Resolve(r->token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->account_id, admin_);
  EXPECT_EQ(p->csrf_token, r->me.csrf_token);
  ASSERT_EQ(p->actor.grants.size(), 1u);
  EXPECT_EQ(p->actor.grants[0].unit_path, "/1/2/3/");
  EXPECT_EQ(AuditCount("login"), 1);
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownUserLookAlike) {
  auto a = svc_->Login("admin3", "wrong-password", "x");
  auto b = svc_->Login("nobody", "wrong-password", "x");
  EXPECT_EQ(a.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a.status().message(), b.status().message());
  EXPECT_EQ(AuditCount("login_failed"), 2);
  EXPECT_EQ(svc_->Login("", "x", "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AuthServiceTest, LockoutAfterFiveFailuresWithBackoff) {
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(svc_->Login("admin3", "bad-password", "x").status().code(), absl::StatusCode::kUnauthenticated);
  auto fifth = svc_->Login("admin3", "bad-password", "x");
  EXPECT_EQ(fifth.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(AuthService::RetryAfterOf(fifth.status()), 60);
  // Even the right password is refused while locked.
  auto locked = svc_->Login("admin3", "Xinqiao@2026", "x");
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GT(AuthService::RetryAfterOf(locked.status()), 0);
  clock_.Advance(61'000'000);
  // Another failure doubles the wait.
  auto sixth = svc_->Login("admin3", "bad-password", "x");
  EXPECT_EQ(AuthService::RetryAfterOf(sixth.status()), 120);
  clock_.Advance(121'000'000);
  EXPECT_TRUE(svc_->Login("admin3", "Xinqiao@2026", "x").ok());
  // Success resets the counter.
  EXPECT_EQ(svc_->Login("admin3", "bad-password", "x").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, IdleAndAbsoluteTimeouts) {
  auto r = svc_->Login("admin3", "Xinqiao@2026", "x").value();
  clock_.Advance(29 * kMinute);
  EXPECT_TRUE(svc_->Resolve(r.token));
  clock_.Advance(31 * kMinute);  // idle more than 30 min since the last touch
  EXPECT_FALSE(svc_->Resolve(r.token));

  auto r2 = svc_->Login("admin3", "Xinqiao@2026", "x").value();
  for (int i = 0; i < 25; ++i) {  // active every 29 min: 12 h 5 min in all
    clock_.Advance(29 * kMinute);
    if (i < 24) {
      EXPECT_TRUE(svc_->Resolve(r2.token)) << i;
    }
  }
  EXPECT_FALSE(svc_->Resolve(r2.token));
  EXPECT_FALSE(svc_->Resolve("short"));
  EXPECT_FALSE(svc_->Resolve(std::string(64, 'a')));
}

TEST_F(AuthServiceTest, LogoutEndsSession) {
  auto r = svc_->Login("admin3", "Xinqiao@2026", "x").value();
  auto p = svc_->Resolve(r.token).value();
  // Requests share the held principal: the same one each time, and the
  // same as Resolve's copy; a pointer kept past the logout stays valid
  // but resolves nothing new.
  auto shared = svc_->ResolveShared(r.token);
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared.get(), svc_->ResolveShared(r.token).get());
  EXPECT_EQ(shared->account_id, p.account_id);
  EXPECT_EQ(shared->csrf_token, p.csrf_token);
  EXPECT_EQ(shared->session_key, p.session_key);
  ASSERT_TRUE(svc_->Logout(p).ok());
  EXPECT_FALSE(svc_->Resolve(r.token));
  EXPECT_EQ(svc_->ResolveShared(r.token), nullptr);
  EXPECT_EQ(shared->account_id, p.account_id);
  EXPECT_EQ(svc_->ResolveShared("short"), nullptr);
}

TEST_F(AuthServiceTest, PasswordChange) {
  auto p = LoginAs("teacher");
  auto other = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(svc_->Resolve(other.token));  // now held in memory
  EXPECT_EQ(FieldOf(svc_->ChangePassword(p, "wrong", "NewPass#2026")).value(), "current_password");
  EXPECT_EQ(FieldOf(svc_->ChangePassword(p, "Xinqiao@2026", "short")).value(), "new_password");
  ASSERT_TRUE(svc_->ChangePassword(p, "Xinqiao@2026", "NewPass#2026").ok());
  EXPECT_FALSE(svc_->Resolve(other.token));  // other sessions end
  EXPECT_FALSE(svc_->Login("teacher", "Xinqiao@2026", "x").ok());
  EXPECT_TRUE(svc_->Login("teacher", "NewPass#2026", "x").ok());
}

TEST_F(AuthServiceTest, AccountsAdministeredWithinScope) {
  auto admin = LoginAs("admin3");
  auto page = svc_->ListAccounts(admin, std::nullopt, "", "", 50).value();
  // admin3 and teacher are in school 3; other_admin (school 4) is not listed.
  ASSERT_EQ(page.total, 2);
  for (const auto& v : page.items) EXPECT_NE(v.account.username, "other_admin");
  EXPECT_EQ(svc_->ListAccounts(admin, 4, "", "", 50).status().code(), absl::StatusCode::kNotFound);

  NewAccount a{"new.teacher", "新老师", "Xinqiao@2026", {{"head_teacher", 5}}};
  auto created = svc_->CreateAccount(admin, a);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->account.must_change_password);
  EXPECT_EQ(svc_->CreateAccount(admin, a).status().code(), absl::StatusCode::kAlreadyExists);

  // Out of scope unit: not found. Role above the granter: denied.
  NewAccount b{"x.teacher", "X", "Xinqiao@2026", {{"head_teacher", 4}}};
  EXPECT_EQ(svc_->CreateAccount(admin, b).status().code(), absl::StatusCode::kNotFound);
  NewAccount c{"x.city", "X", "Xinqiao@2026", {{"city_admin", 3}}};
  EXPECT_EQ(svc_->CreateAccount(admin, c).status().code(), absl::StatusCode::kPermissionDenied);
  NewAccount d{"x.bad", "X", "Xinqiao@2026", {{"wizard", 3}}};
  EXPECT_EQ(FieldOf(svc_->CreateAccount(admin, d).status()).value(), "roles[0].role");
  NewAccount e{"bad name!", "X", "Xinqiao@2026", {{"head_teacher", 5}}};
  EXPECT_EQ(FieldOf(svc_->CreateAccount(admin, e).status()).value(), "username");

  // Grant and revoke.
  auto g = svc_->Grant(admin, created->account.id, "subject_teacher", 5);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(g->grant.has_value()) << "not a four-eyes role: in effect at once";
  EXPECT_EQ(svc_->Grant(admin, created->account.id, "subject_teacher", 5).status().code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(svc_->Revoke(admin, created->account.id, g->grant->id).ok());
  EXPECT_EQ(svc_->Revoke(admin, created->account.id, g->grant->id).code(), absl::StatusCode::kNotFound);
  EXPECT_GE(AuditCount("grant"), 2);
  EXPECT_EQ(AuditCount("revoke"), 1);
}

// Account changes record their audit entry in their own transaction: when
// the audit log cannot be written, the change fails (503 audit_unavailable)
// and nothing of it is kept; a denial that cannot be audited fails too.
TEST_F(AuthServiceTest, AccountChangesAreNotKeptWithoutTheirAuditEntry) {
  auto admin = LoginAs("admin3");
  Exec("ALTER TABLE audit_log RENAME TO audit_log_away");
  NewAccount a{"unaudited", "未审计", "Xinqiao@2026", {{"head_teacher", 5}}};
  auto created = svc_->CreateAccount(admin, a);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable) << created.status();
  EXPECT_EQ(CodeOf(created.status()).value_or(""), "audit_unavailable");
  EXPECT_FALSE(store_->FindAccountByUsername("unaudited").value().has_value()) << "no account without its entry";
  // A denial is audited before it is answered; unaudited, it is not answered as a denial.
  NewAccount city{"x.city", "X", "Xinqiao@2026", {{"city_admin", 3}}};
  EXPECT_EQ(CodeOf(svc_->CreateAccount(admin, city).status()).value_or(""), "audit_unavailable");
  // Sign-in: no session is opened without its entry.
  auto login = svc_->Login("teacher", "Xinqiao@2026", "127.0.0.1");
  EXPECT_EQ(CodeOf(login.status()).value_or(""), "audit_unavailable") << login.status();
  long long sessions = -1;
  ASSERT_TRUE(
      db_->Run([&](soci::session& s) {
           s << "SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'teacher'",
               soci::into(sessions);
           return absl::OkStatus();
         })
          .ok());
  EXPECT_EQ(sessions, 0);
  Exec("ALTER TABLE audit_log_away RENAME TO audit_log");
  ASSERT_TRUE(svc_->CreateAccount(admin, a).ok());
  EXPECT_EQ(AuditCount("account_create"), 1);
  EXPECT_TRUE(audit_->Verify().value().ok);
}

TEST_F(AuthServiceTest, NonAdminsCannotAdministerAccounts) {
  auto teacher = LoginAs("teacher");
  EXPECT_EQ(svc_->ListAccounts(teacher, std::nullopt, "", "", 50).status().code(), absl::StatusCode::kPermissionDenied);
  NewAccount a{"sneaky", "S", "Xinqiao@2026", {{"head_teacher", 5}}};
  EXPECT_FALSE(svc_->CreateAccount(teacher, a).ok());
  EXPECT_EQ(svc_->Grant(teacher, admin_, "psych_staff", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_GE(AuditCount("denied"), 1);
}

TEST_F(AuthServiceTest, AdminOfAnotherSchoolCannotSeeOrResetAccounts) {
  auto other = LoginAs("other_admin");
  EXPECT_EQ(svc_->ResetPassword(other, admin_, "Another#2026").code(), absl::StatusCode::kNotFound);
  auto admin = LoginAs("admin3");
  auto page = svc_->ListAccounts(admin, std::nullopt, "teach", "", 50).value();
  ASSERT_EQ(page.items.size(), 1u);
  auto teacher = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(svc_->Resolve(teacher.token));  // now held in memory
  ASSERT_TRUE(svc_->ResetPassword(admin, page.items[0].account.id, "Another#2026").ok());
  EXPECT_FALSE(svc_->Resolve(teacher.token));  // the reset ends it at once
  EXPECT_TRUE(svc_->Login("teacher", "Another#2026", "x").ok());
}

TEST_F(AuthServiceTest, ResolvedSessionIsReadAgainAfterTheCacheBound) {
  AuthService svc(*store_, *audit_, clock_, AuthOptions{.principal_cache_s = 30});
  auto r = svc.Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(svc.Resolve(r.token));
  // Removed behind its back (no change logged): noticed within the bound.
  Exec("DELETE FROM sessions");
  EXPECT_TRUE(svc.Resolve(r.token));
  clock_.Advance(29'000'000);
  EXPECT_TRUE(svc.Resolve(r.token));
  clock_.Advance(2'000'000);
  EXPECT_FALSE(svc.Resolve(r.token));

  // With the cache off every request reads the store.
  AuthService uncached(*store_, *audit_, clock_, AuthOptions{.principal_cache_s = 0});
  auto r2 = uncached.Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(uncached.Resolve(r2.token));
  Exec("DELETE FROM sessions");
  EXPECT_FALSE(uncached.Resolve(r2.token));
}

TEST_F(AuthServiceTest, ChangesMadeByAnotherServerReachHeldSessions) {
  AuthService other(*store_, *audit_, clock_);  // a second server on the same database
  ASSERT_TRUE(svc_->ApplyAuthChanges().ok());
  auto admin = LoginAs("admin3");
  auto t1 = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  auto t2 = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(svc_->Resolve(t1.token));
  ASSERT_TRUE(svc_->Resolve(t2.token));
  // Logged out on the other server: held here until the log is read.
  auto on_other = other.Resolve(t1.token).value();
  ASSERT_TRUE(other.Logout(on_other).ok());
  EXPECT_TRUE(svc_->Resolve(t1.token));
  ASSERT_TRUE(svc_->ApplyAuthChanges().ok());
  EXPECT_FALSE(svc_->Resolve(t1.token));
  EXPECT_TRUE(svc_->Resolve(t2.token));
  // A role revoked on the other server.
  auto admin_there = other.Resolve(other.Login("admin3", "Xinqiao@2026", "x").value().token).value();
  auto g = other.Grant(admin_there, t2.me.account.id, "subject_teacher", 5);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(g->grant.has_value());
  ASSERT_TRUE(svc_->ApplyAuthChanges().ok());
  ASSERT_EQ(svc_->Resolve(t2.token)->actor.grants.size(), 2u);
  ASSERT_TRUE(other.Revoke(admin_there, t2.me.account.id, g->grant->id).ok());
  EXPECT_EQ(svc_->Resolve(t2.token)->actor.grants.size(), 2u) << "held";
  ASSERT_TRUE(svc_->ApplyAuthChanges().ok());
  EXPECT_EQ(svc_->Resolve(t2.token)->actor.grants.size(), 1u);
  (void)admin;
}

TEST_F(AuthServiceTest, SignedInSessionsAreHeldAtStart) {
  auto r = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  clock_.Advance(31 * kMinute);
  auto fresh = svc_->Login("admin3", "Xinqiao@2026", "x").value();
  auto ending = svc_->Login("other_admin", "Xinqiao@2026", "x").value();
  // Logged as ended by another server while this one was reading.
  Exec("INSERT INTO auth_changes (at, account_id, token_hash) VALUES (" +
       std::to_string(SystemClock::Instance().NowMicros()) + ", 0, '" + HashToken(ending.token) + "')");
  AuthService restarted(*store_, *audit_, clock_);
  auto held = restarted.HoldSignedInSessions();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->sessions, 1u) << "only sessions active within the idle timeout and not ended";
  EXPECT_TRUE(held->student_ids.empty()) << "admin3 is staff";
  Exec("DELETE FROM sessions");  // behind its back: the held one still resolves
  EXPECT_TRUE(restarted.Resolve(fresh.token));
  EXPECT_FALSE(restarted.Resolve(r.token));
  EXPECT_FALSE(restarted.Resolve(ending.token));
}

TEST_F(AuthServiceTest, GrantChangesReachSignedInSessionsAtOnce) {
  auto admin = LoginAs("admin3");
  auto teacher = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_EQ(svc_->Resolve(teacher.token)->actor.grants.size(), 1u);
  const int64_t id = teacher.me.account.id;
  auto g = svc_->Grant(admin, id, "subject_teacher", 5);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(g->grant.has_value());
  EXPECT_EQ(svc_->Resolve(teacher.token)->actor.grants.size(), 2u);
  ASSERT_TRUE(svc_->Revoke(admin, id, g->grant->id).ok());
  EXPECT_EQ(svc_->Resolve(teacher.token)->actor.grants.size(), 1u);
}

TEST_F(AuthServiceTest, PsychologyRoleWaitsForASecondAdministrator) {
  AddAccount("admin3b", "school_data_admin", 3, 3);
  auto admin = LoginAs("admin3");
  auto second = LoginAs("admin3b");
  auto teacher = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  const int64_t id = teacher.me.account.id;
  // Never on one's own account, four-eyes role or not.
  EXPECT_EQ(svc_->Grant(admin, admin_, "head_teacher", 5).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->Grant(admin, admin_, "psych_staff", 3).status().code(), absl::StatusCode::kPermissionDenied);
  auto asked = svc_->Grant(admin, id, "psych_staff", 3);
  ASSERT_TRUE(asked.ok()) << asked.status();
  ASSERT_TRUE(asked->request.has_value());
  EXPECT_FALSE(asked->grant.has_value());
  EXPECT_EQ(svc_->Resolve(teacher.token)->actor.grants.size(), 1u) << "no effect while pending";
  EXPECT_EQ(svc_->DecideGrantRequest(admin, asked->request->id, true).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "the requester does not approve";
  EXPECT_EQ(svc_->DecideGrantRequest(svc_->Resolve(teacher.token).value(), asked->request->id, true).status().code(),
            absl::StatusCode::kNotFound);
  auto other = LoginAs("other_admin");
  EXPECT_EQ(svc_->DecideGrantRequest(other, asked->request->id, true).status().code(), absl::StatusCode::kNotFound);
  auto done = svc_->DecideGrantRequest(second, asked->request->id, true);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, "approved");
  EXPECT_EQ(svc_->Resolve(teacher.token)->actor.grants.size(), 2u) << "in effect once approved";
  EXPECT_EQ(svc_->DecideGrantRequest(second, asked->request->id, false).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(AuditCount("grant_requested"), 1);
  EXPECT_EQ(AuditCount("grant_approved"), 1);
}

TEST_F(AuthServiceTest, TemporaryPasswordAllowsOnlyTheChange) {
  auto admin = LoginAs("admin3");
  NewAccount a{"temp.teacher", "临时", "Welcome#2026", {{"head_teacher", 5}}};
  ASSERT_TRUE(svc_->CreateAccount(admin, a).ok());
  auto r = svc_->Login("temp.teacher", "Welcome#2026", "x").value();
  auto p = svc_->Resolve(r.token).value();
  EXPECT_TRUE(p.must_change_password);
  ASSERT_TRUE(svc_->ChangePassword(p, "Welcome#2026", "Mine#2026abc").ok());
  EXPECT_FALSE(svc_->Resolve(r.token).value().must_change_password);
  EXPECT_FALSE(LoginAs("teacher").must_change_password);
}

TEST_F(AuthServiceTest, UnknownNamesLockOutLikeRealOnes) {
  std::vector<absl::StatusCode> real, unknown;
  for (int i = 0; i < 6; ++i) {
    real.push_back(svc_->Login("teacher", "wrong-pass", "a").status().code());
    unknown.push_back(svc_->Login("no.such", "wrong-pass", "b").status().code());
  }
  EXPECT_EQ(real, unknown);
  EXPECT_EQ(real[3], absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(real[4], absl::StatusCode::kResourceExhausted);
}

TEST_F(AuthServiceTest, FailuresPerAddressAreThrottled) {
  AuthService svc(*store_, *audit_, clock_, AuthOptions{.max_failed_logins_per_address = 3});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(svc.Login("guess" + std::to_string(i), "wrong-pass", "10.0.0.1").status().code(),
              absl::StatusCode::kUnauthenticated);
  auto blocked = svc.Login("teacher", "Xinqiao@2026", "10.0.0.1");
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GT(AuthService::RetryAfterOf(blocked.status()), 0);
  EXPECT_TRUE(svc.Login("teacher", "Xinqiao@2026", "10.0.0.2").ok()) << "another address";
  clock_.Advance(601'000'000);
  EXPECT_TRUE(svc.Login("teacher", "Xinqiao@2026", "10.0.0.1").ok()) << "the window passed";
}

TEST_F(AuthServiceTest, IdleClockIsWrittenOncePerSixthOfTheTimeout) {
  auto r = svc_->Login("teacher", "Xinqiao@2026", "x").value();
  const int64_t t0 = clock_.NowMicros();
  auto stored = [&] { return store_->FindSession(HashToken(r.token)).value().value().last_seen_at; };
  clock_.Advance(2 * kMinute);
  ASSERT_TRUE(svc_->Resolve(r.token));
  ASSERT_TRUE(svc_->FlushSessionActivity().ok());
  EXPECT_EQ(stored(), t0) << "two minutes on: not worth a write";
  clock_.Advance(4 * kMinute);
  ASSERT_TRUE(svc_->Resolve(r.token));
  ASSERT_TRUE(svc_->FlushSessionActivity().ok());
  EXPECT_EQ(stored(), t0 + 6 * kMinute);
  // In memory the clock is exact: 29 minutes after the last request it lives.
  clock_.Advance(3 * kMinute);
  ASSERT_TRUE(svc_->Resolve(r.token));
  clock_.Advance(29 * kMinute);
  EXPECT_TRUE(svc_->Resolve(r.token));
}

TEST_F(AuthServiceTest, IdleClockSurvivesFlushWhileHeldInMemory) {
  AuthService svc(*store_, *audit_, clock_, AuthOptions{.principal_cache_s = 24 * 3600});
  auto r = svc.Login("teacher", "Xinqiao@2026", "x").value();
  ASSERT_TRUE(svc.Resolve(r.token));
  for (int i = 0; i < 4; ++i) {  // active every 20 min for 80 min
    clock_.Advance(20 * kMinute);
    ASSERT_TRUE(svc.Resolve(r.token)) << i;
    ASSERT_TRUE(svc.FlushSessionActivity().ok());
  }
  clock_.Advance(31 * kMinute);
  EXPECT_FALSE(svc.Resolve(r.token));
}

}  // namespace
}  // namespace xq::auth
