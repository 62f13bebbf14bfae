#include "auth/password.h"

#include <sodium.h>

#include <algorithm>

#include "core/status.h"

namespace xq::auth {

absl::StatusOr<std::string> HashPassword(std::string_view password) {
  if (sodium_init() < 0) return Internal("libsodium init failed");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Internal("out of memory hashing a password");
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (sodium_init() < 0) return false;
  std::string h(hash);  // must be NUL-terminated
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

absl::Status CheckPasswordStrength(std::string_view password, std::string_view field) {
  if (password.size() < 8) return InvalidArgument("password must have at least 8 characters", field);
  if (password.size() > 128) return InvalidArgument("password is too long", field);
  if (std::all_of(password.begin(), password.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return InvalidArgument("password must not be only digits", field);
  return absl::OkStatus();
}

}  // namespace xq::auth
