#include "auth/totp.h"

#include <oath.h>
#include <sodium.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "core/status.h"
#include "fmt/format.h"

namespace xq::auth::totp {
namespace {

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)oath_init(); });
}

bool SixDigits(std::string_view code) {
  if (code.size() != static_cast<size_t>(kDigits)) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UriEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> Hotp(std::string_view secret, uint64_t counter, int digits) {
  InitOnce();
  if (digits < 6 || digits > 8) return InvalidArgument("digits must be 6, 7 or 8", "digits");
  std::array<char, 16> out{};
  int rc = oath_hotp_generate(secret.data(), secret.size(), counter, static_cast<unsigned>(digits), false,
                              OATH_HOTP_DYNAMIC_TRUNCATION, out.data());
  if (rc != OATH_OK) return absl::InternalError(fmt::format("oath: {}", oath_strerror(rc)));
  return std::string(out.data());
}

absl::StatusOr<std::string> TotpAt(std::string_view secret, int64_t unix_seconds, int digits) {
  InitOnce();
  if (digits < 6 || digits > 8) return InvalidArgument("digits must be 6, 7 or 8", "digits");
  std::array<char, 16> out{};
  int rc = oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(unix_seconds), kStepSeconds, 0,
                              static_cast<unsigned>(digits), out.data());
  if (rc != OATH_OK) return absl::InternalError(fmt::format("oath: {}", oath_strerror(rc)));
  return std::string(out.data());
}

std::optional<int64_t> MatchStep(std::string_view secret, std::string_view code, int64_t unix_seconds, int window) {
  InitOnce();
  if (!SixDigits(code) || window < 0) return std::nullopt;
  const std::string otp(code);
  int pos = 0;
  uint64_t counter = 0;
  int rc = oath_totp_validate3(secret.data(), secret.size(), static_cast<time_t>(unix_seconds), kStepSeconds, 0,
                               static_cast<size_t>(window), &pos, &counter, otp.c_str());
  if (rc < 0) return std::nullopt;
  return static_cast<int64_t>(counter);
}

std::string NewSecret() {
  std::string s(kSecretBytes, '\0');
  randombytes_buf(s.data(), s.size());
  return s;
}

std::string Base32(std::string_view bytes) {
  InitOnce();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK || !out) return {};
  std::string s(out, len);
  std::free(out);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::string> FromBase32(std::string_view text) {
  InitOnce();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_decode(text.data(), text.size(), &out, &len) != OATH_OK || !out) return std::nullopt;
  std::string s(out, len);
  sodium_memzero(out, len);
  std::free(out);
  return s;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  return fmt::format("otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}", UriEscape(issuer),
                     UriEscape(account), Base32(secret), UriEscape(issuer), kDigits, kStepSeconds);
}

}  // namespace xq::auth::totp
