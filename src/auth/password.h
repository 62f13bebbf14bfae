// Password hashing with Argon2id (libsodium), in the PHC string format.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace xq::auth {

// Hashes with Argon2id (interactive limits).
absl::StatusOr<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);
// Password rules: 8..128 bytes, not all digits. Error names field.
absl::Status CheckPasswordStrength(std::string_view password, std::string_view field);

}  // namespace xq::auth
