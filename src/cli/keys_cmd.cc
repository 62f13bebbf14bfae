// `xinqiao keys init --key-file F`: a new key file (mode 0600; never over
// an existing one).
// `xinqiao keys rotate --db URL --key-file F`: adds a key, which becomes the
// current one, then re-seals every sealed value still under an older key,
// in batches of --batch-rows, one transaction each, by id; values already
// under the current key are skipped, so a rotation stopped half way
// continues when run again (`--continue` re-seals without adding another
// key). Running servers re-read the key file on their own and open values
// under old and new keys alike, so nothing stops. One audit entry per run,
// with the counts.
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "counselling/sealed_columns.h"
#include "crisis/sealed_columns.h"
#include "crypto/keyring.h"
#include "crypto/reseal.h"
#include "db/database.h"
#include "fmt/format.h"
#include "notify/notify_service.h"

namespace xq::cli {
namespace {

[[noreturn]] void Fail(const std::string& what, const absl::Status& st, int code = 1) {
  std::fprintf(stderr, "xinqiao keys %s: %s\n", what.c_str(), std::string(st.message()).c_str());
  throw CLI::RuntimeError(code);
}

// Every module's sealed columns (crypto/reseal.h).
void RegisterAllSealedColumns() {
  counselling::RegisterSealedColumns();
  crisis::RegisterSealedColumns();
  notify::RegisterSealedColumns();
}

}  // namespace

void AddKeysCommands(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "Keys of the sealed (D5) records");
  keys->require_subcommand(1);

  auto init_file = std::make_shared<std::string>();
  auto* init = keys->add_subcommand("init", "Create a key file (mode 0600) with one new key");
  init->add_option("--key-file", *init_file, "the key file to create")->required();
  init->callback([init_file] {
    if (auto st = crypto::KeyRing::Init(*init_file); !st.ok()) Fail("init", st);
    std::printf("created %s (key 1); back it up apart from the database\n", init_file->c_str());
  });

  struct RotateArgs {
    std::string db = "sqlite:data/xinqiao.db";
    std::string key_file;
    int batch_rows = 1000;
    int64_t max_batches = 0;
    bool resume = false;
  };
  auto args = std::make_shared<RotateArgs>();
  auto* rotate = keys->add_subcommand("rotate", "Add a key and re-seal every value under an older one");
  rotate->add_option("--db", args->db, "sqlite:PATH or postgresql://...")->capture_default_str();
  rotate->add_option("--key-file", args->key_file, "the key file")->required();
  rotate->add_option("--batch-rows", args->batch_rows, "values per transaction")->capture_default_str();
  rotate->add_option("--max-batches", args->max_batches, "stop after this many batches (0: all)");
  rotate->add_flag("--continue", args->resume, "re-seal only: finish a rotation that stopped, no new key");
  rotate->callback([args] {
    auto db = db::Database::Open(args->db, {.pool_size = 2});
    if (!db.ok()) Fail("rotate", db.status(), 2);
    // Check the file and the database before changing the file.
    if (auto ring = crypto::KeyRing::Load(args->key_file); !ring.ok()) Fail("rotate", ring.status(), 2);
    if (!args->resume) {
      auto id = crypto::KeyRing::AddKey(args->key_file);
      if (!id.ok()) Fail("rotate", id.status());
      std::printf("added key %u (now current)\n", *id);
    }
    auto ring = crypto::KeyRing::Load(args->key_file);
    if (!ring.ok()) Fail("rotate", ring.status());
    RegisterAllSealedColumns();
    crypto::ResealOptions o;
    o.batch_rows = args->batch_rows;
    o.max_batches = args->max_batches;
    o.progress = [](const std::string& line) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    };
    auto report = crypto::Reseal(**db, *ring, crypto::RegisteredSealedColumns(), o);
    audit::AuditLog log(**db, SystemClock::Instance());
    audit::Event e;
    e.action = "key_rotation";
    e.object_type = "key_ring";
    e.object_id = std::to_string(ring->current_id());
    e.outcome = report.ok() ? "ok" : "failed";
    e.detail = report.ok()
                   ? fmt::format("{{\"scanned\":{},\"resealed\":{},\"current\":{},\"complete\":{}}}", report->scanned,
                                 report->resealed, report->current, report->complete ? "true" : "false")
                   : std::string(report.status().message());
    if (auto st = log.Record(e); !st.ok()) Fail("rotate", st);
    if (!report.ok()) Fail("rotate", report.status());
    std::printf("key %u: %lld values read, %lld re-sealed, %lld already current%s\n", ring->current_id(),
                static_cast<long long>(report->scanned), static_cast<long long>(report->resealed),
                static_cast<long long>(report->current),
                report->complete ? "" : " (stopped early: run `xinqiao keys rotate --continue` to finish)");
  });
}

}  // namespace xq::cli
