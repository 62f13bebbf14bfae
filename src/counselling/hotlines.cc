#include "counselling/hotlines.h"

#include <set>

#include "core/json.h"
#include "core/status.h"
#include "db/row.h"

namespace xq::counselling {

const std::vector<Hotline>& CityHotlines() {
  static const std::vector<Hotline> kLines = {
      {"阳光心理热线", "4001060525", "city", "24小时"},
      {"阳光家庭教育热线", "4000716515", "city", ""},
  };
  return kLines;
}

std::string HotlinesJsonText(const std::vector<Hotline>& lines) {
  std::string out = "[";
  for (const auto& h : lines) {
    if (out.size() > 1) out += ',';
    JsonObjectWriter line(out);  // keys in the DOM's (sorted) order
    line.Str("hours", h.hours).Str("name", h.name);
    if (!h.note.empty()) line.Str("note", h.note);
    line.Str("number", h.number).Str("scope", h.scope).End();
  }
  out += ']';
  return out;
}

absl::Status HotlineService::RefreshLocked() {
  const auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - loaded_at_ <= refresh_after_) return absl::OkStatus();
  std::unordered_map<int64_t, std::vector<Hotline>> fresh;
  std::vector<Hotline> city;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT h.org_unit_id, h.name, h.number, h.hours, u.kind, h.note FROM hotlines h "
                      "JOIN org_units u ON u.id = h.org_unit_id ORDER BY h.org_unit_id, h.position, h.name");
    for (const auto& r : rows) {
      Hotline h{db::GetStr(r, 1), db::GetStr(r, 2), db::GetStr(r, 4), db::GetStr(r, 3), db::GetStr(r, 5)};
      if (h.scope == "city")
        city.push_back(std::move(h));
      else
        fresh[db::GetInt(r, 0)].push_back(std::move(h));
    }
    return absl::OkStatus();
  }));
  by_unit_ = std::move(fresh);
  city_ = city.empty() ? CityHotlines() : std::move(city);
  by_path_.clear();
  loaded_at_ = now;
  loaded_ = true;
  return absl::OkStatus();
}

std::vector<Hotline> HotlineService::LinesLocked(const std::vector<std::string>& unit_paths) const {
  std::vector<Hotline> out = city_;
  // Ancestor ids of every unit: the path segments.
  std::set<long long> ids;
  for (const auto& path : unit_paths) {
    size_t i = 1;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) break;
      try {
        ids.insert(std::stoll(path.substr(i, j - i)));
      } catch (...) {
      }
      i = j + 1;
    }
  }
  for (long long id : ids) {
    if (auto it = by_unit_.find(id); it != by_unit_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

void HotlineService::Invalidate() {
  std::lock_guard lk(mu_);
  loaded_ = false;
}

absl::StatusOr<std::vector<Hotline>> HotlineService::ForUnits(const std::vector<std::string>& unit_paths) {
  std::lock_guard lk(mu_);
  XQ_RETURN_IF_ERROR(RefreshLocked());
  return LinesLocked(unit_paths);
}

absl::StatusOr<std::shared_ptr<const UnitHotlines>> HotlineService::ForUnit(const std::string& unit_path) {
  std::lock_guard lk(mu_);
  XQ_RETURN_IF_ERROR(RefreshLocked());
  auto& held = by_path_[unit_path];
  if (!held) {
    UnitHotlines h{LinesLocked({unit_path}), ""};
    h.json = HotlinesJsonText(h.lines);
    held = std::make_shared<const UnitHotlines>(std::move(h));
  }
  return held;
}

}  // namespace xq::counselling
