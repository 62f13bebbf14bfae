// Request parameter helpers shared by every module's routes, so that the
// same input gets the same answer everywhere (API.md):
//   - an unknown query parameter is invalid_argument naming it;
//   - a malformed id in the path is not_found (the object cannot exist);
//   - a malformed id in the query is invalid_argument naming the parameter;
//     an empty one counts as absent.
// Pure functions of the request; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/request.h"

namespace xq::http {

absl::Status CheckQuery(const Request& req, std::initializer_list<std::string_view> allowed);
absl::StatusOr<int64_t> PathId(const Request& req, std::string_view name = "id");
absl::StatusOr<std::optional<int64_t>> QueryId(const Request& req, std::string_view name);

}  // namespace xq::http
