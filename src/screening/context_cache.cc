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
  const Entry& e = it->second;
  return SubmitContext{e.assignment, e.student, std::nullopt, e.consent};
}

bool ContextCache::StudentHeld(int64_t student_id, int64_t now) {
  std::lock_guard lk(mu_);
  auto it = students_.find(student_id);
  return it != students_.end() && now - it->second.read_at < ttl_us_;
}

void ContextCache::PutStudent(int64_t student_id, std::vector<SubmitContext> contexts, int64_t now) {
  PutStudents({student_id}, std::move(contexts), now);
}

void ContextCache::PutStudents(const std::vector<int64_t>& students, std::vector<SubmitContext> contexts, int64_t now) {
  std::lock_guard lk(mu_);
  SweepLocked(now);
  if (entries_.size() + contexts.size() > max_entries_) {  // a bound, not a policy
    entries_.clear();
    students_.clear();
  }
  for (int64_t s : students) students_[s] = Student{now, {}};
  KeepLocked(contexts, now);
}

void ContextCache::KeepLocked(std::vector<SubmitContext>& contexts, int64_t now) {
  std::shared_ptr<const StudentInfo> student;
  for (auto& c : contexts) {
    if (c.submission || c.assignment.state != "pending") continue;                 // served by the database
    if (!student || student->id != c.student->id) student = std::move(c.student);  // one copy per student
    const int64_t id = c.assignment.id;
    students_[c.assignment.student_id].assignments.push_back(id);
    entries_.insert_or_assign(id, Entry{std::move(c.assignment), student, std::move(c.consent), now});
  }
}

void ContextCache::Forget(int64_t assignment_id) {
  std::lock_guard lk(mu_);
  entries_.erase(assignment_id);
}

void ContextCache::ForgetStudent(int64_t student_id) {
  std::lock_guard lk(mu_);
  auto it = students_.find(student_id);
  if (it == students_.end()) return;
  for (int64_t id : it->second.assignments) entries_.erase(id);
  students_.erase(it);  // read again on the next submission
}

size_t ContextCache::size() {
  std::lock_guard lk(mu_);
  return entries_.size();
}

void ContextCache::SweepLocked(int64_t now) {
  if (now - swept_at_ < ttl_us_) return;
  swept_at_ = now;
  absl::erase_if(entries_, [&](const auto& e) { return now - e.second.loaded_at >= ttl_us_; });
  absl::erase_if(students_, [&](const auto& u) { return now - u.second.read_at >= ttl_us_; });
}

}  // namespace xq::screening
