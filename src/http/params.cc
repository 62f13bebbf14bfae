#include "http/params.h"

#include <algorithm>
#include <string>

#include "core/ids.h"
#include "core/status.h"

namespace xq::http {

absl::Status CheckQuery(const Request& req, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : req.query) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      return InvalidArgument("unknown query parameter " + k, k);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PathId(const Request& req, std::string_view name) {
  auto it = req.params.find(std::string(name));
  if (it == req.params.end()) return NotFound();
  auto id = IdFromString(it->second);
  if (!id) return NotFound("not found");
  return *id;
}

absl::StatusOr<std::optional<int64_t>> QueryId(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  auto id = IdFromString(*v);
  if (!id) return InvalidArgument(std::string(name) + " must be an id", name);
  return std::optional<int64_t>(*id);
}

}  // namespace xq::http
