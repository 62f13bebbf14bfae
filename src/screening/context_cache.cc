#include "screening/context_cache.h"

#include "fmt/format.h"

namespace xq::screening {
namespace {

std::string UnitKey(int64_t campaign_id, const std::string& unit_path) {
  return fmt::format("{}:{}", campaign_id, unit_path);
}

}  // namespace

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

bool ContextCache::UnitHeld(int64_t campaign_id, const std::string& unit_path, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = units_.find(UnitKey(campaign_id, unit_path));
  return it != units_.end() && now - it->second < ttl_us_;
}

void ContextCache::PutUnit(int64_t campaign_id, const std::string& unit_path,
                           std::vector<SubmitContext> contexts, int64_t now) {
  std::lock_guard lk(mu_);
  SweepLocked(now);
  if (entries_.size() + contexts.size() > max_entries_) {  // a bound, not a policy
    entries_.clear();
    units_.clear();
  }
  units_[UnitKey(campaign_id, unit_path)] = now;
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

size_t ContextCache::size() {
  std::lock_guard lk(mu_);
  return entries_.size();
}

void ContextCache::SweepLocked(int64_t now) {
  if (now - swept_at_ < ttl_us_) return;
  swept_at_ = now;
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.loaded_at >= ttl_us_; });
  std::erase_if(units_, [&](const auto& u) { return now - u.second >= ttl_us_; });
}

}  // namespace xq::screening
