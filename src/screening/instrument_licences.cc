// The instrument library as psychology staff see it (issue 22): the scale
// picker with each scale's licence, wording status and norm sets, and the
// school's own licences for scales whose terms forbid shipping them active
// (the C-SSRS screener). Enabling and withdrawing are audited.
#include <algorithm>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "policy/scopes.h"
#include "screening/screening_service.h"

namespace xq::screening {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Role;

// The newest version of each bundled scale.
std::vector<const instruments::Registry::Entry*> NewestScales() {
  std::vector<const instruments::Registry::Entry*> out;
  const auto& reg = instruments::BundledDefinitions();
  for (const auto& e : reg.entries())
    if (reg.Find(e.definition.id) == &e) out.push_back(&e);
  return out;
}

constexpr size_t kMaxLicenceRef = 500;

}  // namespace

absl::StatusOr<InstrumentLibrary> ScreeningService::ListInstruments(const policy::Principal& p) {
  auto scopes = policy::ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                                  {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin});
  if (scopes.empty()) return PermissionDenied("only those who create campaigns see the scale library");
  // The schools of the actor's grants that may create campaigns.
  std::vector<int64_t> schools;
  for (const auto& g : p.actor.grants) {
    if (!policy::Covering(scopes, g.unit_path)) continue;
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(g.unit_id));
    if (u && u->school_id != 0 && std::find(schools.begin(), schools.end(), u->school_id) == schools.end())
      schools.push_back(u->school_id);
  }
  XQ_ASSIGN_OR_RETURN(auto licences, store_.InstrumentLicencesOf(schools));
  InstrumentLibrary out;
  for (const auto* e : NewestScales()) {
    InstrumentOffer o{e, !e->definition.enabled_by_default(), {}};
    if (!o.needs_licence) {
      out.items.push_back(std::move(o));
      continue;
    }
    for (const auto& l : licences)
      if (l.instrument_id == e->definition.id) o.enabled_schools.push_back(l);
    // Offered in the picker only where every school of the actor enabled it.
    if (!schools.empty() && o.enabled_schools.size() == schools.size()) out.items.push_back(o);
    out.licensable.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<InstrumentLicence> ScreeningService::EnableInstrument(const policy::Principal& p, int64_t school_id,
                                                                     std::string_view instrument_id,
                                                                     std::string_view licence_ref) {
  const std::string object = fmt::format("{}:{}", IdToString(school_id), instrument_id);
  auto scopes = policy::ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords, {Role::kPsychStaff});
  XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(school_id));
  if (!u || u->school_id != u->id || !policy::Covering(scopes, u->path)) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "instrument_licence", object, 0, "denied", "enable"));
    return NotFound("school not found");  // the same whether absent or not the actor's
  }
  const auto* e = instruments::BundledDefinitions().Find(instrument_id);
  if (!e) return WithField(NotFound("unknown instrument"), "instrument_id");
  if (e->definition.enabled_by_default())
    return InvalidArgument(fmt::format("{} ships enabled: no school licence is needed", instrument_id),
                           "instrument_id");
  if (licence_ref.empty() || licence_ref.size() > kMaxLicenceRef)
    return InvalidArgument("licence_ref is required (the school's licence: agreement, holder, term; at most 500 bytes)",
                           "licence_ref");
  InstrumentLicence l{school_id, std::string(instrument_id), std::string(licence_ref), p.account_id,
                      clock_.NowMicros()};
  XQ_RETURN_IF_ERROR(store_.PutInstrumentLicence(l));
  XQ_RETURN_IF_ERROR(
      Audit(&p, "enable", "instrument_licence", object, 0, "ok", Json{{"licence_ref", l.licence_ref}}.dump()));
  return l;
}

absl::StatusOr<InstrumentLicence> ScreeningService::EnableInstrumentCli(int64_t school_id,
                                                                        std::string_view instrument_id,
                                                                        std::string_view licence_ref) {
  XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(school_id));
  if (!u || u->school_id != u->id) return WithField(NotFound("school not found"), "school");
  const auto* e = instruments::BundledDefinitions().Find(instrument_id);
  if (!e) return WithField(NotFound("unknown instrument"), "instrument");
  if (e->definition.enabled_by_default())
    return InvalidArgument(fmt::format("{} ships enabled: no school licence is needed", instrument_id), "instrument");
  if (licence_ref.empty() || licence_ref.size() > kMaxLicenceRef)
    return InvalidArgument("the school's licence reference is required (at most 500 bytes)", "licence");
  InstrumentLicence l{school_id, std::string(instrument_id), std::string(licence_ref), 0, clock_.NowMicros()};
  XQ_RETURN_IF_ERROR(store_.PutInstrumentLicence(l));
  XQ_RETURN_IF_ERROR(Audit(nullptr, "enable", "instrument_licence",
                           fmt::format("{}:{}", IdToString(school_id), instrument_id), 0, "ok",
                           Json{{"licence_ref", l.licence_ref}, {"via", "cli"}}.dump()));
  return l;
}

absl::Status ScreeningService::DisableInstrument(const policy::Principal& p, int64_t school_id,
                                                 std::string_view instrument_id) {
  const std::string object = fmt::format("{}:{}", IdToString(school_id), instrument_id);
  auto scopes = policy::ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords, {Role::kPsychStaff});
  XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(school_id));
  if (!u || u->school_id != u->id || !policy::Covering(scopes, u->path)) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "instrument_licence", object, 0, "denied", "disable"));
    return NotFound("school not found");
  }
  XQ_ASSIGN_OR_RETURN(bool found, store_.DeleteInstrumentLicence(school_id, instrument_id));
  if (!found) return WithField(NotFound("the school has not enabled this instrument"), "instrument_id");
  // Campaigns already created keep their scales; new ones are refused.
  XQ_RETURN_IF_ERROR(Audit(&p, "disable", "instrument_licence", object, 0, "ok"));
  return absl::OkStatus();
}

absl::Status ScreeningService::CheckScaleLicences(const Campaign& c, const std::vector<int64_t>& school_ids) {
  std::optional<std::vector<InstrumentLicence>> licences;
  for (size_t i = 0; i < c.scales.size(); ++i) {
    const auto* e = instruments::BundledDefinitions().Find(c.scales[i].instrument_id, c.scales[i].version);
    if (!e || e->definition.enabled_by_default()) continue;
    const std::string field = fmt::format("scales[{}].instrument_id", i);
    const std::string why = fmt::format(
        "{} is licensed per school ({}): it can be used only in campaigns of schools that have enabled it under "
        "their own licence",
        e->definition.id, e->definition.provenance.licence.holder);
    if (std::find(school_ids.begin(), school_ids.end(), 0) != school_ids.end()) return InvalidArgument(why, field);
    if (!licences) {
      std::set<int64_t> unique(school_ids.begin(), school_ids.end());
      XQ_ASSIGN_OR_RETURN(licences, store_.InstrumentLicencesOf({unique.begin(), unique.end()}));
    }
    for (int64_t school : school_ids) {
      bool ok = std::any_of(licences->begin(), licences->end(), [&](const InstrumentLicence& l) {
        return l.school_id == school && l.instrument_id == e->definition.id;
      });
      if (!ok) return InvalidArgument(why, field);
    }
  }
  return absl::OkStatus();
}

}  // namespace xq::screening
