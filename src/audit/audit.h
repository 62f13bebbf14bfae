// Append-only, hash-chained audit log (ACCESS.md; R-44).
//
// Each entry's hash is BLAKE2b-256 over its predecessor's hash and the
// entry's canonical fields, so that `Verify` finds the first row that was
// changed, deleted, inserted or reordered. Logins, failed logins, denials,
// permission changes, reads of D2/D3/D5/D6 naming a student, and exports
// are recorded.
// Thread-safe: appends are serialised by the database transaction.
//
// Group commit: entries recorded on their own (Record — reads, denials)
// by concurrent requests are written together, one transaction (one
// fsync) for all that are waiting, instead of one each: the first caller
// to find no write in progress writes everything queued so far, and
// callers arriving meanwhile queue for the next write. Each caller returns
// only when the transaction holding its entry has committed, and gets that
// transaction's failure if it failed. Entries keep the order of the queue
// in the chain.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::audit {

struct Event {
  int64_t actor_id = 0;     // account id, 0 for anonymous (failed login)
  std::string actor_role;   // policy role name that was used, if any
  std::string action;       // e.g. "login", "login_failed", "read", "export", "grant", "denied"
  std::string object_type;  // e.g. "student", "account", "roster_import"
  std::string object_id;
  int64_t student_id = 0;  // the student the data is about, if any
  int64_t school_id = 0;
  std::string outcome = "ok";  // "ok" | "denied" | "failed"
  std::string purpose;         // break-glass reason, export reason
  std::string detail;          // short JSON or text, never a score
};

struct Entry {
  int64_t seq = 0;
  int64_t at = 0;
  Event event;
  std::string prev_hash;
  std::string hash;
};

struct VerifyResult {
  bool ok = true;
  int64_t entries = 0;
  int64_t first_bad_seq = 0;  // when !ok
  std::string problem;        // when !ok: what is wrong with that entry
};

class AuditLog {
 public:
  AuditLog(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Appends in its own transaction, shared with the entries of concurrent
  // callers (group commit); returns once that transaction has committed.
  absl::Status Record(const Event& e);
  // Appends inside the caller's open transaction (same commit as the change).
  absl::Status RecordIn(soci::session& s, const Event& e);
  // The same for several entries, in order (the head is read and written
  // once, the insert prepared once).
  absl::Status RecordAllIn(soci::session& s, const std::vector<const Event*>& events);
  // Newest first; filters are optional.
  absl::StatusOr<std::vector<Entry>> List(int64_t before_seq, int limit,
                                          std::optional<std::string> action = std::nullopt);
  absl::StatusOr<VerifyResult> Verify();
  // Transactions Record has written so far (each holds one or more entries).
  int64_t GroupWrites();

 private:
  // Appends events (in order) inside an open transaction: the chain's head
  // is read and written once.
  absl::Status AppendIn(soci::session& s, const std::vector<const Event*>& events);

  struct Waiter {
    const Event* event = nullptr;
    bool done = false;
    absl::Status status;
  };
  // At most this many entries per group transaction.
  static constexpr size_t kMaxGroup = 512;

  db::Database& db_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable written_;
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  int64_t group_writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace xq::audit
