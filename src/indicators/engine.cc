#include "indicators/engine.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "core/status.h"
#include "fmt/format.h"
#include "indicators/definitions.h"
#include "nlohmann/json.hpp"

namespace xq::indicators {
namespace {

// The units whose values a contribution of `unit` counts in: itself and
// every ancestor (its district, the city).
std::vector<int64_t> Rollup(const UnitRef& unit) {
  std::vector<int64_t> ids;
  size_t i = 1;
  const std::string& p = unit.path;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) break;
    ids.push_back(std::stoll(p.substr(i, j - i)));
    i = j + 1;
  }
  return ids;
}

bool Takes(const Indicator& ind, const UnitRef& u) {
  if (u.kind == "school") return ind.level == Level::kSchool;
  return ind.level == Level::kDistrict && (u.kind == "district" || u.kind == "city");
}

bool Refreshable(const UnitRef& unit) {
  return unit.kind == "school" || unit.kind == "district" || unit.kind == "city";
}

// Two refreshes of a unit at once (each in its own transaction) would both
// read the same facts before and add the same difference twice: on
// PostgreSQL the second waits for the first, then reads what it wrote.
// (SQLite writers are serialised already.)
void LockUnit(soci::session& s, int64_t unit_id) {
  if (s.get_backend_name() != "postgresql") return;
  int key = static_cast<int>(unit_id % 2147483647);
  s << "SELECT pg_advisory_xact_lock(727275, :u)", soci::use(key);
}

}  // namespace

Engine::Engine(IndicatorStore& store, std::vector<FactSource> sources, const Clock& clock)
    : store_(store), sources_(std::move(sources)), clock_(clock) {
  for (const FactSource& src : sources_)
    if (src.prompt) prompt_kinds_.insert(src.event_kinds.begin(), src.event_kinds.end());
}

absl::StatusOr<Facts> Engine::Compute(soci::session& s, const UnitRef& unit, int year) {
  Facts all;
  for (const FactSource& src : sources_) {
    const auto& fn = unit.kind == "school" ? src.school_facts : src.unit_facts;
    if (!fn) continue;
    auto f = fn(s, unit.id, year);
    if (!f.ok())
      return WithField(
          absl::Status(f.status().code(), fmt::format("facts of {}: {}", src.name, std::string(f.status().message()))),
          "facts");
    for (auto& [k, v] : *f) all[k] = v;
  }
  return all;
}

absl::Status Engine::Refresh(soci::session& s, const UnitRef& unit, int year) {
  if (!Refreshable(unit)) return absl::OkStatus();
  LockUnit(s, unit.id);
  XQ_ASSIGN_OR_RETURN(Facts after, Compute(s, unit, year));
  return Apply(s, unit, year, after);
}

absl::Status Engine::Apply(soci::session& s, const UnitRef& unit, int year, const Facts& after) {
  XQ_ASSIGN_OR_RETURN(Facts before, store_.ReadFacts(s, unit.id, year));
  if (before == after) return absl::OkStatus();
  const int64_t now = clock_.NowMicros();
  const unsigned stage = StageOf(unit.school_kind);
  const std::vector<int64_t> up = Rollup(unit);
  for (const Indicator& ind : Indicators()) {
    if (!Takes(ind, unit)) continue;
    Contribution o = Contribute(ind, before, stage), n = Contribute(ind, after, stage);
    const double dn = n.num - o.num, dd = n.den - o.den;
    const int64_t du = int64_t{n.known} - int64_t{o.known};
    if (dn == 0 && dd == 0 && du == 0) continue;
    for (int64_t id : up) {
      const int64_t school = id == unit.id && unit.kind == "school" ? unit.id : 0;
      XQ_RETURN_IF_ERROR(store_.AddValue(s, id, school, year, ind.id, dn, dd, du, now));
    }
  }
  return store_.WriteFacts(s, unit.id, unit.kind == "school" ? unit.id : 0, year, after, now);
}

absl::Status Engine::RefreshId(soci::session& s, int64_t unit_id, int year) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(s, unit_id));
  if (!unit) return absl::OkStatus();
  return Refresh(s, *unit, year);
}

// The unit and school year an event concerns (unit 0: none).
std::pair<int64_t, int> Engine::TargetOf(const events::Event& e) {
  int year = SchoolYearOf(e.created_at);
  int64_t unit = e.school_id;
  // Payloads are JSON objects (the timeline convention); a school_year or
  // unit_id in them names the period and the unit.
  auto j = nlohmann::json::parse(e.payload, nullptr, false);
  if (j.is_object()) {
    if (auto it = j.find("school_year"); it != j.end() && it->is_number_integer()) year = it->get<int>();
    if (unit == 0)
      if (auto it = j.find("unit_id"); it != j.end() && it->is_number_integer()) unit = it->get<int64_t>();
  }
  if (unit == 0 && e.subject.starts_with("unit:")) {
    try {
      unit = std::stoll(e.subject.substr(5));
    } catch (...) {
      unit = 0;
    }
  }
  return {unit, year};
}

absl::Status Engine::Handle(soci::session& s, const events::Event& e) { return HandleAll(s, {&e}); }

