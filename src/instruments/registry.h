// Registry of the bundled instrument definitions (instruments/*.json,
// embedded in the binary at build time so they are available wherever the
// binary runs). Definitions are parsed and compiled once, on first use.
//
// Thread-safe: BundledDefinitions() initializes once (function-local static)
// and the registry is immutable afterwards.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "instruments/definition.h"
#include "instruments/scoring.h"

namespace xq::instruments {

class Registry {
 public:
  struct Entry {
    std::string path;  // e.g. "instruments/phq9.json"
    Definition definition;
    ScoringPlan plan;  // with the default norm set
    // One plan per norm set (the default's included), in definition order.
    std::vector<std::pair<std::string, ScoringPlan>> norm_plans;

    // The plan scoring with norm set `id` (empty: the default); nullptr
    // when the definition has no such set.
    const ScoringPlan* PlanFor(std::string_view norm_set) const;
  };

  // The entry with this id; with an empty version, the highest version
  // (compared as dotted numbers). nullptr when absent.
  const Entry* Find(std::string_view id, std::string_view version = {}) const;
  const std::vector<Entry>& entries() const { return entries_; }
  // Files that failed to load (path, error); empty in a correct build.
  const std::vector<std::pair<std::string, std::string>>& errors() const { return errors_; }

  // Builds a registry from (path, JSON text) pairs.
  static Registry FromFiles(const std::vector<std::pair<std::string_view, std::string_view>>& files);

 private:
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, std::string>> errors_;
};

const Registry& BundledDefinitions();

// Orders dotted version strings numerically ("1.10.0" > "1.9.2").
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace xq::instruments
