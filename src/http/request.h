// Transport-neutral request/response types seen by route handlers.
// Handlers are plain functions Request -> Response; they parse, call one
// service function and render (STYLE.md "Thin routes").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "policy/model.h"
#include "policy/principal.h"

namespace xq::http {

// The signed-in user behind a request, resolved from the xq_session cookie
// (policy/principal.h: services take the same type without HTTP).
using Principal = policy::Principal;

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded path without the query, e.g. "/api/v1/students/12"
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> params;  // path parameters: "{id}" -> value
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string request_id;
  std::string remote_addr;
  const Principal* principal = nullptr;  // null when not signed in
  // Set by the middleware chain when a session resolves (for the access
  // log, which runs after principal is gone); 0 otherwise.
  int64_t account_id = 0;

  // First header with that (lower-case) name, or "".
  std::string_view Header(std::string_view lower_name) const;
  std::string_view Cookie(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

class Deferred;

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie, ...)

  static Response Json(const nlohmann::json& j, int status = 200);
  // A JSON body already written (hot paths that build no DOM).
  static Response JsonText(std::string body, int status = 200);
  static Response NoContent();
  // The one status -> HTTP mapping (API.md), body {"error":{code,message,field}}.
  // rate_limited carries Retry-After when the status has one (WithRetryAfter).
  // internal (500) never echoes the status message; it is logged instead.
  static Response Error(const absl::Status& status);
  // Same, with `details` placed inside the error object (e.g. CSV import
  // errors: [{"line":3,"column":2,"field":"student_no","message":"..."}]).
  static Response ErrorWithDetails(const absl::Status& status, nlohmann::json details);
  // A file download (Content-Disposition: attachment).
  static Response File(std::string body, std::string content_type, std::string filename);
  // The answer comes later (Deferred::Complete), from any thread: the
  // handler thread is free meanwhile. The rest of this Response is unused.
  static Response Later(std::shared_ptr<Deferred> later);
  std::shared_ptr<Deferred> later;
};

// A response completed after the handler has returned, e.g. once the
// submission writer has committed: no thread waits for the commit. The
// handler returns Response::Later(d); whoever finishes calls d->Complete
// exactly once, from any thread, with a function that makes the response
// (run on the connection's I/O thread, so completing is cheap for the
// caller). Thread-safe.
class Deferred {
 public:
  using Make = std::function<Response()>;
  void Complete(Make make);
  // For the server: `then` runs once, with `make`, as soon as both are here
  // (on the thread of whichever call comes second).
  void OnComplete(std::function<void(Make)> then);

 private:
  std::mutex mu_;
  Make make_;
  std::function<void(Make)> then_;
};

// Maps a status to (HTTP status, error code string). internal -> 500.
//   kInvalidArgument, kOutOfRange, kFailedPrecondition -> 400 invalid_argument
//   kUnauthenticated 401, kPermissionDenied 403, kNotFound 404,
//   kAlreadyExists / kAborted 409 conflict, kResourceExhausted 429 rate_limited,
//   kUnavailable 503 unavailable, anything else (and OK) 500 internal.
// A code payload (core/status.h kCodePayload) naming one of the API codes
// (payload_too_large 413, unsupported_media_type 415, rate_limited 429, ...)
// wins over the canonical code. An unknown, more specific payload code is
// sent as the code string with the canonical HTTP status, except for 500.
std::pair<int, std::string> HttpStatusOf(const absl::Status& status);

// WithRetryAfter / RetryAfterOf: core/status.h.

}  // namespace xq::http
