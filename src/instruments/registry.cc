#include "instruments/registry.h"

#include <algorithm>

namespace xq::instruments {
namespace embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedFiles();
}  // namespace embedded

int CompareVersions(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    long long x = 0, y = 0;
    while (i < a.size() && a[i] != '.') {
      x = (a[i] >= '0' && a[i] <= '9') ? x * 10 + (a[i] - '0') : x;
      ++i;
    }
    while (j < b.size() && b[j] != '.') {
      y = (b[j] >= '0' && b[j] <= '9') ? y * 10 + (b[j] - '0') : y;
      ++j;
    }
    if (x != y) return x < y ? -1 : 1;
    ++i;
    ++j;
  }
  return 0;
}

const ScoringPlan* Registry::Entry::PlanFor(std::string_view norm_set) const {
  if (norm_set.empty()) return &plan;
  for (const auto& [id, p] : norm_plans)
    if (id == norm_set) return &p;
  return nullptr;
}

const Registry::Entry* Registry::Find(std::string_view id, std::string_view version) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.definition.id != id) continue;
    if (!version.empty()) {
      if (e.definition.version == version) return &e;
      continue;
    }
    if (!best || CompareVersions(best->definition.version, e.definition.version) < 0) best = &e;
  }
  return best;
}

Registry Registry::FromFiles(const std::vector<std::pair<std::string_view, std::string_view>>& files) {
  Registry reg;
  for (const auto& [path, text] : files) {
    if (!path.ends_with(".json")) continue;
    auto def = ParseDefinition(text);
    if (!def.ok()) {
      reg.errors_.emplace_back(std::string(path), std::string(def.status().message()));
      continue;
    }
    auto plan = Compile(*def);
    if (!plan.ok()) {
      reg.errors_.emplace_back(std::string(path), std::string(plan.status().message()));
      continue;
    }
    std::vector<std::pair<std::string, ScoringPlan>> norm_plans;
    absl::Status st;
    for (const auto& ns : def->norm_sets) {
      auto p = Compile(*def, ns.id);
      if (!p.ok()) {
        st = p.status();
        break;
      }
      norm_plans.emplace_back(ns.id, std::move(*p));
    }
    if (!st.ok()) {
      reg.errors_.emplace_back(std::string(path), std::string(st.message()));
      continue;
    }
    reg.entries_.push_back(Entry{std::string(path), std::move(*def), std::move(*plan), std::move(norm_plans)});
  }
  std::sort(reg.entries_.begin(), reg.entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.definition.id != b.definition.id) return a.definition.id < b.definition.id;
    return CompareVersions(a.definition.version, b.definition.version) < 0;
  });
  return reg;
}

const Registry& BundledDefinitions() {
  static const Registry* reg = new Registry(Registry::FromFiles(embedded::EmbeddedFiles()));
  return *reg;
}

}  // namespace xq::instruments
