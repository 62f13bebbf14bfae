#include "http/pipeline.h"

#include "absl/status/status.h"

#include <algorithm>
#include <exception>

#include "core/status.h"
#include "spdlog/spdlog.h"

namespace xq::http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "application/json; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return Lower(t);
}

bool ChangesState(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool ContentTypeAccepted(const RouteOptions& options, std::string_view header) {
  const std::string media = MediaType(header);
  if (options.content_types.empty()) return media == "application/json";
  for (const std::string& accepted : options.content_types) {
    if (MediaType(accepted) == media) return true;
  }
  return false;
}

// Clears req.principal however the chain ends.
struct PrincipalReset {
  Request& req;
  ~PrincipalReset() { req.principal = nullptr; }
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return std::nullopt;
      out += d;
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '\0') {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

absl::Status ParseTarget(std::string_view target, Request* req) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("request target must be a path (origin-form)", "target");
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::optional<std::string> path = PercentDecode(raw_path, false);
  if (!path) return InvalidArgument("invalid percent-encoding in path", "target");
  req->path = std::move(*path);
  req->query.clear();
  if (q == std::string_view::npos) return absl::OkStatus();
  std::string_view rest = target.substr(q + 1);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string())
                                              : PercentDecode(pair.substr(eq + 1), true);
    if (!key || !value) return InvalidArgument("invalid percent-encoding in query", "target");
    req->query.emplace(std::move(*key), std::move(*value));
  }
  return absl::OkStatus();
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Response MethodNotAllowed(std::string allow) {
  Response r = Response::Json({{"error", {{"code", "method_not_allowed"}, {"message", "method not allowed"}}}}, 405);
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

Response NoRoute(const Router& router, const Request& req) {
  std::vector<std::string> methods = router.AllowedMethods(req.path);
  if (methods.empty()) return Response::Error(NotFound("no such endpoint"));
  std::string allow;
  for (const std::string& m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  return MethodNotAllowed(std::move(allow));
}

Response RunRoute(const Route& route, SessionResolver* sessions, Request& req) {
  PrincipalReset reset{req};
  try {
    if (!req.body.empty() && !ContentTypeAccepted(route.options, req.Header("content-type"))) {
      return Response::Error(
          WithField(UnsupportedMediaType("Content-Type not accepted for this endpoint"), "Content-Type"));
    }
    std::shared_ptr<const Principal> principal;  // held until the handler returns
    if (sessions) {
      if (std::string_view token = req.Cookie(kSessionCookie); !token.empty()) {
        principal = sessions->ResolveShared(token);
      }
    }
    if (principal) {
      req.principal = principal.get();
      req.account_id = principal->account_id;
    }
    if (route.options.auth == Auth::kRequired && !principal) {
      return Response::Error(Unauthenticated("authentication required"));
    }
    if (principal && route.options.csrf && ChangesState(req.method)) {
      std::string_view sent = req.Header(kCsrfHeader);
      if (sent.empty() || principal->csrf_token.empty() || !SecretsEqual(sent, principal->csrf_token)) {
        return Response::Error(WithField(PermissionDenied("CSRF token missing or wrong"), "X-CSRF-Token"));
      }
    }
    if (principal && principal->must_change_password && route.options.auth == Auth::kRequired &&
        !route.options.during_password_change) {
      return Response::Error(
          WithCode(PermissionDenied("change the temporary password first"), "password_change_required"));
    }
    return route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method, route.path_template, e.what());
  } catch (...) {
    spdlog::error("request {} {} {}: handler threw a non-standard exception", req.request_id, req.method,
                  route.path_template);
  }
  return Response::Error(Internal("handler failed"));
}

Response DispatchApi(const Router& router, SessionResolver* sessions, Request& req) {
  const Route* route = router.Match(req.method, req.path, &req.params, nullptr);
  if (!route) return NoRoute(router, req);
  return RunRoute(*route, sessions, req);
}

}  // namespace xq::http
