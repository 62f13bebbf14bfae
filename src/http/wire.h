// The bytes of a response's status line and header block, written by hand
// instead of through Beast's serializer (which cost more user time per
// answer than the send itself). The server sends this head and the body in
// one gathered write.
//
// The head carries, in order: Content-Type (when set), the handler's extra
// headers, the security headers every answer has (CSP, nosniff,
// no-referrer, DENY; Cache-Control: no-store on /api), X-Request-Id, the
// Connection header the version needs, and Content-Length. A handler
// header that names one of the server's own headers, or whose name or
// value holds CR/LF, is dropped: a handler can neither split the block nor
// weaken a security header.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.h"

namespace xq::http {

struct HeadOptions {
  unsigned version = 11;  // 10 or 11
  bool keep_alive = true;
  bool is_api = false;          // Cache-Control: no-store
  bool secure_cookies = false;  // "; Secure" added to Set-Cookie values that lack it
  std::string_view request_id;
};

// Appends the head of `res` (status 100..599) to `out`. Content-Length is
// the body's size, also for an answer to HEAD (whose body is not sent).
void AppendResponseHead(std::string& out, const Response& res, const HeadOptions& o);

}  // namespace xq::http
