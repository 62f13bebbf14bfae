// One-time passwords of RFC 4226 (HOTP) and RFC 6238 (TOTP, HMAC-SHA-1,
// 30 s steps), computed and checked by liboath (OATH Toolkit). Secrets are
// raw bytes; authenticator apps take them in base32 in an otpauth:// URI.
// Thread-safe: pure functions (liboath is initialised once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace xq::auth::totp {

inline constexpr int kStepSeconds = 30;
inline constexpr int kDigits = 6;
inline constexpr int kSecretBytes = 20;  // 160 bits, as RFC 4226 recommends

// The HOTP value of secret at counter, with 6..8 digits.
absl::StatusOr<std::string> Hotp(std::string_view secret, uint64_t counter, int digits = kDigits);
// The TOTP value of secret at a Unix time (seconds), with 6..8 digits.
absl::StatusOr<std::string> TotpAt(std::string_view secret, int64_t unix_seconds, int digits = kDigits);
// The time step (Unix seconds / 30) whose code equals `code`, looking at the
// step of unix_seconds and `window` steps either side; nullopt when none
// does or the code is not 6 digits. The caller refuses steps it accepted
// before (no replay).
std::optional<int64_t> MatchStep(std::string_view secret, std::string_view code, int64_t unix_seconds, int window = 1);
// A new random secret (libsodium CSPRNG).
std::string NewSecret();
// RFC 4648 base32 without padding (what authenticator apps expect), and back.
std::string Base32(std::string_view bytes);
std::optional<std::string> FromBase32(std::string_view text);
// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace xq::auth::totp
