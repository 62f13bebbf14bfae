// The signed-in user behind a call: who (account, names), the session it
// came through, and the policy::Actor every decision is asked about.
// Services take a Principal (or its actor) and never see the transport;
// the HTTP layer resolves one from the session cookie (http::Principal is
// this type). A plain value: copy it freely.
#pragma once

#include <cstdint>
#include <string>

#include "policy/model.h"

namespace xq::policy {

struct Principal {
  int64_t account_id = 0;
  std::string username;
  std::string display_name;
  std::string csrf_token;
  std::string session_key;  // hash of the session token (for logout)
  Actor actor;
  // Signed in with a password an administrator set: only the password
  // change (and the routes marked during_password_change) answer.
  bool must_change_password = false;
};

}  // namespace xq::policy
