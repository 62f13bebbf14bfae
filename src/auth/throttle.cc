#include "auth/throttle.h"

#include <algorithm>

namespace xq::auth {
namespace {
constexpr int64_t kUs = 1'000'000;
constexpr size_t kMaxTracked = 100'000;  // beyond this, old entries are swept at once
}  // namespace

int64_t LoginThrottle::LockSeconds(int failed, int max_failed, int64_t max_lockout_s, bool doubling) {
  if (failed < max_failed) return 0;
  if (!doubling) return 60;
  int shift = std::min(failed - max_failed, 16);
  return std::min<int64_t>(int64_t{60} << shift, max_lockout_s);
}

void LoginThrottle::Sweep(int64_t now) {
  const int64_t window = options_.address_window_s * kUs;
  const bool full = addresses_.size() + names_.size() > kMaxTracked;
  if (!full && now - swept_at_ < window) return;
  swept_at_ = now;
  std::erase_if(addresses_, [&](const auto& e) { return e.second.empty() || now - e.second.back() > window; });
  const int64_t keep = std::max(window, options_.max_lockout_s * kUs);
  std::erase_if(names_, [&](const auto& e) { return e.second.locked_until <= now && now - e.second.last > keep; });
}

int64_t LoginThrottle::AddressWait(std::string_view address, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = addresses_.find(std::string(address));
  if (it == addresses_.end()) return 0;
  auto& times = it->second;
  const int64_t window = options_.address_window_s * kUs;
  while (!times.empty() && now - times.front() >= window) times.pop_front();
  if (static_cast<int>(times.size()) < options_.max_failures_per_address) return 0;
  // Until the oldest failure in the window leaves it.
  return std::max<int64_t>((times.front() + window - now + kUs - 1) / kUs, 1);
}

void LoginThrottle::AddressFailed(std::string_view address, int64_t now) {
  std::lock_guard lk(mu_);
  Sweep(now);
  auto& times = addresses_[std::string(address)];
  times.push_back(now);
  while (static_cast<int>(times.size()) > options_.max_failures_per_address) times.pop_front();
}

int64_t LoginThrottle::NameWait(std::string_view name, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = names_.find(std::string(name));
  if (it == names_.end() || it->second.locked_until <= now) return 0;
  return std::max<int64_t>((it->second.locked_until - now + kUs - 1) / kUs, 1);
}

int64_t LoginThrottle::NameFailed(std::string_view name, int64_t now) {
  std::lock_guard lk(mu_);
  Sweep(now);
  NameState& st = names_[std::string(name)];
  st.failed += 1;
  st.last = now;
  const int64_t secs = LockSeconds(st.failed, options_.max_failed_logins, options_.max_lockout_s, options_.doubling);
  st.locked_until = secs ? now + secs * kUs : 0;
  return secs;
}

}  // namespace xq::auth
