#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace xq {

int64_t SystemClock::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

namespace {

// Days from civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yy + (*m <= 2));
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// The civil date and second of the day of a time in Asia/Shanghai (+08:00).
void ShanghaiParts(int64_t unix_micros, int* y, int* m, int* d, int* second_of_day) {
  int64_t secs = unix_micros / 1'000'000;
  if (unix_micros < 0 && unix_micros % 1'000'000 != 0) --secs;
  secs += 8 * 3600;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  CivilFromDays(days, y, m, d);
  *second_of_day = static_cast<int>(rem);
}

// v as `width` decimal digits at out[at, at + width).
void PutDigits(std::string& out, size_t at, int v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
}

// "YYYY-MM-DD", by hand for years 0-9999 (written on every submission).
std::string DateText(int y, int m, int d) {
  if (y < 0 || y > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
  }
  std::string out = "0000-00-00";
  PutDigits(out, 0, y, 4);
  PutDigits(out, 5, m, 2);
  PutDigits(out, 8, d, 2);
  return out;
}

}  // namespace

std::string FormatDate(int64_t unix_micros) {
  int y, m, d, sod;
  ShanghaiParts(unix_micros, &y, &m, &d, &sod);
  return DateText(y, m, d);
}

std::string FormatRfc3339(int64_t unix_micros) {
  int y, m, d, sod;
  ShanghaiParts(unix_micros, &y, &m, &d, &sod);
  std::string out = DateText(y, m, d);
  const size_t t = out.size();
  out += "T00:00:00+08:00";
  PutDigits(out, t + 1, sod / 3600, 2);
  PutDigits(out, t + 4, sod % 3600 / 60, 2);
  PutDigits(out, t + 7, sod % 60, 2);
  return out;
}

bool IsValidDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return false;
  return m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

bool ParseRfc3339(std::string_view s, int64_t* unix_micros) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20 || !IsValidDate(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
  Digits(s, 0, 4, &y);
  Digits(s, 5, 2, &mo);
  Digits(s, 8, 2, &d);
  if (!Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se))
    return false;
  if (h > 23 || mi > 59 || se > 60) return false;
  size_t p = 19;
  int64_t frac = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int n = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n < 6) frac = frac * 10 + (s[p] - '0');
      ++n;
      ++p;
    }
    if (n == 0) return false;
    for (int i = n; i < 6; ++i) frac *= 10;
  }
  if (p >= s.size()) return false;
  int64_t offset = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int oh, om;
    if (!Digits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    offset = (oh * 3600 + om * 60) * (s[p] == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (p != s.size()) return false;
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  *unix_micros = secs * 1'000'000 + frac;
  return true;
}

}  // namespace xq
