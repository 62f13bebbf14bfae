// `xinqiao import roster FILE --db URL [--school-id ID]`: imports a roster
// CSV (UTF-8 or GB18030) all or nothing. Errors print as FILE:LINE:COLUMN:
// reason (exit 1); success prints the created/updated counts.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/ids.h"
#include "db/database.h"
#include "fmt/format.h"
#include "org/org_service.h"
#include "org/org_store.h"

namespace xq::cli {

void AddImportCommands(CLI::App& app) {
  auto* import_cmd = app.add_subcommand("import", "Import data files");
  import_cmd->require_subcommand(1);
  auto* roster = import_cmd->add_subcommand("roster", "Import a student roster CSV into a school");
  struct Args {
    std::string file;
    std::string url = "sqlite:data/xinqiao.db";
    std::string school;
  };
  auto args = std::make_shared<Args>();
  roster->add_option("FILE", args->file, "CSV file (UTF-8 or GB18030)")->required();
  roster->add_option("--db", args->url, "sqlite:PATH or postgresql://...");
  roster->add_option("--school-id", args->school, "target school id (default: the 学校 column)");
  roster->callback([args] {
    std::ifstream in(args->file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "xinqiao import roster: cannot read %s\n", args->file.c_str());
      throw CLI::RuntimeError(2);
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string bytes = buf.str();
    std::optional<int64_t> school_id;
    if (!args->school.empty()) {
      school_id = IdFromString(args->school);
      if (!school_id) {
        std::fprintf(stderr, "xinqiao import roster: --school-id is not an id\n");
        throw CLI::RuntimeError(2);
      }
    }
    auto db = db::Database::Open(args->url, {.pool_size = 2});
    if (!db.ok()) {
      std::fprintf(stderr, "xinqiao import roster: %s\n", std::string(db.status().message()).c_str());
      throw CLI::RuntimeError(2);
    }
    if (auto st = db::Migrate(**db); !st.ok()) {
      std::fprintf(stderr, "xinqiao import roster: %s\n", std::string(st.message()).c_str());
      throw CLI::RuntimeError(1);
    }
    const Clock& clock = SystemClock::Instance();
    auto store = org::NewSociOrgStore(**db, clock);
    audit::AuditLog audit(**db, clock);
    org::OrgService svc(*store, audit, clock);
    // Progress for large files only, on stderr.
    auto progress = [](size_t done, size_t total) {
      if (total >= 5000) std::fprintf(stderr, "import: %zu/%zu rows\n", done, total);
    };
    auto out = svc.ImportRosterAsOperator(school_id, bytes, progress);
    if (!out.ok()) {
      std::fprintf(stderr, "xinqiao import roster: %s\n", std::string(out.status().message()).c_str());
      throw CLI::RuntimeError(1);
    }
    if (!out->errors.empty()) {
      for (const auto& e : out->errors)
        std::fprintf(stderr, "%s:%d:%d: %s\n", args->file.c_str(), e.line, e.column, e.reason.c_str());
      std::fprintf(stderr, "%zu problem(s); nothing was imported\n", out->errors.size());
      throw CLI::RuntimeError(1);
    }
    std::printf("%s\n",
                fmt::format("imported {} rows into {} ({}): {} created, {} updated", out->total, out->school.name,
                            IdToString(out->school.id), out->counts.created, out->counts.updated)
                    .c_str());
  });
}

}  // namespace xq::cli
