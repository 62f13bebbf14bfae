#include "common/warning_demo.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/ids.h"
#include "fmt/format.h"
#include "warning/escalation.h"

namespace xq::bench {

absl::StatusOr<DemoDb> OpenDemo(std::string_view url, demo::Scale scale, std::string_view scale_name,
                                std::string_view name, int sqlite_cache_kib) {
  DemoDb out;
  std::string u(url);
  if (u.empty()) {
    out.dir = std::filesystem::temp_directory_path() / fmt::format("xq-{}-{}", name, RandomHex(6));
    std::filesystem::create_directories(out.dir);
    u = "sqlite:" + (out.dir / "bench.db").string();
  }
  db::OpenOptions options{.sqlite_background_checkpoint = true};
  if (sqlite_cache_kib > 0) options.sqlite_cache_kib = sqlite_cache_kib;
  auto db = db::Database::Open(u, options);
  if (!db.ok()) return db.status();
  out.db = std::move(*db);
  if (auto st = db::Migrate(*out.db); !st.ok()) return st;
  auto t = std::chrono::steady_clock::now();
  auto sum = demo::Generate(*out.db, {.scale = scale, .seed = 1});
  if (!sum.ok()) return sum.status();
  if (auto st = out.db->Checkpoint(); !st.ok()) return st;
  std::fprintf(stderr, "demo %.*s: %lld students, %lld schools in %.0f s\n", static_cast<int>(scale_name.size()),
               scale_name.data(), static_cast<long long>(sum->students), static_cast<long long>(sum->schools),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  return out;
}

void HandleEscalations(jobs::JobRunner& runner, audit::AuditLog& audit, const Clock& clock) {
  for (const char* kind : {warning::kAckDueJob, warning::kActionDueJob})
    runner.HandleBatch(
        kind,
        [a = &audit, c = &clock](soci::session& s, const jobs::Job& job) {
          return warning::HandleDueIn(s, job, *a, c->NowMicros());
        },
        [a = &audit, c = &clock](soci::session& s, const std::vector<jobs::Job>& due) {
          return warning::HandleDueBatchIn(s, due, *a, c->NowMicros());
        });
}

}  // namespace xq::bench
