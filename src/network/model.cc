#include "network/model.h"

#include <chrono>

#include "fmt/format.h"

namespace xq::network {

const std::vector<Category>& Categories() {
  static const std::vector<Category> kList = {
      {"academic_pressure", "学业/就业压力"},
      {"financial_difficulty", "经济困难"},
      {"emotional_crisis", "情感危机"},
      {"family_change", "家庭变故"},
      {"bullying", "遭受欺凌"},
      {"environment_change", "环境变化"},
      {"major_setback", "重大挫折"},
      {"marked_abnormality", "言行明显异常"},
  };
  return kList;
}

std::string_view CategoryLabel(std::string_view name) {
  for (const auto& c : Categories())
    if (c.name == name) return c.label_zh;
  return {};
}

bool IsUrgency(std::string_view u) { return u == "immediate" || u == "soon" || u == "record"; }

bool IsFactorSource(std::string_view s) {
  return s == "observation" || s == "talk" || s == "home_visit" || s == "follow_up" || s == "manual";
}

std::string IsoWeek(int64_t unix_micros) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_seconds(seconds(unix_micros / 1'000'000 + 8 * 3600)));
  // The Thursday of this ISO week decides its year.
  const weekday wd{day};
  const int iso_wd = wd.iso_encoding();  // Monday 1 … Sunday 7
  const sys_days thursday = day + days(4 - iso_wd);
  const year_month_day ymd{thursday};
  const sys_days jan1 = sys_days{ymd.year() / January / 1};
  const int week = static_cast<int>((thursday - jan1).count() / 7) + 1;
  return fmt::format("{:04d}-W{:02d}", static_cast<int>(ymd.year()), week);
}

bool IsIsoWeekText(std::string_view s) {
  if (s.size() != 8 || s[4] != '-' || s[5] != 'W') return false;
  for (size_t i : {0, 1, 2, 3, 6, 7})
    if (s[i] < '0' || s[i] > '9') return false;
  const int w = (s[6] - '0') * 10 + (s[7] - '0');
  return w >= 1 && w <= 53;
}

std::vector<std::string> LastWeeks(int64_t unix_micros, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(IsoWeek(unix_micros - int64_t{i} * 7 * 86400 * 1'000'000));
  return out;
}

}  // namespace xq::network
