#include "db/scope.h"

#include "fmt/format.h"

namespace xq::db {

bool IsSafeOrgPath(std::string_view p) {
  if (p.size() < 2 || p.front() != '/' || p.back() != '/') return false;
  for (char c : p)
    if (c != '/' && (c < '0' || c > '9')) return false;
  return true;
}

std::string PathScopeClause(std::string_view column, const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) {
    if (!IsSafeOrgPath(p)) continue;
    if (!out.empty()) out += " OR ";
    out += fmt::format("{} LIKE '{}%'", column, p);
  }
  return out.empty() ? "1=0" : "(" + out + ")";
}

}  // namespace xq::db
