// Identity use cases: login with lock-out, sessions (idle 30 min, absolute
// 12 h), logout, password change, the signed-in user's view, and account
// administration within scope (decided by policy::DecideGrant / Decide).
//
// The session token (128+ bits, CSPRNG) lives only in the client's
// HttpOnly cookie; the database keeps its BLAKE2b hash.
// Thread-safe: stateless apart from the store and audit log it is given,
// the session activity not yet written and the resolved sessions kept in
// memory (each guarded by a mutex).
#pragma once

#include <atomic>
#include <set>
#include <tuple>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/auth_store.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "policy/principal.h"
#include "policy/policy.h"

namespace xq::auth {

struct AuthOptions {
  int64_t idle_timeout_s = 30 * 60;
  int64_t absolute_timeout_s = 12 * 3600;
  int max_failed_logins = 5;     // lock-out starts after this many failures
  int64_t max_lockout_s = 3600;  // back-off doubles from 60 s up to this
  // A resolved session is kept in memory and read again from the store
  // after this many seconds (0: every request reads the store). Logout,
  // password, grant and pairing changes reach it sooner: at once in this
  // server, within a second (ApplyAuthChanges) from any other.
  int64_t principal_cache_s = 600;
  // Failed sign-ins (password and slip) from one client address within
  // address_window_s before that address waits (429 with Retry-After).
  int max_failed_logins_per_address = 50;
  int64_t address_window_s = 600;
};

// The signed-in user, as GET /auth/me shows it.
struct Me {
  Account account;
  std::vector<RoleGrant> grants;
  std::vector<std::string> capabilities;
  std::string csrf_token;
};

// A second sign-in step the password opened (two_factor.h): no session
// exists until the client answers it.
struct LoginChallenge {
  std::string token;  // the client sends it back with the code; never stored
  std::string step;   // "totp" (enter a code) or "enrol" (set up first)
  int64_t expires_in_s = 0;
};

struct LoginResult {
  std::string token;  // cookie value; never stored
  Me me;
  std::optional<LoginChallenge> challenge;  // set: no session yet, token and me empty
};

// Asked after a right password, before a session is made (TwoFactorService).
class LoginGate {
 public:
  virtual ~LoginGate() = default;
  // nullopt: sign in now; otherwise the step the client must take first.
  virtual absl::StatusOr<std::optional<LoginChallenge>> AfterPassword(const Account& account,
                                                                      const std::vector<RoleGrant>& grants) = 0;
};

struct NewAccount {
  std::string username;
  std::string display_name;
  std::string password;
  std::vector<std::pair<std::string, int64_t>> roles;  // (role name, unit id)
};

class AuthService final {
 public:
  AuthService(AuthStore& store, audit::AuditLog& audit, const Clock& clock, AuthOptions options = {});

  // Unknown user and wrong password look alike (unauthenticated). A locked
  // account answers rate_limited with the seconds to wait (RetryAfterOf).
  absl::StatusOr<LoginResult> Login(std::string_view username, std::string_view password, std::string_view remote_addr);
  // Set once at start, before serving (nullptr: no second step).
  void SetLoginGate(LoginGate* gate) { gate_ = gate; }
  // The session of an account whose sign-in steps all passed (Login, and
  // the second step of TwoFactorService); `how` goes to the audit log.
  absl::StatusOr<LoginResult> OpenSession(const Account& account, std::string_view remote_addr,
                                          std::string_view how = "password");
  absl::Status Logout(const policy::Principal& p);
  absl::StatusOr<Me> GetMe(const policy::Principal& p);
  absl::Status ChangePassword(const policy::Principal& p, std::string_view current, std::string_view next);

