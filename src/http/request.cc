#include "http/request.h"

#include <charconv>

#include "absl/strings/cord.h"
#include "core/status.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace xq::http {

namespace {

// Debian's Abseil has its own string_view type, distinct from std::string_view.

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct ApiCode {
  std::string_view code;
  int http;
};
// The API codes of API.md with their HTTP status.
constexpr ApiCode kApiCodes[] = {
    {"invalid_argument", 400}, {"unauthenticated", 401},   {"permission_denied", 403},      {"not_found", 404},
    {"conflict", 409},         {"payload_too_large", 413}, {"unsupported_media_type", 415}, {"rate_limited", 429},
    {"internal", 500},         {"unavailable", 503},       {"audit_unavailable", 503},
};

std::pair<int, std::string> CanonicalOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return {400, "invalid_argument"};
    case absl::StatusCode::kUnauthenticated:
      return {401, "unauthenticated"};
    case absl::StatusCode::kPermissionDenied:
      return {403, "permission_denied"};
    case absl::StatusCode::kNotFound:
      return {404, "not_found"};
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return {409, "conflict"};
    case absl::StatusCode::kResourceExhausted:
      return {429, "rate_limited"};
    case absl::StatusCode::kUnavailable:
      return {503, "unavailable"};
    default:
      return {500, "internal"};
  }
}

// ASCII stand-in for a download name in the quoted filename= parameter;
// the exact UTF-8 name travels in filename* (RFC 6266 / RFC 5987).
std::string AsciiFilename(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == ';') {
      if (c >= 0x80 && (c & 0xC0) == 0x80) continue;  // one '_' per multi-byte char
      out += '_';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out.empty() ? std::string("download") : out;
}

std::string Rfc5987Encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::string_view Request::Cookie(std::string_view name) const {
  for (const auto& [hname, value] : headers) {
    if (hname != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (Trim(pair.substr(0, eq)) != name) continue;
      std::string_view v = Trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return {};
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response Response::Json(const nlohmann::json& j, int status) {
  Response r;
  r.status = status;
  // Replace rather than throw on invalid UTF-8 from stored data: a reply
  // with U+FFFD beats a 500 for the whole list.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::JsonText(std::string body, int status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Later(std::shared_ptr<Deferred> later) {
  Response r;
  r.later = std::move(later);
  return r;
}

void Deferred::Complete(Make make) {
  std::function<void(Make)> then;
  {
    std::lock_guard lk(mu_);
    if (!then_) {
      make_ = std::move(make);
      return;
    }
    then = std::move(then_);
  }
  then(std::move(make));
}

void Deferred::OnComplete(std::function<void(Make)> then) {
  Make make;
  {
    std::lock_guard lk(mu_);
    if (!make_) {
      then_ = std::move(then);
      return;
    }
    make = std::move(make_);
  }
  then(std::move(make));
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response Response::Error(const absl::Status& status) { return ErrorWithDetails(status, nullptr); }

Response Response::ErrorWithDetails(const absl::Status& status, nlohmann::json details) {
  auto [http, code] = HttpStatusOf(status);
  nlohmann::json err = {{"code", code}};
  if (http >= 500) {
    // Internals (SQL, paths, library text) stay in the server log.
    spdlog::error("{} error: {}", code, std::string(status.message()));
    err["message"] = http == 503 ? "service temporarily unavailable" : "internal error";
  } else {
    err["message"] = std::string(status.message());
    if (auto field = FieldOf(status)) err["field"] = *field;
    if (!details.is_null()) err["details"] = std::move(details);
  }
  Response r = Json({{"error", std::move(err)}}, http);
  if (http == 429) {
    if (auto secs = RetryAfterOf(status)) r.headers.emplace_back("Retry-After", std::to_string(*secs));
  }
  return r;
}

Response Response::File(std::string body, std::string content_type, std::string filename) {
  Response r;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}",
                                                            AsciiFilename(filename), Rfc5987Encode(filename)));
  return r;
}

std::pair<int, std::string> HttpStatusOf(const absl::Status& status) {
  if (status.ok()) return {500, "internal"};  // an error response for OK is a bug
  auto canonical = CanonicalOf(status.code());
  if (auto code = CodeOf(status); code && !code->empty()) {
    for (const ApiCode& c : kApiCodes) {
      if (c.code == *code) return {c.http, std::string(c.code)};
    }
    if (canonical.first < 500) return {canonical.first, *code};
  }
  return canonical;
}

}  // namespace xq::http
