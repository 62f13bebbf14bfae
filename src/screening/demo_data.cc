#include "screening/demo_data.h"

#include <random>
#include <set>

#include "audit/audit.h"
#include "core/ids.h"
#include "core/status.h"
#include "counselling/hotlines.h"
#include "db/row.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "screening/screening_service.h"
#include "screening/soci_screening_store.h"

namespace xq::screening {

absl::StatusOr<policy::Principal> StaffPrincipal(db::Database& db, const std::string& username) {
  policy::Principal p;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    std::string user = username;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT a.id, r.role, r.org_unit_id, u.path FROM accounts a "
                      "JOIN role_assignments r ON r.account_id = a.id JOIN org_units u ON u.id = r.org_unit_id "
                      "WHERE a.username = :u",
         soci::use(user));
    for (const auto& r : rows) {
      p.account_id = db::GetInt(r, 0);
      if (auto role = policy::RoleFromName(db::GetStr(r, 1)))
        p.actor.grants.push_back({*role, db::GetInt(r, 2), db::GetStr(r, 3)});
    }
    return absl::OkStatus();
  }));
  if (p.account_id == 0) return NotFound("no account " + username);
  p.username = username;
  p.actor.account_id = p.account_id;
  return p;
}

absl::StatusOr<DemoScreeningSummary> SeedDemoScreening(db::Database& db, const Clock& clock,
                                                       const DemoScreeningOptions& options) {
  XQ_ASSIGN_OR_RETURN(policy::Principal p, StaffPrincipal(db, options.owner_username));

  audit::AuditLog audit(db, clock);
  counselling::HotlineService hotlines(db);
  SociScreeningStore store(db);
  SubmissionWriter writer(db);
  ScreeningService svc(db, store, writer, audit, hotlines, clock);
  CampaignInput in;
  in.template_id = options.template_id;
  XQ_ASSIGN_OR_RETURN(auto c, svc.CreateCampaign(p, in));
  XQ_ASSIGN_OR_RETURN(auto full, svc.GetCampaign(p, c.id));

  // One CSV line per answered scale; answers lean towards the low options,
  // with a few critical ones, like a real school.
  std::vector<const instruments::Registry::Entry*> scales;
  std::vector<std::string> items;
  std::set<std::string> seen;
  for (const auto& s : full.scales) {
    const auto* e = instruments::BundledDefinitions().Find(s.instrument_id, s.version);
    if (!e) return Internal("scale not available: " + s.instrument_id);
    scales.push_back(e);
    for (const auto& it : e->definition.items)
      if (seen.insert(it.id).second) items.push_back(it.id);
  }
  std::string csv = "school_id,student_no,instrument_id";
  for (const auto& id : items) csv += "," + id;
  csv += "\n";
  std::vector<std::string> paths;
  for (const auto& u : full.units) paths.push_back(u.path);
  XQ_ASSIGN_OR_RETURN(auto students, store.StudentsUnder(paths));
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> u01(0, 1);
  for (const auto& st : students) {
    if (!full.grades.empty() && std::find(full.grades.begin(), full.grades.end(), st.grade_year) == full.grades.end())
      continue;
    if (u01(rng) > options.response_rate) continue;
    const double distress = u01(rng);  // per student, so scales agree
    for (size_t k = 0; k < scales.size(); ++k) {
      const auto& def = scales[k]->definition;
      std::string line = fmt::format("{},{},{}", st.school_id, st.student_no, def.id);
      for (const auto& id : items) {
        line += ",";
        int idx = def.ItemIndex(id);
        if (idx < 0) continue;
        const auto& item = def.items[idx];
        if (item.type == instruments::ItemType::kText || item.options.empty()) continue;
        const size_t n = item.options.size();
        double x = u01(rng) * distress * distress * 1.6;
        size_t pick = std::min(n - 1, static_cast<size_t>(x * static_cast<double>(n)));
        if (item.type == instruments::ItemType::kYesNo) {
          const std::string want = u01(rng) < 0.02 + 0.1 * distress * distress ? "yes" : "no";
          for (size_t o = 0; o < n; ++o)
            if (item.options[o].code == want) pick = o;
        }
        line += item.options[pick].code;
      }
      csv += line + "\n";
    }
  }
  XQ_ASSIGN_OR_RETURN(auto res, svc.ImportPaper(c.id, csv));
  if (!res.errors.empty())
    return Internal(fmt::format("demo answers rejected at line {}: {}", res.errors[0].line, res.errors[0].message));
  return DemoScreeningSummary{c.id, res.written, res.warnings};
}

}  // namespace xq::screening
