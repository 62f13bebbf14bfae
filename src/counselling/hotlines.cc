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
    line.Str("hours", h.hours).Str("name", h.name).Str("number", h.number).Str("scope", h.scope).End();
  }
  out += ']';
  return out;
}

absl::Status HotlineService::RefreshLocked() {
  const auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - loaded_at_ <= refresh_after_) return absl::OkStatus();
  std::unordered_map<int64_t, std::vector<Hotline>> fresh;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT h.org_unit_id, h.name, h.number, h.hours, u.kind FROM hotlines h "
                      "JOIN org_units u ON u.id = h.org_unit_id ORDER BY h.org_unit_id, h.name");
    for (const auto& r : rows)
      fresh[db::GetInt(r, 0)].push_back({db::GetStr(r, 1), db::GetStr(r, 2), db::GetStr(r, 4), db::GetStr(r, 3)});
    return absl::OkStatus();
  }));
  by_unit_ = std::move(fresh);
  by_path_.clear();
  loaded_at_ = now;
  loaded_ = true;
  return absl::OkStatus();
}

std::vector<Hotline> HotlineService::LinesLocked(const std::vector<std::string>& unit_paths) const {
  std::vector<Hotline> out = CityHotlines();
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
