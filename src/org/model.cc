#include "org/model.h"

#include <array>
#include <charconv>

namespace xq::org {
namespace {

struct KindInfo {
  SchoolKind kind;
  std::string_view name;
  std::string_view label;
};

constexpr std::array<KindInfo, kSchoolKindCount> kKinds = {{
    {SchoolKind::kKindergarten, "kindergarten", "幼儿园"},
    {SchoolKind::kPrimary, "primary", "小学"},
    {SchoolKind::kJunior, "junior", "初级中学"},
    {SchoolKind::kSenior, "senior", "高级中学"},
    {SchoolKind::kNineYear, "nine_year", "九年一贯制学校"},
    {SchoolKind::kCompleteSecondary, "complete_secondary", "完全中学"},
    {SchoolKind::kVocational, "vocational", "中等职业学校"},
    {SchoolKind::kCollege, "college", "高职专科院校"},
    {SchoolKind::kUniversity, "university", "本科院校"},
}};

}  // namespace

bool IsUnitKind(std::string_view k) {
  return k == kCity || k == kDistrict || k == kSchool || k == kGrade || k == kDepartment || k == kClass || k == kDorm;
}

bool MayHangUnder(std::string_view parent, std::string_view child, std::string_view school_kind) {
  bool higher = IsHigherEd(school_kind);
  if (child == kCity) return false;
  if (child == kDistrict) return parent == kCity;
  if (child == kSchool) return higher ? parent == kCity : parent == kDistrict;
  if (child == kGrade) return !higher && parent == kSchool;
  if (child == kDepartment) return higher && parent == kSchool;
  if (child == kClass) return parent == kGrade || parent == kDepartment || parent == kSchool;
  if (child == kDorm) return parent == kSchool;
  return false;
}

std::string_view SchoolKindName(SchoolKind k) { return kKinds[static_cast<int>(k)].name; }
std::string_view SchoolKindLabelZh(SchoolKind k) { return kKinds[static_cast<int>(k)].label; }

std::optional<SchoolKind> SchoolKindFromName(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

std::string_view SchoolKindLabelFor(std::string_view name) {
  auto k = SchoolKindFromName(name);
  return k ? SchoolKindLabelZh(*k) : std::string_view();
}

bool IsHigherEd(std::string_view school_kind) { return school_kind == "college" || school_kind == "university"; }

void DeriveFromParent(const OrgUnit* parent, OrgUnit& child) {
  std::string own = std::to_string(child.id) + "/";
  child.path = parent ? parent->path + own : "/" + own;
  child.parent_id = parent ? parent->id : 0;
  if (child.kind == kSchool) {
    child.school_id = child.id;
  } else {
    child.school_id = parent ? parent->school_id : 0;
    child.school_kind.clear();  // stored on schools only
  }
  if (child.kind == kDistrict)
    child.district_id = child.id;
  else
    child.district_id = parent ? parent->district_id : 0;
}

std::vector<int64_t> IdsOfPath(std::string_view path) {
  std::vector<int64_t> ids;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(path.data() + i, path.data() + j, v);
    if (ec == std::errc() && p == path.data() + j) ids.push_back(v);
    i = j;
  }
  return ids;
}

bool IsWellFormedPath(std::string_view path) {
  if (path.size() < 3 || path.front() != '/' || path.back() != '/') return false;
  bool prev_slash = true;
  for (size_t i = 1; i < path.size(); ++i) {
    char c = path[i];
    if (c == '/') {
      if (prev_slash) return false;
      prev_slash = true;
    } else if (c >= '0' && c <= '9') {
      prev_slash = false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace xq::org
