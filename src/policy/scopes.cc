#include "policy/scopes.h"

#include <algorithm>

namespace xq::policy {

std::vector<Scope> ScopesFor(const Actor& actor, Action action, DataClass data_class, const std::vector<Role>& roles) {
  std::vector<Scope> out;
  for (const auto& g : actor.grants) {
    if (!roles.empty() && std::find(roles.begin(), roles.end(), g.role) == roles.end()) continue;
    Actor one = actor;
    one.grants = {g};
    Resource r;
    r.data_class = data_class;
    r.unit_path = g.unit_path;
    Decision d = Decide(one, action, r);
    // Some rules allow writes of "own" records without a scope; a scope
    // is only what the grant's subtree covers.
    if (d.allowed && InScope(g.unit_path, r.unit_path)) out.push_back({g.role, g.unit_path, d.view});
  }
  return out;
}

std::vector<std::string> PathsOf(const std::vector<Scope>& scopes) {
  std::vector<std::string> out;
  for (const auto& s : scopes) out.push_back(s.path);
  return out;
}

const Scope* Covering(const std::vector<Scope>& scopes, std::string_view unit_path) {
  for (const auto& s : scopes)
    if (InScope(s.path, unit_path)) return &s;
  return nullptr;
}

std::string PrimaryRole(const Actor& actor) {
  if (actor.grants.empty()) return {};
  return std::string(RoleName(actor.grants.front().role));
}

}  // namespace xq::policy
