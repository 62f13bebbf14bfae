// `xinqiao indicators recompute [--school-year Y] [--db URL]`: rebuilds the
// facts and indicator values of a school year from scratch (the values the
// server keeps incrementally from events must come out the same).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "app/app.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "db/database.h"
#include "db/migrations.h"
#include "fmt/format.h"
#include "indicators/engine.h"
#include "indicators/indicator_store.h"

namespace xq::cli {

void AddIndicatorsCommands(CLI::App& app) {
  auto* cmd = app.add_subcommand("indicators", "Indicators of the plan's targets");
  cmd->require_subcommand(1);
  auto* recompute = cmd->add_subcommand("recompute", "Rebuild a school year's facts and indicator values");
  struct Args {
    std::string url = "sqlite:data/xinqiao.db";
    int year = 0;
  };
  auto args = std::make_shared<Args>();
  recompute->add_option("--db", args->url, "sqlite:PATH or postgresql://...");
  recompute->add_option("--school-year", args->year, "e.g. 2026 for 2026-27 (default: the current one)")
      ->check(CLI::Range(2000, 2100));
  recompute->callback([args] {
    auto fail = [](const std::string& msg) {
      std::fprintf(stderr, "xinqiao indicators recompute: %s\n", msg.c_str());
      throw CLI::RuntimeError(1);
    };
    auto db = db::Database::Open(args->url, {.pool_size = 2});
    if (!db.ok()) fail(std::string(db.status().message()));
    if (auto st = db::Migrate(**db); !st.ok()) fail(std::string(st.message()));
    const Clock& clock = SystemClock::Instance();
    auto store = indicators::NewSociIndicatorStore();
    indicators::Engine engine(*store, app::IndicatorFactSources(), clock);
    const int year = args->year ? args->year : indicators::SchoolYearOf(clock.NowMicros());
    const auto t0 = std::chrono::steady_clock::now();
    auto stats = engine.Recompute(**db, year);
    if (!stats.ok()) fail(std::string(stats.status().message()));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s\n", fmt::format("school year {}-{}: {} units, {} values in {:.1f} s", year, year + 1, stats->units,
                                    stats->values, secs)
                            .c_str());
  });
}

}  // namespace xq::cli
