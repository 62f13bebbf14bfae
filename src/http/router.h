// Route table: method + path template ("/api/v1/students/{id}") -> handler.
// Registration happens before the server starts; lookups are then
// read-only and thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/request.h"

namespace xq::http {

using Handler = std::function<Response(Request&)>;

enum class Auth {
  kNone,      // public (health, login, hotlines)
  kRequired,  // a valid session; 401 otherwise
};

struct RouteOptions {
  Auth auth = Auth::kRequired;
  // CSRF: state-changing methods with a session must carry X-CSRF-Token
  // equal to the session's token; set false only for login.
  bool csrf = true;
  size_t max_body = 0;  // 0: the server's default limit (1 MiB)
  // Content types accepted for a body; empty means application/json.
  std::vector<std::string> content_types;
};

struct Route {
  std::string method;
  std::string path_template;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  void Add(std::string method, std::string path_template, Handler handler,
           RouteOptions options = {});
  // Finds the route for method+path, filling req params. nullopt if none;
  // *path_matched tells whether another method matches (405 vs 404).
  const Route* Match(std::string_view method, std::string_view path,
                     std::map<std::string, std::string>* params, bool* path_matched) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace xq::http
