// Student sign-in the way a school lab works: the head teacher
// prints login slips for a class — 学号-based login name plus a one-time
// code (and a QR link for phones) — and a student signs in with the slip
// and may set a password at once; no e-mail or phone number is needed.
//
// Issuing a slip creates the student's account when missing
// (person_type 'student', role 'student' at the class) and replaces any
// earlier code. Only the code's BLAKE2b hash is stored; a code is single
// use and expires after 7 days. Sessions are created exactly as a password
// login creates them; logins and failures are audited.
//
// Whoever holds the code (the teacher who printed it) must not read what
// the student answered: a slip sign-in on a student who already set a
// password is a reset. The password stops working, the student's other
// sessions end, the unsubmitted draft answers are discarded (they are D2
// and the person at the keyboard is not known to be the student), it is
// audited, and the student is told at the next sign-in.
// Thread-safe: stateless apart from its collaborators.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "auth/auth_store.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "db/database.h"
#include "policy/principal.h"

namespace xq::auth {

struct Slip {
  int64_t student_id = 0;
  std::string student_no;
  std::string name;
  std::string login;  // account username
  std::string code;   // shown once, on the slip
  int64_t expires_at = 0;
};

struct SlipLoginResult {
  std::string token;  // cookie value
  Account account;
  std::vector<RoleGrant> grants;
  std::vector<std::string> capabilities;
  std::string csrf_token;
};

class AuthService;

class SlipService {
 public:
  // auth: its per-address throttle is shared with password sign-in, and it
  // forgets the sessions a slip reset ends.
  SlipService(db::Database& db, AuthStore& store, audit::AuditLog& audit, const Clock& clock, AuthService& auth);

  // Head teachers, psychology staff and school data admins of the class.
  absl::StatusOr<std::vector<Slip>> IssueSlips(const policy::Principal& p, int64_t class_id);
  // Wrong login or code look alike (unauthenticated); repeated failures
  // lock the account like password logins do.
  absl::StatusOr<SlipLoginResult> Login(std::string_view login, std::string_view code,
                                        std::optional<std::string> new_password, std::string_view remote_addr);

 private:
  audit::Event AuditEvent(int64_t actor, std::string role, std::string action, std::string object_id,
                          int64_t student_id, std::string outcome, std::string detail = {}) const;
  // A failed sign-in or a denial, in its own transaction; a failed audit
  // write fails the request (audit/audited.h).
  absl::Status Audit(int64_t actor, std::string role, std::string action, std::string object_id, int64_t student_id,
                     std::string outcome, std::string detail = {});

  db::Database& db_;
  AuthStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
  AuthService& auth_;
  // Login names without a student account lock out as real ones do.
  LoginThrottle names_;
};

}  // namespace xq::auth
