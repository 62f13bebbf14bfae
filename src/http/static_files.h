// Serving the built web UI (single-page app) from a directory: content
// types, cache policy, history fallback, no escape from the root.
// Internal to the http module. Thread-safe (reads files only).
#pragma once

#include <string>

#include "http/request.h"

namespace xq::http {

// Response for GET/HEAD of a non-/api path. `req.path` is already
// percent-decoded. A ".." segment is refused (400); a missing file whose
// last segment has no extension gets index.html (history fallback, no-cache);
// files under /assets/ (hashed names) are cached for a year. A file with a
// precompressed copy beside it (name.br, name.gz, written by the web build)
// is answered with that copy and Content-Encoding when Accept-Encoding takes
// it (brotli first at equal q); every file answer carries
// Vary: Accept-Encoding.
Response ServeStatic(const std::string& web_root, const Request& req);

// Content type for a file name by extension; application/octet-stream if unknown.
std::string ContentTypeFor(std::string_view filename);

}  // namespace xq::http
