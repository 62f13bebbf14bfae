// Where may this actor do this: the org-unit subtrees in which an actor may
// take an action on a data class, one grant judged at a time by Decide, so
// that a service can list and filter by scope (the screening and warning
// services list campaigns, results and warnings this way). Pure functions
// of their arguments; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace xq::policy {

// One grant under which an action is allowed: its role, the subtree it
// covers, and the view Decide gives there.
struct Scope {
  Role role;
  std::string path;
  View view = View::kNone;
};

// Grants under which `action` on `data_class` at the grant's own unit is
// allowed, in the actor's grant order; `roles` (when not empty) restricts
// the roles considered. A grant allowed only for "own" records, without a
// subtree, is no scope.
std::vector<Scope> ScopesFor(const Actor& actor, Action action, DataClass data_class,
                             const std::vector<Role>& roles = {});
// The subtrees' paths, in order.
std::vector<std::string> PathsOf(const std::vector<Scope>& scopes);
// The first scope that covers unit_path, or nullptr.
const Scope* Covering(const std::vector<Scope>& scopes, std::string_view unit_path);
// Role name of the actor's first grant ("" when none), for audit entries.
std::string PrimaryRole(const Actor& actor);

}  // namespace xq::policy
