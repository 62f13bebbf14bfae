// Storage of accounts, role grants and sessions (SQL via SOCI).
// AuthStore is the interface; SqlAuthStore works on SQLite and PostgreSQL.
// Thread-safe: every call borrows its own pooled session.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "auth/model.h"
#include "db/auth_changes.h"
#include "db/database.h"
#include "notice/model.h"

namespace xq::auth {

class AuthStore {
 public:
  virtual ~AuthStore() = default;
  virtual absl::StatusOr<std::optional<Account>> FindAccountByUsername(std::string_view username) = 0;
  virtual absl::StatusOr<std::optional<Account>> FindAccount(int64_t id) = 0;
  virtual absl::Status SetLoginFailures(int64_t account_id, int failed_logins, int64_t locked_until) = 0;
  // A change takes the audit entry to record in its transaction
  // (audit/audited.h): both commit or neither.
  virtual absl::Status SetPassword(int64_t account_id, std::string_view hash, bool must_change, int64_t now,
                                   audit::InTransaction audit = {}) = 0;

  virtual absl::Status CreateSession(const Session& session, audit::InTransaction audit = {}) = 0;
  virtual absl::StatusOr<std::optional<Session>> FindSession(std::string_view token_hash) = 0;
  // The session with its account and grants (every signed-in request).
  virtual absl::StatusOr<std::optional<SignedIn>> FindSignedIn(std::string_view token_hash) = 0;
  // Sessions seen after `since` (most recent first, at most limit), as
  // FindSignedIn reads them: AuthService holds them in memory at start.
  virtual absl::StatusOr<std::vector<SignedIn>> SignedInSince(int64_t since, size_t limit) = 0;
  // Sessions ended and accounts changed at or after `since` (wall clock,
  // microseconds), by any server (migration 012); PruneChanges drops the
  // log before `before`.
  virtual absl::StatusOr<std::vector<db::AuthChange>> ChangesSince(int64_t since) = 0;
  virtual absl::Status PruneChanges(int64_t before) = 0;
  // Sets last_seen_at of each (token hash, time), in short transactions of
  // at most 100 sessions; a session already gone is skipped.
  virtual absl::Status TouchSessions(const std::vector<std::pair<std::string, int64_t>>& seen) = 0;
  virtual absl::Status DeleteSession(std::string_view token_hash, audit::InTransaction audit = {}) = 0;
  // Ends every session of the account except keep_hash (password change).
  virtual absl::Status DeleteSessionsOf(int64_t account_id, std::string_view keep_hash) = 0;

  virtual absl::StatusOr<std::vector<RoleGrant>> GrantsOf(int64_t account_id) = 0;
  virtual absl::StatusOr<std::optional<RoleGrant>> FindGrant(int64_t grant_id) = 0;
  // Guardian: ids of own children. Staff: ids of paired students.
  virtual absl::StatusOr<std::vector<int64_t>> ChildrenOf(int64_t guardian_id) = 0;
  virtual absl::StatusOr<std::vector<int64_t>> PairedStudentsOf(int64_t staff_id) = 0;
  virtual absl::StatusOr<std::optional<UnitRef>> FindUnit(int64_t unit_id) = 0;

  // Accounts with at least one grant inside one of scope_paths; q matches
  // username or display-name prefix; keyset by username.
  virtual absl::StatusOr<AccountPage> ListAccounts(const std::vector<std::string>& scope_paths, std::string_view q,
                                                   std::string_view after, int limit) = 0;
  // Creates the account, its grants, its grant requests (four-eyes) and
  // their notices atomically (conflict on username).
  virtual absl::Status CreateAccount(const Account& account, const std::vector<RoleGrant>& grants, int64_t now,
                                     const std::vector<GrantRequest>& requests = {},
                                     const std::vector<notice::Notice>& notices = {},
                                     audit::InTransaction audit = {}) = 0;
  virtual absl::Status AddGrant(const RoleGrant& grant, int64_t granted_by, int64_t now,
                                audit::InTransaction audit = {}) = 0;
  virtual absl::Status RemoveGrant(int64_t grant_id, audit::InTransaction audit = {}) = 0;

  // Four-eyes grants (migration 020). The notices are posted in the same
  // transaction. CreateGrantRequest: conflict when the same grant is
  // already pending. DecideGrantRequest: conflict when it is no longer
  // pending; on approval the grant is added (conflict if already held).
  virtual absl::Status CreateGrantRequest(const GrantRequest& r, const std::vector<notice::Notice>& notices,
                                          audit::InTransaction audit = {}) = 0;
  virtual absl::StatusOr<std::optional<GrantRequest>> FindGrantRequest(int64_t id) = 0;
  // Requests at units inside one of scope_paths, newest first; state ""
  // for every state.
  virtual absl::StatusOr<std::vector<GrantRequest>> GrantRequests(const std::vector<std::string>& scope_paths,
                                                                  std::string_view state, int limit) = 0;
  virtual absl::StatusOr<std::vector<GrantRequest>> PendingRequestsOf(int64_t account_id) = 0;
  virtual absl::Status DecideGrantRequest(int64_t id, bool approve, int64_t decided_by, int64_t now,
                                          const std::vector<notice::Notice>& notices,
                                          audit::InTransaction audit = {}) = 0;
  // Psychology centre staff of school_id and auditors over unit_path (the
  // ones told of a grant there).
  virtual absl::StatusOr<std::vector<int64_t>> AccountsToTell(int64_t school_id, const std::string& unit_path) = 0;
  // Sets a password an administrator chose (must be changed), ends every
  // session of the account and posts the notices, in one transaction.
  virtual absl::Status ResetPassword(int64_t account_id, std::string_view hash, int64_t now,
                                     const std::vector<notice::Notice>& notices, audit::InTransaction audit = {}) = 0;
};

std::unique_ptr<AuthStore> NewSqlAuthStore(db::Database& db);

}  // namespace xq::auth
