#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "db/database.h"

namespace xq::cli {

void AddDbCommands(CLI::App& app) {
  auto* cmd = app.add_subcommand("migrate", "Apply database migrations");
  auto url = std::make_shared<std::string>("sqlite:data/xinqiao.db");
  cmd->add_option("--db", *url, "sqlite:PATH or postgresql://...");
  cmd->callback([url] {
    auto db = db::Database::Open(*url);
    if (!db.ok()) {
      std::fprintf(stderr, "xinqiao migrate: %s\n", std::string(db.status().message()).c_str());
      throw CLI::RuntimeError(2);
    }
    if (auto st = db::Migrate(**db); !st.ok()) {
      std::fprintf(stderr, "xinqiao migrate: %s\n", std::string(st.message()).c_str());
      throw CLI::RuntimeError(1);
    }
    std::printf("schema at version %d\n", db::LatestSchemaVersion());
  });
}

}  // namespace xq::cli
