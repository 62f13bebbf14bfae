// Status helpers shared by every module.
//
// Expected failures are values: functions return absl::Status /
// absl::StatusOr<T>. An error may name the offending input field (a JSON
// key, a CSV column, a JSON path); the HTTP layer renders it as
// {"error":{"code","message","field"}} through one mapping (http/errors.h).
// Thread-safe: all functions are pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xq {

// Payload key carrying the name of the offending field.
inline constexpr std::string_view kFieldPayload = "xq.field";
// Payload key carrying an application error code more specific than the
// canonical one (e.g. "rate_limited", "payload_too_large").
inline constexpr std::string_view kCodePayload = "xq.code";

absl::Status WithField(absl::Status s, std::string_view field);
absl::Status WithCode(absl::Status s, std::string_view code);
std::optional<std::string> FieldOf(const absl::Status& s);
std::optional<std::string> CodeOf(const absl::Status& s);

absl::Status InvalidArgument(std::string_view message, std::string_view field = {});
absl::Status NotFound(std::string_view message = "not found");
absl::Status PermissionDenied(std::string_view message = "permission denied");
absl::Status Unauthenticated(std::string_view message = "authentication required");
absl::Status Conflict(std::string_view message, std::string_view field = {});
absl::Status Internal(std::string_view message);
absl::Status RateLimited(std::string_view message);
absl::Status PayloadTooLarge(std::string_view message);
absl::Status UnsupportedMediaType(std::string_view message);

// Payload key carrying the seconds a rate-limited caller should wait (the
// HTTP layer sends them as Retry-After).
inline constexpr std::string_view kRetryAfterPayload = "xq.retry_after";
// Attaches the Retry-After seconds (> 0) to a status (no-op on OK).
absl::Status WithRetryAfter(absl::Status status, int seconds);
std::optional<int> RetryAfterOf(const absl::Status& status);

}  // namespace xq

// Propagates a non-OK status to the caller.
#define XQ_RETURN_IF_ERROR(expr)                                     \
  do {                                                               \
    if (::absl::Status xq_st_ = (expr); !xq_st_.ok()) return xq_st_; \
  } while (0)

#define XQ_CONCAT_INNER_(a, b) a##b
#define XQ_CONCAT_(a, b) XQ_CONCAT_INNER_(a, b)
// XQ_ASSIGN_OR_RETURN(auto x, F()); assigns the value or returns the error.
#define XQ_ASSIGN_OR_RETURN(lhs, rexpr) XQ_ASSIGN_OR_RETURN_IMPL_(XQ_CONCAT_(xq_so_, __LINE__), lhs, rexpr)
#define XQ_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
