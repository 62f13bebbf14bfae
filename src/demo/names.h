// Deterministic random source and Chinese name tables for the demo city.
// Thread-compatible: one Rng per generator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xq::demo {

// splitmix64: tiny, fast, and identical on every platform (the standard
// distributions are not), so a seed always gives the same city.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return static_cast<int>(Next() % 100) < percent; }

 private:
  uint64_t state_;
};

// "张伟", "李静怡": surname by frequency, one or two given characters.
std::string PersonName(Rng& rng, bool male);
// A given surname with a generated given name (guardians share it).
std::string NameWithSurname(Rng& rng, std::string_view surname, bool male);
std::string_view SurnameOf(std::string_view name);  // the first character (UTF-8)
// Mainland mobile number, 11 digits.
std::string MobilePhone(Rng& rng);
// 1..999 in Chinese numerals: 1 → 一, 20 → 二十, 105 → 一百零五.
std::string ChineseNumber(int n);

}  // namespace xq::demo
