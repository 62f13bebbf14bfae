// Submission contexts of students answering now, held in memory so that
// answering does not read the database on every submission.
//
// A student's open assignments are read in one query (ScreeningStore::
// UnsubmittedContextsOf) when the student lists them or first submits, and
// at server start for every student with a held session (ScreeningService::
// HoldOpenAssessments); they are kept for `ttl` (30 min: a sitting of
// several scales). Reading a whole class at once was tried and dropped: with
// students answering at scattered times it was ten times the reading.
//
// Only unsubmitted assignments are served from here; a committed
// submission removes its entry (Forget) and a consent recorded on this
// server removes the student's (ForgetStudent). What another server changes
// cannot loosen anything: a refusal decided from memory is decided again
// from the database, and the writer's claim checks the consent and that the
// assignment is still unsubmitted in the committing transaction.
// Thread-safe (one mutex; lookups copy the context out).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "screening/model.h"

namespace xq::screening {

class ContextCache {
 public:
  explicit ContextCache(int64_t ttl_us, size_t max_entries = 4'000'000) : ttl_us_(ttl_us), max_entries_(max_entries) {}

  std::optional<SubmitContext> Find(int64_t assignment_id, int64_t now);
  // True when the student's assignments were read within ttl: no need to again.
  bool StudentHeld(int64_t student_id, int64_t now);
  // Keeps the contexts read for one student.
  void PutStudent(int64_t student_id, std::vector<SubmitContext> contexts, int64_t now);
  // Keeps the contexts read for many students: each of `students` is marked
  // held, with or without open assignments among `contexts`.
  void PutStudents(const std::vector<int64_t>& students, std::vector<SubmitContext> contexts, int64_t now);
  void Forget(int64_t assignment_id);
  // All of the student's entries: read again on the next submission.
  void ForgetStudent(int64_t student_id);
  size_t size();

 private:
  struct Entry {
    Assignment assignment;
    std::shared_ptr<const StudentInfo> student;  // shared by the student's scales
    std::optional<Consent> consent;
    int64_t loaded_at = 0;
  };
  void KeepLocked(std::vector<SubmitContext>& contexts, int64_t now);
  void SweepLocked(int64_t now);

  const int64_t ttl_us_;
  const size_t max_entries_;
  std::mutex mu_;
  absl::flat_hash_map<int64_t, Entry> entries_;  // by assignment id
  struct Student {
    int64_t read_at = 0;
    std::vector<int64_t> assignments;  // held for the student
  };
  absl::flat_hash_map<int64_t, Student> students_;
  int64_t swept_at_ = 0;
};

}  // namespace xq::screening
