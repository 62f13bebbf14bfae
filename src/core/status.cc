#include "core/status.h"

#include <charconv>

#include "absl/strings/cord.h"

namespace xq {

namespace {
// Debian's Abseil has its own string_view type, distinct from std::string_view.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

absl::Status WithField(absl::Status s, std::string_view field) {
  if (!field.empty() && !s.ok()) s.SetPayload(Sv(kFieldPayload), absl::Cord(Sv(field)));
  return s;
}

absl::Status WithCode(absl::Status s, std::string_view code) {
  if (!code.empty() && !s.ok()) s.SetPayload(Sv(kCodePayload), absl::Cord(Sv(code)));
  return s;
}

std::optional<std::string> FieldOf(const absl::Status& s) {
  auto p = s.GetPayload(Sv(kFieldPayload));
  if (!p) return std::nullopt;
  return std::string(*p);
}

std::optional<std::string> CodeOf(const absl::Status& s) {
  auto p = s.GetPayload(Sv(kCodePayload));
  if (!p) return std::nullopt;
  return std::string(*p);
}

absl::Status InvalidArgument(std::string_view message, std::string_view field) {
  return WithField(absl::InvalidArgumentError(Sv(message)), field);
}
absl::Status NotFound(std::string_view message) { return absl::NotFoundError(Sv(message)); }
absl::Status PermissionDenied(std::string_view message) { return absl::PermissionDeniedError(Sv(message)); }
absl::Status Unauthenticated(std::string_view message) { return absl::UnauthenticatedError(Sv(message)); }
absl::Status Conflict(std::string_view message, std::string_view field) {
  return WithField(absl::AlreadyExistsError(Sv(message)), field);
}
absl::Status Internal(std::string_view message) { return absl::InternalError(Sv(message)); }
absl::Status RateLimited(std::string_view message) {
  return WithCode(absl::ResourceExhaustedError(Sv(message)), "rate_limited");
}
absl::Status PayloadTooLarge(std::string_view message) {
  return WithCode(absl::ResourceExhaustedError(Sv(message)), "payload_too_large");
}
absl::Status UnsupportedMediaType(std::string_view message) {
  return WithCode(absl::InvalidArgumentError(Sv(message)), "unsupported_media_type");
}

absl::Status WithRetryAfter(absl::Status status, int seconds) {
  if (status.ok() || seconds <= 0) return status;
  status.SetPayload(Sv(kRetryAfterPayload), absl::Cord(std::to_string(seconds)));
  return status;
}

std::optional<int> RetryAfterOf(const absl::Status& status) {
  auto p = status.GetPayload(Sv(kRetryAfterPayload));
  if (!p) return std::nullopt;
  std::string s(*p);
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace xq
