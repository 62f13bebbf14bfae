// 心理援助热线 hotlines: the city's two lines, shown to every student
// and parent, plus district and school lines configured per org unit.
// Public data (D0). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::counselling {

struct Hotline {
  std::string name;
  std::string number;
  std::string scope;  // "city" | "district" | "school"
  std::string hours;  // e.g. "24小时"
  std::string note;   // optional, e.g. "寒暑假照常接听"
};

// The city-wide lines named in the action plan: shown until the city admin
// edits the city's lines (then the city unit's rows apply).
const std::vector<Hotline>& CityHotlines();

// The lines as a JSON array of {"hours","name","number","scope"} objects
// (with "note" when a line has one).
std::string HotlinesJsonText(const std::vector<Hotline>& lines);

// A unit's lines, with their JSON written once: every submission answer
// carries them.
struct UnitHotlines {
  std::vector<Hotline> lines;
  std::string json;  // HotlinesJsonText(lines)
};

// Every submission answer lists hotlines, so the (small) table is held in
// memory and read again when it is older than refresh_after.
// Thread-safe.
class HotlineService {
 public:
  explicit HotlineService(db::Database& db, std::chrono::seconds refresh_after = std::chrono::seconds(60))
      : db_(db), refresh_after_(refresh_after) {}
  // City lines, then the lines configured on the given units' ancestors.
  absl::StatusOr<std::vector<Hotline>> ForUnits(const std::vector<std::string>& unit_paths);
  // The same for one unit, shared (every submission answer lists them).
  absl::StatusOr<std::shared_ptr<const UnitHotlines>> ForUnit(const std::string& unit_path);
  // Reads the table again at the next call (after an edit in this process).
  void Invalidate();

 private:
  absl::Status RefreshLocked();  // reads the table when older than refresh_after
  std::vector<Hotline> LinesLocked(const std::vector<std::string>& unit_paths) const;

  db::Database& db_;
  const std::chrono::seconds refresh_after_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point loaded_at_;
  bool loaded_ = false;
  std::unordered_map<int64_t, std::vector<Hotline>> by_unit_;  // in the editor's order
  std::vector<Hotline> city_;                                  // the city unit's rows, else CityHotlines()
  // ForUnit's answers since the last read of the table.
  absl::flat_hash_map<std::string, std::shared_ptr<const UnitHotlines>> by_path_;
};

}  // namespace xq::counselling
