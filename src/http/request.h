// Transport-neutral request/response types seen by route handlers.
// Handlers are plain functions Request -> Response; they parse, call one
// service function and render (STYLE.md "Thin routes").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "policy/model.h"

namespace xq::http {

// The signed-in user behind a request, resolved from the xq_session cookie.
struct Principal {
  int64_t account_id = 0;
  std::string username;
  std::string display_name;
  std::string csrf_token;
  std::string session_key;  // hash of the session token (for logout)
  policy::Actor actor;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/api/v1/students/12"
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> params;  // path parameters: "{id}" -> value
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string request_id;
  std::string remote_addr;
  const Principal* principal = nullptr;  // null when not signed in

  // First header with that (lower-case) name, or "".
  std::string_view Header(std::string_view lower_name) const;
  std::string_view Cookie(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie, ...)

  static Response Json(const nlohmann::json& j, int status = 200);
  static Response NoContent();
  // The one status -> HTTP mapping (API.md), body {"error":{code,message,field}}.
  static Response Error(const absl::Status& status);
  // A file download (Content-Disposition: attachment).
  static Response File(std::string body, std::string content_type, std::string filename);
};

// Maps a status to (HTTP status, error code string). internal -> 500.
std::pair<int, std::string> HttpStatusOf(const absl::Status& status);

}  // namespace xq::http
