// Small helpers over policy::Decide shared by the screening and warning
// services: the subtrees in which an actor may do something with a data
// class (one grant judged at a time, so the service can list by scope).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace xq::warning {

struct Scope {
  policy::Role role;
  std::string path;
  policy::View view = policy::View::kNone;
};

// Grants under which `action` on `data_class` at the grant's own unit is
// allowed; `roles` (when not empty) restricts the roles considered.
std::vector<Scope> ScopesFor(const policy::Actor& actor, policy::Action action, policy::DataClass data_class,
                             const std::vector<policy::Role>& roles = {});
std::vector<std::string> PathsOf(const std::vector<Scope>& scopes);
// The first allowed scope that covers unit_path, or nullptr.
const Scope* Covering(const std::vector<Scope>& scopes, std::string_view unit_path);
// Role name of the actor's first grant ("" when none), for audit entries.
std::string PrimaryRole(const policy::Actor& actor);

}  // namespace xq::warning
