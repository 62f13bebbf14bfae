// 心理援助热线 hotlines: the city's two lines, shown to every student
// and parent, plus district and school lines configured per org unit.
// Public data (D0). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::counselling {

struct Hotline {
  std::string name;
  std::string number;
  std::string scope;  // "city" | "district" | "school"
  std::string hours;  // e.g. "24小时"
};

// The city-wide lines named in the action plan.
const std::vector<Hotline>& CityHotlines();

class HotlineService {
 public:
  explicit HotlineService(db::Database& db) : db_(db) {}
  // City lines, then the lines configured on the given units' ancestors.
  absl::StatusOr<std::vector<Hotline>> ForUnits(const std::vector<std::string>& unit_paths);

 private:
  db::Database& db_;
};

}  // namespace xq::counselling
