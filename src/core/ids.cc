#include "core/ids.h"

#include <sodium.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>

namespace xq {
namespace {

constexpr int64_t kEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z

struct Generator {
  std::mutex mu;
  int64_t last_ms = 0;
  int64_t seq = 0;
  int64_t node = 0;
  Generator() {
    if (sodium_init() < 0) std::abort();
    node = static_cast<int64_t>(randombytes_uniform(1024));
  }
};

Generator& Gen() {
  static Generator g;
  return g;
}

}  // namespace

int64_t NewId() {
  Generator& g = Gen();
  std::lock_guard<std::mutex> lock(g.mu);
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() -
      kEpochMs;
  if (ms < g.last_ms) ms = g.last_ms;  // clock went back: stay monotone
  if (ms == g.last_ms) {
    if (++g.seq >= 4096) {  // sequence exhausted: borrow the next millisecond
      ++ms;
      g.seq = 0;
    }
  } else {
    g.seq = 0;
  }
  g.last_ms = ms;
  return (ms << 22) | (g.node << 12) | g.seq;
}

std::string IdToString(int64_t id) { return std::to_string(id); }

std::optional<int64_t> IdFromString(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::string RandomHex(size_t bytes) {
  if (sodium_init() < 0) std::abort();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), bytes);
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), bytes);
  hex.resize(bytes * 2);
  return hex;
}

}  // namespace xq
