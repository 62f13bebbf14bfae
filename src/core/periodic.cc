#include "core/periodic.h"

namespace xq {

Periodic::Periodic(std::chrono::milliseconds interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)) {
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    for (;;) {
      cv_.wait_for(lk, interval_, [this] { return stopping_; });
      const bool last = stopping_;
      lk.unlock();
      task_();
      if (last) return;
      lk.lock();
    }
  });
}

Periodic::~Periodic() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace xq