// An event only marks its unit (one upsert in the delivery transaction);
// RefreshMarked recomputes the unit's facts later, once for every event
// about it meanwhile. Recomputing in the delivery held the write lock while
// a school's students were read, for every school of a batch, and starved
// the submission writer (half its rate at city scale).
absl::Status Engine::HandleAll(soci::session& s, const std::vector<const events::Event*>& events) {
  struct Target {
    int64_t school = 0;
    bool prompt = false;
  };
  std::map<std::pair<int64_t, int>, Target> targets;  // (unit, year)
  for (const events::Event* e : events) {
    auto target = TargetOf(*e);
    if (target.first == 0) continue;
    Target& t = targets[target];
    t.school = e->school_id == target.first ? target.first : 0;
    t.prompt = t.prompt || prompt_kinds_.contains(e->kind);
  }
  const int64_t now = clock_.NowMicros();
  for (const auto& [target, t] : targets)
    XQ_RETURN_IF_ERROR(store_.Mark(s, target.first, t.school, target.second, now, t.prompt));
  return absl::OkStatus();
}

absl::StatusOr<int> Engine::RefreshMarked(db::Database& db, int64_t before, int limit) {
  std::vector<RefreshMark> marks;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(marks, store_.Marked(s, before, limit));
    return absl::OkStatus();
  }));
  int refreshed = 0;
  absl::Status first_error;
  for (const RefreshMark& m : marks) {
    std::optional<UnitRef> unit;
    Facts after;
    // The facts are read outside any write transaction: writers go on
    // meanwhile. Whatever is marked after the mark was read keeps its mark
    // (Unmark), so the unit is refreshed again.
    absl::Status st = db.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(unit, store_.Unit(s, m.unit_id));
      if (!unit || !Refreshable(*unit)) return absl::OkStatus();
      XQ_ASSIGN_OR_RETURN(after, Compute(s, *unit, m.year));
      return absl::OkStatus();
    });
    if (st.ok()) {
      st = db.InLightTransaction([&](soci::session& s) -> absl::Status {
        XQ_RETURN_IF_ERROR(store_.Unmark(s, m, clock_.NowMicros()).status());
        if (!unit || !Refreshable(*unit)) return absl::OkStatus();
        LockUnit(s, unit->id);
        return Apply(s, *unit, m.year, after);
      });
    }
    // A unit that fails keeps its mark and is tried again; the others go on.
    if (st.ok())
      ++refreshed;
    else if (first_error.ok())
      first_error = st;
  }
  if (!first_error.ok()) return first_error;
  return refreshed;
}

absl::Status Engine::RefreshAllMarked(db::Database& db) {
  for (;;) {
    XQ_ASSIGN_OR_RETURN(int n, RefreshMarked(db, std::numeric_limits<int64_t>::max(), kMarkedPage));
    if (n < kMarkedPage) return absl::OkStatus();
  }
}

events::Subscription Engine::Subscription() {
  std::set<std::string> kinds;
  for (const auto& src : sources_) kinds.insert(src.event_kinds.begin(), src.event_kinds.end());
  return events::Subscription{
      .name = kSubscriber,
      .log = events::kOutbox,
      .kinds = {kinds.begin(), kinds.end()},
      .handler = [this](soci::session& s, const events::Event& e) { return Handle(s, e); },
      .batch_handler = [this](soci::session& s,
                              const std::vector<const events::Event*>& events) { return HandleAll(s, events); },
  };
}

absl::Status Engine::MarkAllIn(soci::session& s, int year) { return store_.MarkAll(s, year, clock_.NowMicros()); }

absl::Status Engine::SeedDemo(db::Database& db) {
  const int year = SchoolYearOf(clock_.NowMicros());
  for (int y : {year - 1, year}) XQ_RETURN_IF_ERROR(Recompute(db, y).status());
  return absl::OkStatus();
}

absl::StatusOr<Engine::RecomputeStats> Engine::Recompute(db::Database& db, int year) {
  RecomputeStats stats;
  XQ_RETURN_IF_ERROR(db.InTransaction([&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(store_.ClearYear(s, year));
    const int64_t now = clock_.NowMicros();
    struct Sum {
      int64_t school_id = 0;
      double num = 0, den = 0;
      int64_t units = 0;
    };
    std::map<std::pair<int64_t, std::string>, Sum> sums;
    for (bool schools : {true, false}) {
      int64_t after = 0;
      for (;;) {
        XQ_ASSIGN_OR_RETURN(std::vector<UnitRef> page, store_.UnitsUnder(s, "/", schools, after, 1000));
        if (page.empty()) break;
        after = page.back().id;
        for (const UnitRef& u : page) {
          XQ_ASSIGN_OR_RETURN(Facts f, Compute(s, u, year));
          ++stats.units;
          if (f.empty()) continue;
          XQ_RETURN_IF_ERROR(store_.WriteFacts(s, u.id, schools ? u.id : 0, year, f, now));
          const unsigned stage = StageOf(u.school_kind);
          const std::vector<int64_t> up = Rollup(u);
          for (const Indicator& ind : Indicators()) {
            if (!Takes(ind, u)) continue;
            Contribution c = Contribute(ind, f, stage);
            if (!c.known) continue;
            for (int64_t id : up) {
              Sum& sum = sums[{id, ind.id}];
              if (id == u.id && schools) sum.school_id = u.id;
              sum.num += c.num;
              sum.den += c.den;
              sum.units += 1;
            }
          }
        }
      }
    }
    for (const auto& [key, sum] : sums) {
      XQ_RETURN_IF_ERROR(
          store_.AddValue(s, key.first, sum.school_id, year, key.second, sum.num, sum.den, sum.units, now));
      ++stats.values;
    }
    return absl::OkStatus();
  }));
  return stats;
}

}  // namespace xq::indicators
