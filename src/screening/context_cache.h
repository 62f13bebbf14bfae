// Submission contexts of students answering now, held in memory so that
// answering does not read the database on every submission.
//
// A student answers a campaign's scales one after another: when a student
// submits and the context is not held, the service reads all of the
// student's unsubmitted assignments in one query (ScreeningStore::
// UnsubmittedContextsOf) and keeps them for `ttl`. (Reading a whole class
// at once paid off only when the class sat together; students answering
// at scattered times made it ten times the reading.) Only unsubmitted
// assignments are served from here; a committed submission removes its
// entry (Forget) and a recorded consent removes the student's (ForgetStudent).
// Anything changed by another process is seen within `ttl`; the writer's
// claim of the assignment keeps exactly-once whatever this holds.
// Thread-safe (one mutex; lookups copy the context out).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "screening/model.h"

namespace xq::screening {

class ContextCache {
 public:
  explicit ContextCache(int64_t ttl_us, size_t max_entries = 4'000'000)
      : ttl_us_(ttl_us), max_entries_(max_entries) {}

  std::optional<SubmitContext> Find(int64_t assignment_id, int64_t now);
  // True when the student's assignments were read within ttl: no need to again.
  bool StudentHeld(int64_t student_id, int64_t now);
  // Keeps the contexts read for one student.
  void PutStudent(int64_t student_id, std::vector<SubmitContext> contexts, int64_t now);
  void Forget(int64_t assignment_id);
  void ForgetStudent(int64_t campaign_id, int64_t student_id);

 private:
  struct Entry {
    SubmitContext context;
    int64_t loaded_at = 0;
  };
  void SweepLocked(int64_t now);

  const int64_t ttl_us_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<int64_t, Entry> entries_;  // by assignment id
  std::unordered_map<int64_t, int64_t> students_;  // student id -> read at
  int64_t swept_at_ = 0;
};

}  // namespace xq::screening
