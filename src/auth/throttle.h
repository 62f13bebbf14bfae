// Sign-in throttling that does not depend on the name tried (issue 17,
// item 6): failures per client address (password and slip sign-in share
// the budget), and a lock-out for names that have no account which behaves
// exactly like a real account's, so that 401 401 401 401 429 tells nothing
// about whether a name exists.
//
// Kept in memory: a restart forgets it, and each server counts its own
// clients (a real account's lock-out is in the database and shared).
// Thread-safe: one mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace xq::auth {

struct ThrottleOptions {
  // Failed sign-ins from one address within the window before it waits. A
  // school lab behind one address signs in a class at a time, hence generous.
  int max_failures_per_address = 50;
  int64_t address_window_s = 600;
  // The lock-out schedule of names (as AuthOptions for real accounts).
  int max_failed_logins = 5;
  int64_t max_lockout_s = 3600;
  bool doubling = true;  // false: a fixed first step (slip sign-in)
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleOptions options = {}) : options_(options) {}

  // Seconds the address must wait before trying again (0: go ahead).
  int64_t AddressWait(std::string_view address, int64_t now_us);
  void AddressFailed(std::string_view address, int64_t now_us);

  // For a name without an account: the lock-out a real account would have.
  // NameWait: seconds left (0: not locked). NameFailed records a failure and
  // returns the seconds of a lock-out it starts (0: none).
  int64_t NameWait(std::string_view name, int64_t now_us);
  int64_t NameFailed(std::string_view name, int64_t now_us);

  // The real-account schedule: lock seconds after `failed` failures (0: none).
  static int64_t LockSeconds(int failed, int max_failed, int64_t max_lockout_s, bool doubling);

  const ThrottleOptions& options() const { return options_; }

 private:
  struct NameState {
    int failed = 0;
    int64_t locked_until = 0;
    int64_t last = 0;
  };
  void Sweep(int64_t now_us);

  ThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> addresses_;
  std::unordered_map<std::string, NameState> names_;
  int64_t swept_at_ = 0;
};

}  // namespace xq::auth
