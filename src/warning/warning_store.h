// SQL for warnings, follow-ups, interviews and attention levels (SQLite and
// PostgreSQL, same statements). The store decides nothing about access;
// WarningService does. Insert*In run inside a caller's open transaction so
// that a critical answer and its warning commit together.
// Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "db/database.h"
#include "warning/model.h"

namespace xq::warning {

// Inside an open transaction.
void InsertWarningsIn(soci::session& s, const std::vector<const Warning*>& warnings);
void InsertFollowUpsIn(soci::session& s, const std::vector<const FollowUp*>& follow_ups);

class WarningStore {
 public:
  explicit WarningStore(db::Database& db) : db_(db) {}

  // Warnings of students whose unit_path lies under one of scope_paths;
  // state "" = any. Newest first.
  absl::StatusOr<std::vector<Warning>> ListWarnings(const std::vector<std::string>& scope_paths, std::string_view state,
                                                    int limit);
  // How many warnings ListWarnings would give without a limit.
  absl::StatusOr<int64_t> CountWarnings(const std::vector<std::string>& scope_paths, std::string_view state);
  // The page after (created_at, id) in ListWarnings' order, at most limit.
  absl::StatusOr<std::vector<Warning>> ListWarningsAfter(const std::vector<std::string>& scope_paths,
                                                         std::string_view state, int64_t created_at, int64_t id,
                                                         int limit);
  absl::StatusOr<std::optional<Warning>> GetWarning(int64_t id);
  // Sets acknowledged_by/at once; false when it was already acknowledged.
  // `also` (the audit entry) runs in the same transaction when it changed.
  absl::StatusOr<bool> Acknowledge(int64_t id, int64_t account_id, int64_t now, const audit::InTransaction& also);

  absl::StatusOr<std::vector<FollowUp>> ListFollowUps(const std::vector<std::string>& scope_paths,
                                                      std::string_view state, std::optional<int64_t> due_before,
                                                      int limit);
  // How many follow-ups ListFollowUps would give without a limit.
  absl::StatusOr<int64_t> CountFollowUps(const std::vector<std::string>& scope_paths, std::string_view state,
                                         std::optional<int64_t> due_before);
  // The page after (due_at, id) in ListFollowUps' order, at most limit.
  absl::StatusOr<std::vector<FollowUp>> ListFollowUpsAfter(const std::vector<std::string>& scope_paths,
                                                           std::string_view state, std::optional<int64_t> due_before,
                                                           int64_t due_at, int64_t id, int limit);
  absl::StatusOr<std::optional<FollowUp>> GetFollowUp(int64_t id);
  // Records the interview, closes the follow-up and sets or clears the
  // student's attention level, in one transaction, which ends with `also`
  // (the audit entry).
  absl::Status RecordInterview(const FollowUp& f, int64_t interview_id, std::string_view outcome, int level,
                               std::string_view guidance, std::string_view notes, int64_t interviewer, int64_t now,
                               int64_t expires_at, const audit::InTransaction& also);

  // Active, unexpired levels under one of scope_paths.
  absl::StatusOr<std::vector<AttentionLevel>> ListLevels(const std::vector<std::string>& scope_paths, int64_t now);

 private:
  db::Database& db_;
};

}  // namespace xq::warning
