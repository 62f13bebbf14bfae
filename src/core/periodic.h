// A background task run at a fixed interval on its own thread, and once
// more when it is destroyed (so work queued in memory is not lost at a
// clean shutdown).
//
//   Periodic flush(std::chrono::seconds(2), [&] { auth.FlushSessionActivity(); });
//
// Thread-safe: the task runs on one thread only; the destructor waits for
// a run in progress.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace xq {

class Periodic {
 public:
  Periodic(std::chrono::milliseconds interval, std::function<void()> task);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  std::chrono::milliseconds interval_;
  std::function<void()> task_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xq
