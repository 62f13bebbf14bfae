// Helpers shared by the policy's files (policy.cc, grants.cc,
// capabilities.cc, unit_decisions.cc); not part of the public contract.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "policy/policy.h"

namespace xq::policy {

// A denial that says why.
inline Decision Deny(std::string reason) {
  Decision d;
  d.reason = std::move(reason);
  return d;
}

// "/<ids>/" with no empty segment.
inline bool WellFormedPath(std::string_view p) {
  if (p.size() < 3 || p.front() != '/' || p.back() != '/') return false;
  return p.find("//") == std::string_view::npos;
}

// Roles that administer accounts (school data admin, district and city
// admins).
bool IsAccountsAdmin(Role r);

}  // namespace xq::policy
