// Helpers shared by the screening service's files: templates and
// campaigns (screening_campaigns.cc), answering (screening_service.cc),
// reporting (screening_reporting.cc) and paper import
// (screening_import.cc). Not part of the public contract.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fmt/format.h"
#include "instruments/registry.h"
#include "policy/policy.h"
#include "policy/scopes.h"
#include "screening/model.h"

namespace xq::screening::internal {

// The policy's words, as the service's files use them.
using policy::Action;
using policy::Covering;
using policy::DataClass;
using policy::PathsOf;
using policy::Role;
using policy::ScopesFor;

inline constexpr const char* kLang = "zh-CN";

inline std::string TextOf(const instruments::Text& t) {
  if (auto it = t.find(kLang); it != t.end()) return it->second;
  return t.empty() ? std::string() : t.begin()->second;
}

// The number written with the decimal digits d (checked by the caller).
inline int Digits(std::string_view d) {
  int n = 0;
  for (char c : d) n = n * 10 + (c - '0');
  return n;
}

inline bool IsDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int m = Digits(d.substr(5, 2)), day = Digits(d.substr(8, 2));
  return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

// Whole years between birth and date ("YYYY-MM-DD"); -1 when unknown.
inline int AgeOn(std::string_view birth, std::string_view date) {
  if (!IsDate(birth) || !IsDate(date)) return -1;
  int age = Digits(date.substr(0, 4)) - Digits(birth.substr(0, 4));
  if (date.substr(5) < birth.substr(5)) --age;
  return age;
}

inline const instruments::Registry::Entry* FindScale(const CampaignScale& s) {
  return instruments::BundledDefinitions().Find(s.instrument_id, s.version);
}

inline policy::Resource StudentRes(policy::DataClass k, int64_t student_id, const std::string& path) {
  policy::Resource r;
  r.data_class = k;
  r.student_id = student_id;
  r.unit_path = path;
  return r;
}

// The campaign reaches the actor's unit (a target under it, or it under a target).
inline bool Touches(const Campaign& c, const std::string& scope) {
  for (const auto& u : c.units)
    if (policy::InScope(scope, u.path) || policy::InScope(u.path, scope)) return true;
  return false;
}

// Students see a neutral title: some scale names carry diagnostic words
// (ACCESS.md: never in views for students).
inline std::string StudentTitle(int position) { return fmt::format("心理健康小调查（{}）", position + 1); }

}  // namespace xq::screening::internal