  // The principal of a session token (the HTTP layer's session resolver,
  // auth/routes.h HttpSessions); nullopt if unknown or expired.
  std::optional<policy::Principal> Resolve(std::string_view token);
  // The held principal itself, not a copy (it lives as long as the pointer).
  std::shared_ptr<const policy::Principal> ResolveShared(std::string_view token);
  // Session activity (the idle clock) is kept in memory by Resolve and
  // written here once it has moved on by a sixth of the idle timeout (at
  // least a minute); the server calls this every few seconds and at
  // shutdown. After a crash, or on another server, a session may so end up
  // to that much early, never late.
  absl::Status FlushSessionActivity();
  // Drops the sessions and accounts that any server changed lately (the
  // auth_changes log); the server calls this every second.
  absl::Status ApplyAuthChanges();
  // At start: holds the sessions active within the idle timeout (at most
  // limit, most recent first) so a restart under load does not send every
  // request to the database at once. Returns how many, and the students
  // among them (ScreeningService::HoldOpenAssessments).
  struct HeldSessions {
    size_t sessions = 0;
    std::vector<int64_t> student_ids;
  };
  absl::StatusOr<HeldSessions> HoldSignedInSessions(size_t limit = 500'000);

  // Account administration (policy DataClass::kAccounts / DecideGrant).
  absl::StatusOr<AccountPage> ListAccounts(const policy::Principal& p, std::optional<int64_t> unit_id,
                                           std::string_view q, std::string_view after, int limit);
  absl::StatusOr<AccountView> CreateAccount(const policy::Principal& p, const NewAccount& a);
  // A role that needs a second administrator (policy::NeedsSecondApproval)
  // comes back as a pending request and has no effect until approved; the
  // psychology centre of the unit's school and the auditors are told.
  struct GrantOutcome {
    std::optional<RoleGrant> grant;       // in effect now
    std::optional<GrantRequest> request;  // waiting for approval
  };
  absl::StatusOr<GrantOutcome> Grant(const policy::Principal& p, int64_t account_id, std::string_view role,
                                     int64_t unit_id);
  absl::Status Revoke(const policy::Principal& p, int64_t account_id, int64_t grant_id);
  // Ends every session of the account; its holder is told who and when.
  absl::Status ResetPassword(const policy::Principal& p, int64_t account_id, std::string_view new_password);
  // Grant requests at units the caller administers, or (psychology centre
  // staff) of its school; state "" for all.
  absl::StatusOr<std::vector<GrantRequest>> ListGrantRequests(const policy::Principal& p, std::string_view state,
                                                              int limit);
  // Approval or rejection by a second administrator (policy::DecideApproval).
  absl::StatusOr<GrantRequest> DecideGrantRequest(const policy::Principal& p, int64_t request_id, bool approve);

  // Per-address failure count shared with slip sign-in.
  LoginThrottle& throttle() { return throttle_; }
  // Drops what this server holds of the account's sessions (another module
  // changed the account; the auth change log tells the other servers).
  void AccountChanged(int64_t account_id) { ForgetAccount(account_id); }

  // Seconds a rate_limited status asks the client to wait (0 if none).
  static int RetryAfterOf(const absl::Status& s);

 private:
  absl::StatusOr<policy::Actor> BuildActor(const Account& a, const std::vector<RoleGrant>& grants);
  // The account if the caller administers at least one of its grants' units.
  absl::StatusOr<AccountView> VisibleAccount(const policy::Principal& p, int64_t account_id);
  // The facts policy::DecideGrantTo needs about the account and the unit.
  static policy::GrantTarget TargetOf(const AccountView& v, const UnitRef& unit);
  // Notices to the psychology centre and auditors of unit (and extra).
  absl::StatusOr<std::vector<notice::Notice>> GrantNotices(const policy::Principal& p, std::string kind,
                                                           const GrantRequest& r, std::vector<int64_t> extra = {});
  audit::Event AuditEvent(const policy::Principal* p, std::string action, std::string object_type,
                          std::string object_id, std::string outcome, std::string detail = {}) const;
  // Records a denial or a failed sign-in in its own transaction; a change
  // records its entry in its own transaction instead (audit::RecordingIn).
  // A failed audit write fails the request (503 audit_unavailable).
  absl::Status Audit(const policy::Principal* p, std::string action, std::string object_type, std::string object_id,
                     std::string outcome, std::string detail = {});

  // A session as Resolve last read it from the store.
  struct Resolved {
    policy::Principal principal;
    int64_t created_at = 0;
    int64_t loaded_at = 0;
    mutable std::atomic<int64_t> last_seen_at{0};       // moves with each request
    mutable std::atomic<int64_t> persisted_seen_at{0};  // as last given to FlushSessionActivity
  };
  std::shared_ptr<const Resolved> CachedSession(const std::string& hash, int64_t now);
  std::shared_ptr<const Resolved> LoadSession(const std::string& hash, int64_t now);
  // The session as read (nullptr: not a valid session).
  std::shared_ptr<const Resolved> Build(const SignedIn& signed_in, int64_t now);
  // Holds r unless something was forgotten since `generation` was taken
  // (the read may be older than the forget).
  uint64_t Generation();
  void Hold(const std::shared_ptr<const Resolved>& r, uint64_t generation);
  void ForgetSession(const std::string& hash);
  void ForgetAccount(int64_t account_id);
  void DropStaleSessions(int64_t now);
  // A held session leaves memory: its unwritten idle clock goes to seen_
  // (under cache_mu_; takes seen_mu_).
  void KeepIdleClock(const Resolved& r);

  AuthStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
  AuthOptions options_;
  std::string dummy_hash_;  // verified against for unknown users (equal timing)
  LoginGate* gate_ = nullptr;
  LoginThrottle throttle_;
  // Token hash -> last request time not yet written (FlushSessionActivity).
  std::mutex seen_mu_;
  std::unordered_map<std::string, int64_t> seen_;
  // Token hash -> resolved session (AuthOptions::principal_cache_s).
  std::mutex cache_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Resolved>> cache_;
  int64_t cache_swept_at_ = 0;
  uint64_t generation_ = 0;  // moves with every forget (a read in flight may be stale)
  // ApplyAuthChanges: wall clock of the last read, the changes applied
  // within the overlap window, the last pruning of the log.
  std::mutex changes_mu_;
  int64_t changes_read_at_ = 0;
  std::set<std::tuple<int64_t, int64_t, std::string>> changes_applied_;
  int64_t changes_pruned_at_ = 0;
};

std::string HashToken(std::string_view token);

}  // namespace xq::auth
