// The set-up the warning benchmarks share (bench/escalation, bench/network):
// the demo city generated into a fresh database opened as the server opens
// it, and a job runner with the escalation handlers as app.cc declares
// them. For benchmarks only; not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "db/database.h"
#include "demo/demo.h"
#include "jobs/jobs.h"

namespace xq::bench {

struct DemoDb {
  std::unique_ptr<db::Database> db;
  std::filesystem::path dir;  // the temporary folder made for it ("" when a URL was given); the caller removes it
};

// Opens `url` — a SQLite file in a new temporary folder "xq-<name>-…" when
// empty — as the server opens it (the SQLite log checkpointed by a
// background thread, not inside a committing transaction), migrates it,
// generates the demo city of `scale` (seed 1) and checkpoints; prints the
// demo's size and how long it took to stderr, the scale named `scale_name`.
// sqlite_cache_kib: each pooled connection's page cache (0: the server's).
absl::StatusOr<DemoDb> OpenDemo(std::string_view url, demo::Scale scale, std::string_view scale_name,
                                std::string_view name, int sqlite_cache_kib = 0);

// Hands the runner's due acknowledgement and action jobs to the escalation
// handlers (warning::HandleDueIn, HandleDueBatchIn), at the clock's time.
void HandleEscalations(jobs::JobRunner& runner, audit::AuditLog& audit, const Clock& clock);

}  // namespace xq::bench
