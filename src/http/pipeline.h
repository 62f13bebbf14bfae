// The /api middleware chain, independent of the socket layer:
//   match route (404 / 405 with Allow) -> Content-Type check for a body
//   (415) -> principal from the xq_session cookie -> 401 when the route
//   needs a session -> CSRF for state-changing methods (403) -> handler
//   (an exception becomes a logged 500, never a crash).
// The server runs it on its handler threads; route tests of other modules
// can call DispatchApi directly with a hand-built Request, no sockets.
// Thread-safe as long as the Router is not modified and the
// SessionResolver is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/router.h"

namespace xq::http {

inline constexpr std::string_view kSessionCookie = "xq_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";  // lower-case, as in Request

// Resolves the xq_session cookie to the signed-in principal. Implemented
// by the auth module; must be thread-safe (called from handler threads).
class SessionResolver {
 public:
  virtual ~SessionResolver() = default;
  // The principal for a session token; nullopt if unknown or expired. May
  // refresh the session's idle time.
  virtual std::optional<Principal> Resolve(std::string_view token) = 0;
  // The same, shared instead of copied (what every request uses); null if
  // unknown or expired. By default a copy of Resolve's.
  virtual std::shared_ptr<const Principal> ResolveShared(std::string_view token) {
    auto p = Resolve(token);
    return p ? std::make_shared<const Principal>(std::move(*p)) : nullptr;
  }
};

// Runs the whole chain for `req` (method, path, headers, body, query
// filled; params and principal are set here). `sessions` may be null (no
// one is ever signed in). req.principal is reset to null on return.
Response DispatchApi(const Router& router, SessionResolver* sessions, Request& req);

// The chain after routing, for a route already matched (req.params set).
Response RunRoute(const Route& route, SessionResolver* sessions, Request& req);

// 404 / 405 (with Allow) for a path no route of that method matches.
Response NoRoute(const Router& router, const Request& req);

// Errors the transport and chain produce with codes outside absl::Status.
Response MethodNotAllowed(std::string allow);

// Splits an origin-form request target ("/a/b?x=1&y=%E5%BF%83") into the
// percent-decoded path and query map ('+' is a space in the query; the
// first of repeated keys wins). invalid_argument (field "target") for a
// target that is not origin-form, a bad %-escape or an encoded NUL.
absl::Status ParseTarget(std::string_view target, Request* req);

// Constant-time comparison of two secrets (length may leak, content not).
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace xq::http
