// Route table: method + path template ("/api/v1/students/{id}") -> handler.
// Registration happens before the server starts; lookups are then
// read-only and thread-safe. A "{name}" segment matches one non-empty path
// segment; where several templates match, literal segments are preferred
// over parameters (so "/students/import" beats "/students/{id}").
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  // Answers a session that must change its temporary password first
  // (Principal::must_change_password); every other route refuses it with
  // 403 password_change_required.
  bool during_password_change = false;
};

struct Route {
  std::string method;
  std::string path_template;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  void Add(std::string method, std::string path_template, Handler handler, RouteOptions options = {});
  // Finds the route for method+path, filling req params. nullopt if none;
  // *path_matched tells whether another method matches (405 vs 404).
  const Route* Match(std::string_view method, std::string_view path, std::map<std::string, std::string>* params,
                     bool* path_matched) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // Methods registered for templates matching `path`, sorted ("GET, POST"
  // for an Allow header); empty when no template matches.
  std::vector<std::string> AllowedMethods(std::string_view path) const;

 private:
  // Template segments per route (same index as routes_); "{x}" is a parameter.
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
  };
  // The best route for `path` among those accepted by `method_ok`: literal
  // segments beat parameters, leftmost first.
  template <typename MethodOk>
  const Route* Best(std::string_view path, MethodOk method_ok, std::map<std::string, std::string>* params) const;

  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::vector<Segment>> segments_;
  std::vector<std::vector<size_t>> by_count_;  // route indexes by segment count
};

}  // namespace xq::http
