// Two-factor sign-in (TOTP, RFC 6238) for the accounts whose roles read
// identified health data or administer accounts (policy::
// RequiresSecondFactor), while the city requires it (city setting
// "two_factor", changed by the city admin only and audited).
//
// After a right password (AuthService::Login asks this LoginGate) no
// session is made: the client gets a challenge token (5 minutes, at most 5
// tries) and either
//   - answers with a code of its authenticator, or a one-time recovery code
//     (step "totp"), or
//   - when not yet enrolled (step "enrol"), asks for a new secret (libsodium
//     CSPRNG, shown once as an otpauth:// URI for a QR code), confirms it
//     with a first code and receives 10 recovery codes, shown once and kept
//     hashed;
// and only then AuthService::OpenSession makes the session. An accepted
// code's time step is kept: neither it nor an earlier one is accepted again.
// Five wrong codes in a row lock the second step with a doubling back-off.
// A second administrator of the account (never its holder) may reset it;
// the holder enrols again at the next sign-in.
// Thread-safe: the state lives in the store.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/auth_service.h"
#include "auth/auth_store.h"
#include "core/clock.h"
#include "db/database.h"
#include "policy/principal.h"

namespace xq::auth {

struct TwoFactorEnrolment {
  int64_t account_id = 0;
  int64_t school_id = 0;
  std::string secret;  // base32
  bool confirmed = false;
  int64_t last_step = 0;
  int failures = 0;
  int64_t locked_until = 0;  // micros
};

struct TwoFactorChallenge {
  std::string token_hash;
  int64_t account_id = 0;
  int64_t school_id = 0;
  std::string step;  // "totp" | "enrol"
  int attempts = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

class TwoFactorStore {
 public:
  virtual ~TwoFactorStore() = default;
  virtual absl::StatusOr<std::optional<std::string>> Setting(std::string_view key) = 0;
  // Sets the value and returns the one it replaced (nullopt: none).
  virtual absl::StatusOr<std::optional<std::string>> SetSetting(std::string_view key, std::string_view value,
                                                                int64_t by, int64_t now) = 0;

  virtual absl::StatusOr<std::optional<TwoFactorEnrolment>> FindEnrolment(int64_t account_id) = 0;
  // Replaces an unconfirmed enrolment; conflict when a confirmed one exists.
  virtual absl::Status SavePending(const TwoFactorEnrolment& e, int64_t now) = 0;
  // Confirms the enrolment at `step` with these recovery code hashes, in
  // one transaction; false if it was no longer pending.
  virtual absl::StatusOr<bool> Confirm(int64_t account_id, int64_t step,
                                       const std::vector<std::string>& recovery_hashes, int64_t now) = 0;
  // Keeps `step` as the last accepted one, only if it is later than the
  // kept one (false: a replay, or a race lost); clears the failures.
  virtual absl::StatusOr<bool> AcceptStep(int64_t account_id, int64_t step) = 0;
  virtual absl::Status SetFailures(int64_t account_id, int failures, int64_t locked_until) = 0;
  // Marks an unused recovery code used (false: unknown or used); clears
  // the failures.
  virtual absl::StatusOr<bool> UseRecoveryCode(int64_t account_id, std::string_view hash, int64_t now) = 0;
  virtual absl::StatusOr<int> RecoveryCodesLeft(int64_t account_id) = 0;
  // Removes the enrolment, recovery codes and open challenges, and ends the
  // account's sessions (logged for every server), in one transaction.
  virtual absl::Status Reset(int64_t account_id) = 0;

  virtual absl::Status CreateChallenge(const TwoFactorChallenge& c) = 0;
  virtual absl::StatusOr<std::optional<TwoFactorChallenge>> FindChallenge(std::string_view hash) = 0;
  virtual absl::Status CountAttempt(std::string_view hash) = 0;
  virtual absl::Status DeleteChallenge(std::string_view hash) = 0;
};

std::unique_ptr<TwoFactorStore> NewSqlTwoFactorStore(db::Database& db);

// What the enrolment shows once: the secret for typing in, and the URI that
// the UI draws as a QR code.
struct EnrolmentStart {
  std::string secret;  // base32
  std::string otpauth_uri;
  std::string account_name;
};

struct EnrolmentDone {
  LoginResult login;
  std::vector<std::string> recovery_codes;  // shown once
};

struct TwoFactorState {
  bool city_requires = false;
  bool required = false;  // for this account, now
  bool enrolled = false;
  int recovery_codes_left = 0;
};

class TwoFactorService final : public LoginGate {
 public:
  static constexpr int64_t kChallengeSeconds = 300;
  static constexpr int kChallengeAttempts = 5;
  static constexpr int kRecoveryCodes = 10;
  static constexpr std::string_view kSettingKey = "two_factor";

  TwoFactorService(TwoFactorStore& store, AuthStore& accounts, AuthService& auth, audit::AuditLog& audit,
                   const Clock& clock);

  // LoginGate
  absl::StatusOr<std::optional<LoginChallenge>> AfterPassword(const Account& account,
                                                              const std::vector<RoleGrant>& grants) override;

  // The second step with a code (6 digits) or a recovery code; one of them.
  absl::StatusOr<LoginResult> Verify(std::string_view challenge, std::string_view code, std::string_view recovery_code,
                                     std::string_view remote_addr);
  absl::StatusOr<EnrolmentStart> StartEnrolment(std::string_view challenge);
  absl::StatusOr<EnrolmentDone> ConfirmEnrolment(std::string_view challenge, std::string_view code,
                                                 std::string_view remote_addr);

  absl::StatusOr<TwoFactorState> StateOf(const policy::Principal& p);
  // Another administrator of the account resets its enrolment.
  absl::Status Reset(const policy::Principal& p, int64_t account_id);

  // The city switch (missing: required).
  absl::StatusOr<bool> CityRequires();
  absl::StatusOr<bool> GetCitySetting(const policy::Principal& p);
  absl::Status SetCitySetting(const policy::Principal& p, bool required);

 private:
  absl::StatusOr<TwoFactorChallenge> OpenChallenge(std::string_view token, std::string_view step);
  absl::Status WrongCode(const TwoFactorChallenge& c, const TwoFactorEnrolment* e, std::string_view what);
  // A failed audit write fails the request (audit/audited.h).
  absl::Status Audit(const policy::Principal* p, int64_t actor_id, std::string action, std::string object_id,
                     std::string outcome, std::string detail = {});

  TwoFactorStore& store_;
  AuthStore& accounts_;
  AuthService& auth_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

// The hash kept for a recovery code (case, spaces and dashes ignored).
std::string RecoveryCodeHash(int64_t account_id, std::string_view code);

}  // namespace xq::auth
