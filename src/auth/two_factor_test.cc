// TwoFactorService on a real SQLite database with a fake clock: who is
// asked, enrolment, the ±1 step window, no replay, recovery codes, the
// lock-out, the reset by another administrator and the city switch.
#include "auth/two_factor.h"

#include <unistd.h>

#include <filesystem>

#include "auth/password.h"
#include "auth/totp.h"
#include "core/ids.h"
#include "core/status.h"
#include "gtest/gtest.h"

namespace xq::auth {
namespace {

class TwoFactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_2fa_" + std::to_string(::getpid()) + "_" +
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
        "INSERT INTO org_units (id, parent_id, kind, name, school_id, district_id, path, created_at) VALUES (5, 3, "
        "'class', '初一(1)班', 3, 2, '/1/2/3/5/', 0)");
    city_admin_ = AddAccount("city", "city_admin", 1);
    admin_ = AddAccount("admin3", "school_data_admin", 3);
    admin2_ = AddAccount("admin3b", "school_data_admin", 3);
    psych_ = AddAccount("psych", "psych_staff", 3);
    teacher_ = AddAccount("teacher", "head_teacher", 5);
    store_ = NewSqlAuthStore(*db_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    auth_ = std::make_unique<AuthService>(*store_, *audit_, clock_);
    tf_store_ = NewSqlTwoFactorStore(*db_);
    tf_ = std::make_unique<TwoFactorService>(*tf_store_, *store_, *auth_, *audit_, clock_);
    auth_->SetLoginGate(tf_.get());
  }
  void TearDown() override {
    tf_.reset();
    auth_.reset();
    tf_store_.reset();
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
  int64_t AddAccount(const std::string& user, const std::string& role, int64_t unit) {
    static const std::string hash = HashPassword("Xinqiao@2026").value();
    int64_t id = NewId();
    Exec(
        "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, updated_at) VALUES "
        "(" +
        std::to_string(id) + ", '" + user + "', '" + hash + "', '" + user + "', 'staff', 0, 0)");
    Exec("INSERT INTO role_assignments (id, account_id, role, org_unit_id, created_at) VALUES (" +
         std::to_string(NewId()) + ", " + std::to_string(id) + ", '" + role + "', " + std::to_string(unit) + ", 0)");
    return id;
  }
  LoginResult Password(const std::string& user) {
    auto r = auth_->Login(user, "Xinqiao@2026", "127.0.0.1");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : LoginResult{};
  }
  policy::Principal PrincipalOf(const LoginResult& r) {
    auto p = auth_->Resolve(r.token);
    EXPECT_TRUE(p.has_value());
    return p.value_or(policy::Principal{});
  }
  std::string CodeAt(const std::string& secret_b32, int64_t offset_steps = 0) {
    return totp::TotpAt(*totp::FromBase32(secret_b32), clock_.NowSeconds() + offset_steps * 30).value();
  }
  void NextStep() { clock_.Advance(30'000'000); }
  // Enrols `user` (city on) and returns its secret and recovery codes.
  std::pair<std::string, std::vector<std::string>> Enrol(const std::string& user) {
    auto r = Password(user);
    EXPECT_TRUE(r.challenge && r.challenge->step == "enrol");
    auto start = tf_->StartEnrolment(r.challenge->token);
    EXPECT_TRUE(start.ok()) << start.status();
    auto done = tf_->ConfirmEnrolment(r.challenge->token, CodeAt(start->secret), "127.0.0.1");
    EXPECT_TRUE(done.ok()) << done.status();
    for (int i = 0; i < 3; ++i) NextStep();  // the enrolment's step is spent
    return {start->secret, done.ok() ? done->recovery_codes : std::vector<std::string>{}};
  }
  void CityOn() {
    auto p = PrincipalOf(Password("city"));  // before the switch: password only
    ASSERT_TRUE(tf_->SetCitySetting(p, true).ok());
  }
  int64_t AuditCount(const std::string& action) {
    return static_cast<int64_t>(audit_->List(0, 1000, action).value().size());
  }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<AuthStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<TwoFactorStore> tf_store_;
  std::unique_ptr<TwoFactorService> tf_;
  int64_t city_admin_ = 0, admin_ = 0, admin2_ = 0, psych_ = 0, teacher_ = 0;
};

TEST_F(TwoFactorTest, RequiredByDefaultForSensitiveRolesOnly) {
  // No city setting stored: required.
  auto psych = Password("psych");
  ASSERT_TRUE(psych.challenge.has_value());
  EXPECT_EQ(psych.challenge->step, "enrol");
  EXPECT_TRUE(psych.token.empty());
  EXPECT_EQ(psych.challenge->token.size(), 64u);
  auto admin = Password("admin3");
  ASSERT_TRUE(admin.challenge.has_value());
  auto teacher = Password("teacher");
  EXPECT_FALSE(teacher.challenge.has_value());
  EXPECT_FALSE(teacher.token.empty());
}

TEST_F(TwoFactorTest, CitySwitchOffMeansNoSecondStepAndOnlyTheCityAdminChangesIt) {
  ASSERT_TRUE(tf_store_->SetSetting("two_factor", "off", 0, 0).ok());
  auto city = Password("city");
  ASSERT_FALSE(city.challenge.has_value());
  auto psych = Password("psych");
  EXPECT_FALSE(psych.challenge.has_value());
  auto admin_p = PrincipalOf(Password("admin3"));
  EXPECT_EQ(tf_->SetCitySetting(admin_p, true).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(tf_->GetCitySetting(admin_p).ok());
  auto teacher_p = PrincipalOf(Password("teacher"));
  EXPECT_EQ(tf_->GetCitySetting(teacher_p).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditCount("city_setting"), 0);
  ASSERT_TRUE(tf_->SetCitySetting(PrincipalOf(city), true).ok());
  EXPECT_EQ(AuditCount("city_setting"), 1);
  EXPECT_TRUE(Password("psych").challenge.has_value());
  EXPECT_FALSE(Password("teacher").challenge.has_value());
}

TEST_F(TwoFactorTest, EnrolmentNeedsARightFirstCodeThenGivesTenRecoveryCodes) {
  auto r = Password("psych");
  ASSERT_TRUE(r.challenge);
  // The enrol challenge does not take a code for signing in.
  EXPECT_EQ(tf_->Verify(r.challenge->token, "123456", "", "x").status().code(), absl::StatusCode::kFailedPrecondition);
  auto start = tf_->StartEnrolment(r.challenge->token);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->secret.size(), 32u);
  EXPECT_NE(start->otpauth_uri.find("secret=" + start->secret), std::string::npos);
  const std::string right = CodeAt(start->secret);
  const std::string wrong = right == "000000" ? "000001" : "000000";
  auto bad = tf_->ConfirmEnrolment(r.challenge->token, wrong, "x");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tf_->ConfirmEnrolment(r.challenge->token, "abc", "x").status().code(), absl::StatusCode::kUnauthenticated);
  auto done = tf_->ConfirmEnrolment(r.challenge->token, right, "x");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->recovery_codes.size(), 10u);
  EXPECT_FALSE(done->login.token.empty());
  EXPECT_EQ(PrincipalOf(done->login).account_id, psych_);
  EXPECT_EQ(AuditCount("two_factor_enrolled"), 1);
  // The challenge is spent; the secret is not shown again.
  EXPECT_EQ(tf_->StartEnrolment(r.challenge->token).status().code(), absl::StatusCode::kUnauthenticated);
  auto again = Password("psych");
  ASSERT_TRUE(again.challenge);
  EXPECT_EQ(again.challenge->step, "totp");
  EXPECT_EQ(tf_->StartEnrolment(again.challenge->token).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TwoFactorTest, CodeWindowAndNoReplay) {
  auto [secret, codes] = Enrol("psych");
  auto r = Password("psych");
  ASSERT_TRUE(r.challenge);
  // Two steps old: refused.
  EXPECT_EQ(tf_->Verify(r.challenge->token, CodeAt(secret, -2), "", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
  // One step old: accepted.
  const std::string previous = CodeAt(secret, -1);
  auto ok = tf_->Verify(r.challenge->token, previous, "", "x");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(PrincipalOf(*ok).account_id, psych_);
  // The same code again (a replay), and the older one: refused.
  auto r2 = Password("psych");
  EXPECT_EQ(tf_->Verify(r2.challenge->token, previous, "", "x").status().code(), absl::StatusCode::kUnauthenticated);
  // The current step's code is later: accepted once.
  const std::string current = CodeAt(secret);
  ASSERT_TRUE(tf_->Verify(r2.challenge->token, current, "", "x").ok());
  auto r3 = Password("psych");
  EXPECT_EQ(tf_->Verify(r3.challenge->token, current, "", "x").status().code(), absl::StatusCode::kUnauthenticated);
  // A spent challenge cannot be used again.
  NextStep();
  EXPECT_EQ(tf_->Verify(r2.challenge->token, CodeAt(secret), "", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(TwoFactorTest, RecoveryCodeWorksOnce) {
  auto [secret, codes] = Enrol("psych");
  ASSERT_EQ(codes.size(), 10u);
  auto r = Password("psych");
  // Lower case and without the dash is the same code.
  std::string typed;
  for (char c : codes[3])
    if (c != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto ok = tf_->Verify(r.challenge->token, "", typed, "x");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(AuditCount("two_factor_recovery_code_used"), 1);
  auto r2 = Password("psych");
  EXPECT_EQ(tf_->Verify(r2.challenge->token, "", codes[3], "x").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tf_->Verify(r2.challenge->token, "", "ZZZZZ-ZZZZZ", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tf_->Verify(r2.challenge->token, "", "", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tf_->Verify(r2.challenge->token, "123456", codes[4], "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(tf_->Verify(r2.challenge->token, "", codes[4], "x").ok());
  auto state = tf_->StateOf(PrincipalOf(*ok));
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->enrolled);
  EXPECT_EQ(state->recovery_codes_left, 8);
}

TEST_F(TwoFactorTest, WrongCodesEndTheChallengeAndLockTheSecondStep) {
  auto [secret, codes] = Enrol("psych");
  const std::string right = CodeAt(secret);
  const std::string wrong = right == "000000" ? "000001" : "000000";
  auto r = Password("psych");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(tf_->Verify(r.challenge->token, wrong, "", "x").status().code(), absl::StatusCode::kUnauthenticated);
  }
  // The fifth wrong code locks (rate limited) and ends the challenge.
  auto fifth = tf_->Verify(r.challenge->token, wrong, "", "x");
  EXPECT_EQ(fifth.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(tf_->Verify(r.challenge->token, right, "", "x").status().code(), absl::StatusCode::kUnauthenticated);
  auto r2 = Password("psych");
  EXPECT_EQ(tf_->Verify(r2.challenge->token, right, "", "x").status().code(), absl::StatusCode::kResourceExhausted);
  clock_.Advance(61'000'000);
  auto r3 = Password("psych");
  EXPECT_TRUE(tf_->Verify(r3.challenge->token, CodeAt(secret), "", "x").ok());
  EXPECT_GE(AuditCount("two_factor_failed"), 5);
}

TEST_F(TwoFactorTest, ExpiredChallengeIsRefused) {
  auto [secret, codes] = Enrol("psych");
  auto r = Password("psych");
  clock_.Advance((TwoFactorService::kChallengeSeconds + 1) * 1'000'000);
  EXPECT_EQ(tf_->Verify(r.challenge->token, CodeAt(secret), "", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tf_->Verify(std::string(64, 'a'), CodeAt(secret), "", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tf_->Verify("short", CodeAt(secret), "", "x").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(TwoFactorTest, ResetByAnotherAdministratorOnlyEndsSessionsAndIsAudited) {
  auto [secret, codes] = Enrol("psych");
  auto [asecret, acodes] = Enrol("admin3");
  auto psych_session = tf_->Verify(Password("psych").challenge->token, CodeAt(secret), "", "x");
  ASSERT_TRUE(psych_session.ok());
  auto admin_login = tf_->Verify(Password("admin3").challenge->token, CodeAt(asecret), "", "x");
  ASSERT_TRUE(admin_login.ok());
  auto admin = PrincipalOf(*admin_login);
  // Not self.
  EXPECT_EQ(tf_->Reset(admin, admin_).code(), absl::StatusCode::kPermissionDenied);
  // Not by a non-administrator (the account is not visible to it).
  auto teacher = PrincipalOf(Password("teacher"));
  EXPECT_EQ(tf_->Reset(teacher, psych_).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(tf_->Reset(admin, 424242).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("two_factor_reset"), 0);
  ASSERT_TRUE(tf_->Reset(admin, psych_).ok());
  EXPECT_EQ(AuditCount("two_factor_reset"), 1);
  ASSERT_TRUE(auth_->ApplyAuthChanges().ok());
  EXPECT_FALSE(auth_->Resolve(psych_session->token).has_value());
  auto r = Password("psych");
  ASSERT_TRUE(r.challenge);
  EXPECT_EQ(r.challenge->step, "enrol");
  EXPECT_EQ(tf_->Verify(r.challenge->token, "", codes[0], "x").status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace xq::auth
