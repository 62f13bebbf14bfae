// SQL for "this row lies in one of these org subtrees" (materialised paths).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xq::db {

// True for an org path such as "/1/7/42/": digits and slashes only, so it is
// safe as a SQL literal.
bool IsSafeOrgPath(std::string_view path);

// "(col LIKE '/1/%' OR col LIKE '/2/%')" over the safe paths (others are
// skipped); "1=0" when none is left, so an empty scope matches nothing.
// Literals because the number of scopes varies per caller.
std::string PathScopeClause(std::string_view column, const std::vector<std::string>& paths);

}  // namespace xq::db
