// Plain types of accounts, role grants and sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xq::auth {

struct Account {
  int64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string display_name;
  std::string person_type;  // "staff" | "student" | "guardian"
  int64_t person_id = 0;
  int64_t school_id = 0;
  bool disabled = false;
  bool must_change_password = false;
  int failed_logins = 0;
  int64_t locked_until = 0;  // micros; 0 = not locked
};

// A role bound to an org unit, with the unit's facts for display and scope.
struct RoleGrant {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string role;  // policy::RoleName
  int64_t unit_id = 0;
  std::string unit_name;
  std::string unit_kind;
  std::string unit_path;
  int64_t school_id = 0;
};

struct Session {
  std::string token_hash;
  int64_t account_id = 0;
  std::string csrf_token;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
};

// What a request's session token resolves to, read in one query.
struct SignedIn {
  Session session;
  Account account;
  std::vector<RoleGrant> grants;
};

struct UnitRef {
  int64_t id = 0;
  std::string name;
  std::string kind;
  std::string path;
  int64_t school_id = 0;
};

// A role grant waiting for a second administrator (four-eyes, migration 020):
// the policy never sees it until approved.
struct GrantRequest {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string account_username;
  std::string account_display_name;
  std::string role;
  UnitRef unit;
  int64_t requested_by = 0;
  std::string requested_by_name;
  int64_t requested_at = 0;
  std::string state;  // "pending" | "approved" | "rejected"
  int64_t decided_by = 0;
  std::string decided_by_name;
  int64_t decided_at = 0;
};

// An account with its grants, as listed to administrators.
struct AccountView {
  Account account;
  std::vector<RoleGrant> grants;
  std::vector<GrantRequest> pending;  // grants waiting for a second administrator
};

struct AccountPage {
  std::vector<AccountView> items;
  std::string next;  // username cursor, empty at the end
  int64_t total = 0;
};

}  // namespace xq::auth
