// Exact fractions for scores: integer sums stay integers, means and
// prorated scores are exact fractions, and comparisons with thresholds are
// exact (cross-multiplication in 128 bits). Value type; thread-safe.
#pragma once

#include <cstdint>
#include <numeric>
#include <optional>
#include <string>

namespace xq::instruments {

// -Wpedantic rejects a bare __int128; __extension__ marks the use as intended.
__extension__ typedef __int128 Int128;

struct Rational {
  int64_t num = 0;
  int64_t den = 1;  // always > 0

  constexpr Rational() = default;
  constexpr Rational(int64_t n) : num(n) {}  // NOLINT: implicit from integers
  constexpr Rational(int64_t n, int64_t d) : num(n), den(d) {
    if (den < 0) {
      num = -num;
      den = -den;
    }
  }

  Rational Reduced() const {
    int64_t g = std::gcd(num < 0 ? -num : num, den);
    if (g <= 1) return *this;
    return Rational(num / g, den / g);
  }
  bool IsInteger() const { return den == 1 || num % den == 0; }
  double ToDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
  // Rounds half away from zero to an integer.
  int64_t RoundHalfUp() const {
    Int128 twice = static_cast<Int128>(num) * 2;
    Int128 d2 = static_cast<Int128>(den) * 2;
    if (num >= 0) return static_cast<int64_t>((twice + den) / d2);
    return -static_cast<int64_t>((-twice + den) / d2);
  }
  int64_t Floor() const {
    int64_t q = num / den;
    if ((num % den != 0) && (num < 0)) --q;
    return q;
  }
  int64_t Ceil() const { return -Rational(-num, den).Floor(); }

  // Exact value of a JSON number with at most 6 decimals; nullopt otherwise.
  static std::optional<Rational> FromDouble(double x);
  std::string ToString() const;  // "7", "-3/2"
};

inline int Cmp(const Rational& a, const Rational& b) {
  if (a.den == b.den) return a.num < b.num ? -1 : (a.num > b.num ? 1 : 0);
  Int128 l = static_cast<Int128>(a.num) * b.den;
  Int128 r = static_cast<Int128>(b.num) * a.den;
  return l < r ? -1 : (l > r ? 1 : 0);
}
inline bool operator==(const Rational& a, const Rational& b) { return Cmp(a, b) == 0; }
inline bool operator<(const Rational& a, const Rational& b) { return Cmp(a, b) < 0; }
inline bool operator<=(const Rational& a, const Rational& b) { return Cmp(a, b) <= 0; }
inline bool operator>(const Rational& a, const Rational& b) { return Cmp(a, b) > 0; }
inline bool operator>=(const Rational& a, const Rational& b) { return Cmp(a, b) >= 0; }
inline Rational operator+(const Rational& a, const Rational& b) {
  if (a.den == b.den) return Rational(a.num + b.num, a.den);
  return Rational(a.num * b.den + b.num * a.den, a.den * b.den).Reduced();
}
inline Rational operator*(const Rational& a, int64_t k) { return Rational(a.num * k, a.den).Reduced(); }

}  // namespace xq::instruments
