// `xinqiao screening import --campaign ID FILE.csv [--db URL]`: paper
// screenings. Rows go through the same validation, scoring and warning path
// as online submissions (urgent warnings and follow-ups are raised), all or
// nothing: any bad row is reported as FILE:LINE:COLUMN: field: reason and
// nothing is written. Re-importing the same file writes nothing twice.
//
// CSV: a header with student_no, optional school_id (required when the
// campaign spans several schools), optional instrument_id (required when it
// has several scales), then one column per item id holding option codes.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "app/app.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/ids.h"
#include "counselling/hotlines.h"
#include "db/database.h"
#include "fmt/format.h"
#include "screening/screening_service.h"

namespace xq::cli {

namespace {

// The screening service over an opened database, as the commands use it
// (members in construction order).
struct ScreeningTool {
  explicit ScreeningTool(db::Database& db)
      : audit(db, SystemClock::Instance()),
        hotlines(db),
        store(screening::NewSociScreeningStore(db)),
        writer(db),
        service(db, *store, writer, audit, hotlines, SystemClock::Instance()) {}
  audit::AuditLog audit;
  counselling::HotlineService hotlines;
  std::unique_ptr<screening::ScreeningStore> store;
  screening::SubmissionWriter writer;
  screening::ScreeningService service;
};

}  // namespace

void AddScreeningCommands(CLI::App& app) {
  auto* screening = app.add_subcommand("screening", "Screening campaigns");
  screening->require_subcommand(1);
  auto* import_cmd = screening->add_subcommand("import", "Import paper screening answers (CSV) into a campaign");
  struct Args {
    std::string file;
    std::string url = "sqlite:data/xinqiao.db";
    std::string campaign;
  };
  auto args = std::make_shared<Args>();
  import_cmd->add_option("FILE", args->file, "CSV file (UTF-8)")->required();
  import_cmd->add_option("--campaign", args->campaign, "campaign id")->required();
  import_cmd->add_option("--db", args->url, "sqlite:PATH or postgresql://...");
  import_cmd->callback([args] {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "xinqiao screening import: %s\n", msg.c_str());
      throw CLI::RuntimeError(code);
    };
    auto campaign = IdFromString(args->campaign);
    if (!campaign) fail(2, "--campaign is not an id");
    std::ifstream in(args->file, std::ios::binary);
    if (!in) fail(2, "cannot read " + args->file);
    std::ostringstream buf;
    buf << in.rdbuf();
    auto db = db::Database::Open(args->url, {.pool_size = 2});
    if (!db.ok()) fail(2, std::string(db.status().message()));
    if (auto st = db::Migrate(**db); !st.ok()) fail(1, std::string(st.message()));
    ScreeningTool tool(**db);
    screening::ScreeningService& svc = tool.service;
    auto out = svc.ImportPaper(*campaign, buf.str());
    if (!out.ok()) fail(1, std::string(out.status().message()));
    if (!out->errors.empty()) {
      for (const auto& e : out->errors)
        std::fprintf(stderr, "%s:%d:%d: %s%s%s\n", args->file.c_str(), e.line, e.column, e.field.c_str(),
                     e.field.empty() ? "" : ": ", e.message.c_str());
      std::fprintf(stderr, "%zu problem(s); nothing was imported\n", out->errors.size());
      throw CLI::RuntimeError(1);
    }
    // The warnings of what was written, before the import reports it done
    // (a running server would raise them too, within its poll interval).
    tool.writer.Stop();
    if (auto st = app::DeliverEvents(**db); !st.ok()) fail(1, std::string(st.message()));
    std::printf("%s\n", fmt::format("imported {} rows: {} written, {} already present, {} urgent warnings", out->rows,
                                    out->written, out->repeats, out->warnings)
                            .c_str());
  }  // namespace xq::cli
  );

  // A school enables a scale that does not ship active (the C-SSRS
  // screener) under its own licence; audited like the API's PUT.
  auto* enable = screening->add_subcommand(
      "enable-instrument", "Enable a licensed scale (e.g. cssrs-screen) for a school under its own licence");
  struct EnableArgs {
    std::string url = "sqlite:data/xinqiao.db";
    std::string school, instrument, licence;
  };
  auto eargs = std::make_shared<EnableArgs>();
  enable->add_option("--school", eargs->school, "school unit id")->required();
  enable->add_option("--instrument", eargs->instrument, "instrument id, e.g. cssrs-screen")->required();
  enable->add_option("--licence", eargs->licence, "the school's licence: agreement, holder, term")->required();
  enable->add_option("--db", eargs->url, "sqlite:PATH or postgresql://...");
  enable->callback([eargs] {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "xinqiao screening enable-instrument: %s\n", msg.c_str());
      throw CLI::RuntimeError(code);
    };
    auto school = IdFromString(eargs->school);
    if (!school) fail(2, "--school is not an id");
    auto db = db::Database::Open(eargs->url, {.pool_size = 2});
    if (!db.ok()) fail(2, std::string(db.status().message()));
    if (auto st = db::Migrate(**db); !st.ok()) fail(1, std::string(st.message()));
    ScreeningTool tool(**db);
    screening::ScreeningService& svc = tool.service;
    auto l = svc.EnableInstrumentCli(*school, eargs->instrument, eargs->licence);
    if (!l.ok()) fail(1, std::string(l.status().message()));
    std::printf("%s enabled for school %s under licence: %s\n", l->instrument_id.c_str(), eargs->school.c_str(),
                l->licence_ref.c_str());
  });
}

}  // namespace xq::cli
