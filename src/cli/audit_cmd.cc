// `xinqiao audit verify --db URL`: checks the hash chain of the audit log.
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::cli {

void AddAuditCommands(CLI::App& app) {
  auto* audit = app.add_subcommand("audit", "Audit log tools");
  audit->require_subcommand(1);
  auto db_url = std::make_shared<std::string>("sqlite:data/xinqiao.db");
  auto* verify = audit->add_subcommand("verify", "Verify the audit log's hash chain");
  verify->add_option("--db", *db_url, "sqlite:PATH or postgresql://...")->capture_default_str();
  verify->callback([db_url] {
    auto db = db::Database::Open(*db_url, {.pool_size = 1});
    if (!db.ok()) {
      std::fprintf(stderr, "xinqiao audit verify: %s\n", std::string(db.status().message()).c_str());
      throw CLI::RuntimeError(2);
    }
    audit::AuditLog log(**db, SystemClock::Instance());
    auto r = log.Verify();
    if (!r.ok()) {
      std::fprintf(stderr, "xinqiao audit verify: %s\n", std::string(r.status().message()).c_str());
      throw CLI::RuntimeError(2);
    }
    if (!r->ok) {
      std::printf("audit log BROKEN at entry %lld: %s\n", static_cast<long long>(r->first_bad_seq), r->problem.c_str());
      throw CLI::RuntimeError(1);
    }
    std::printf("audit log intact: %lld entries\n", static_cast<long long>(r->entries));
  });
}

}  // namespace xq::cli
