// Storage of warnings, follow-ups, interviews and attention levels behind
// one interface, with a SOCI implementation that runs the same SQL on
// SQLite and PostgreSQL (contract suite:
// tests/contract/warning_contract_test.cc). The store decides nothing about
// access; WarningService does. Insert*In run inside a caller's open
// transaction so that a critical answer and its warning commit together.
// Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <memory>
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
  virtual ~WarningStore() = default;

  // Warnings of students whose unit_path lies under one of scope_paths;
  // state "" = any. Newest first.
  virtual absl::StatusOr<std::vector<Warning>> ListWarnings(const std::vector<std::string>& scope_paths,
                                                            std::string_view state, int limit) = 0;
  // How many warnings ListWarnings would give without a limit.
  virtual absl::StatusOr<int64_t> CountWarnings(const std::vector<std::string>& scope_paths,
                                                std::string_view state) = 0;
  // The page after (created_at, id) in ListWarnings' order, at most limit.
  virtual absl::StatusOr<std::vector<Warning>> ListWarningsAfter(const std::vector<std::string>& scope_paths,
                                                                 std::string_view state, int64_t created_at, int64_t id,
                                                                 int limit) = 0;
  virtual absl::StatusOr<std::optional<Warning>> GetWarning(int64_t id) = 0;
  // Sets acknowledged_by/at once; false when it was already acknowledged.
  // `also` (the audit entry) runs in the same transaction when it changed.
  virtual absl::StatusOr<bool> Acknowledge(int64_t id, int64_t account_id, int64_t now,
                                           const audit::InTransaction& also) = 0;

  virtual absl::StatusOr<std::vector<FollowUp>> ListFollowUps(const std::vector<std::string>& scope_paths,
                                                              std::string_view state, std::optional<int64_t> due_before,
                                                              int limit) = 0;
  // How many follow-ups ListFollowUps would give without a limit.
  virtual absl::StatusOr<int64_t> CountFollowUps(const std::vector<std::string>& scope_paths, std::string_view state,
                                                 std::optional<int64_t> due_before) = 0;
  // The page after (due_at, id) in ListFollowUps' order, at most limit.
  virtual absl::StatusOr<std::vector<FollowUp>> ListFollowUpsAfter(const std::vector<std::string>& scope_paths,
                                                                   std::string_view state,
                                                                   std::optional<int64_t> due_before, int64_t due_at,
                                                                   int64_t id, int limit) = 0;
  virtual absl::StatusOr<std::optional<FollowUp>> GetFollowUp(int64_t id) = 0;
  // Records the interview, closes the follow-up and sets or clears the
  // student's attention level, in one transaction, which ends with `also`
  // (the audit entry).
  virtual absl::Status RecordInterview(const FollowUp& f, int64_t interview_id, std::string_view outcome, int level,
                                       std::string_view guidance, std::string_view notes, int64_t interviewer,
                                       int64_t now, int64_t expires_at, const audit::InTransaction& also) = 0;

  // Active, unexpired levels under one of scope_paths.
  virtual absl::StatusOr<std::vector<AttentionLevel>> ListLevels(const std::vector<std::string>& scope_paths,
                                                                 int64_t now) = 0;
};

std::unique_ptr<WarningStore> NewSociWarningStore(db::Database& db);

}  // namespace xq::warning
