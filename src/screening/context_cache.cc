#include "screening/context_cache.h"

namespace xq::screening {

std::optional<SubmitContext> ContextCache::Find(int64_t assignment_id, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(assignment_id);
  if (it == entries_.end()) return std::nullopt;
  if (now - it->second.loaded_at >= ttl_us_) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.context;
}

bool ContextCache::StudentHeld(int64_t student_id, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = students_.find(student_id);
  return it != students_.end() && now - it->second < ttl_us_;
}

void ContextCache::PutStudent(int64_t student_id, std::vector<SubmitContext> contexts, int64_t now) {
  std::lock_guard lk(mu_);
  SweepLocked(now);
  if (entries_.size() + contexts.size() > max_entries_) {  // a bound, not a policy
    entries_.clear();
    students_.clear();
  }
  students_[student_id] = now;
  for (auto& c : contexts) {
    if (c.submission || c.assignment.state != "pending") continue;  // served by the database
    const int64_t id = c.assignment.id;
    entries_.insert_or_assign(id, Entry{std::move(c), now});
  }
}

void ContextCache::Forget(int64_t assignment_id) {
  std::lock_guard lk(mu_);
  entries_.erase(assignment_id);
}

void ContextCache::ForgetStudent(int64_t campaign_id, int64_t student_id) {
  std::lock_guard lk(mu_);
  std::erase_if(entries_, [&](const auto& e) {
    return e.second.context.assignment.campaign_id == campaign_id && e.second.context.assignment.student_id == student_id;
  });
}

void ContextCache::SweepLocked(int64_t now) {
  if (now - swept_at_ < ttl_us_) return;
  swept_at_ = now;
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.loaded_at >= ttl_us_; });
  std::erase_if(students_, [&](const auto& u) { return now - u.second >= ttl_us_; });
}

}  // namespace xq::screening
