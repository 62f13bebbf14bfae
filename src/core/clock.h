// Injectable clock. Production code takes a Clock& so tests can move time.
// Thread-safe: SystemClock is stateless; FakeClock uses an atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace xq {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1'000'000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  static SystemClock& Instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t micros = 1'788'000'000'000'000) : now_(micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t micros) { now_ = micros; }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339 in Asia/Shanghai (+08:00), the school calendar's zone,
// e.g. "2026-09-01T08:00:00+08:00".
std::string FormatRfc3339(int64_t unix_micros);
// The date part of FormatRfc3339: "YYYY-MM-DD" in Asia/Shanghai.
std::string FormatDate(int64_t unix_micros);
// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"; false if malformed.
bool ParseRfc3339(std::string_view s, int64_t* unix_micros);
// "YYYY-MM-DD" check, including day-of-month validity.
bool IsValidDate(std::string_view s);

}  // namespace xq
