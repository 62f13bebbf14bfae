#include "instruments/definition.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/definition_internal.h"

namespace xq::instruments {

using nlohmann::json;

std::optional<Rational> Rational::FromDouble(double x) {
  if (!std::isfinite(x) || std::fabs(x) > 1e12) return std::nullopt;
  int64_t den = 1;
  for (int k = 0; k <= 6; ++k, den *= 10) {
    double scaled = x * static_cast<double>(den);
    double r = std::round(scaled);
    if (std::fabs(scaled - r) < 1e-6) return Rational(static_cast<int64_t>(r), den).Reduced();
  }
  return std::nullopt;
}

std::string Rational::ToString() const {
  Rational r = Reduced();
  if (r.den == 1) return std::to_string(r.num);
  return fmt::format("{}/{}", r.num, r.den);
}

int Definition::ItemIndex(std::string_view id) const {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].id == id) return static_cast<int>(i);
  return -1;
}

int Definition::ScoreIndex(std::string_view id) const {
  for (size_t i = 0; i < scores.size(); ++i)
    if (scores[i].id == id) return static_cast<int>(i);
  return -1;
}

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
  }
  return "?";
}

std::string_view UrgencyName(Urgency u) {
  switch (u) {
    case Urgency::kLow:
      return "low";
    case Urgency::kModerate:
      return "moderate";
    case Urgency::kHigh:
      return "high";
    case Urgency::kUrgent:
      return "urgent";
  }
  return "?";
}

std::string_view AudienceName(Audience a) {
  switch (a) {
    case Audience::kStudent:
      return "student";
    case Audience::kCounsellor:
      return "counsellor";
    case Audience::kGuardian:
      return "guardian";
  }
  return "?";
}

bool Compare(const Rational& a, Op op, const Rational& b) {
  int c = Cmp(a, b);
  switch (op) {
    case Op::kEq:
      return c == 0;
    case Op::kNe:
      return c != 0;
    case Op::kGt:
      return c > 0;
    case Op::kGe:
      return c >= 0;
    case Op::kLt:
      return c < 0;
    case Op::kLe:
      return c <= 0;
  }
  return false;
}

const NormSet* Definition::FindNormSet(std::string_view id) const {
  for (const auto& n : norm_sets)
    if (n.id == id) return &n;
  return nullptr;
}

absl::StatusOr<Definition> WithNormSet(const Definition& def, std::string_view id) {
  if (def.norm_sets.empty()) {
    if (id.empty()) return def;
    return WithField(NotFound(fmt::format("{} has no norm sets", def.id)), "norm_set");
  }
  const NormSet* ns = def.FindNormSet(id.empty() ? std::string_view(def.default_norm_set) : id);
  if (!ns) return WithField(NotFound(fmt::format("{} has no norm set \"{}\"", def.id, id)), "norm_set");
  // Every set names the same scores and classes (ParseNormSets completes
  // them), so applying one replaces whatever another set put in place.
  Definition out = def;
  for (const auto& [sid, bands] : ns->bands) out.scores[out.ScoreIndex(sid)].band_sets[0].bands = bands;
  for (const auto& [cid, levels] : ns->classes)
    for (auto& cl : out.classes)
      if (cl.id == cid) cl.levels = levels;
  out.applied_norm_set = ns->id;
  return out;
}

absl::StatusOr<Definition> DefinitionFromJson(const json& doc) {
  using namespace def_parse;  // NOLINT: the parser's own steps
  Ctx c;
  CollectNormIds(doc, c);
  Definition d = ParseAll(c, doc);
  if (!c.ok()) return c.st;
  ParseNormSets(c, doc, d);
  if (!c.ok()) return c.st;
  d.source = doc;
  return d;
}

absl::StatusOr<Definition> ParseDefinition(std::string_view text) {
  XQ_ASSIGN_OR_RETURN(json doc, ParseJson(text));
  return DefinitionFromJson(doc);
}

}  // namespace xq::instruments