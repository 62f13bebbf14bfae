// `xinqiao demo --db URL --scale small|district|city --seed N` fills a new
// database with a deterministic synthetic city; `xinqiao demo accounts`
// lists the demo accounts (a table, or JSON with --json).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "indicators/engine.h"
#include "indicators/indicator_store.h"
#include "app/app.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "db/database.h"
#include "demo/demo.h"
#include "plans/demo_data.h"
#include "network/demo_data.h"
#include "records/demo_data.h"
#include "screening/demo_data.h"
#include "counselling/demo_data.h"
#include "crisis/demo_data.h"
#include "crypto/keyring.h"
#include "fmt/format.h"

namespace xq::cli {
namespace {

std::unique_ptr<db::Database> OpenOrExit(const std::string& url, const char* cmd) {
  auto db = db::Database::Open(url, {.pool_size = 1});
  if (!db.ok()) {
    std::fprintf(stderr, "xinqiao %s: %s\n", cmd, std::string(db.status().message()).c_str());
    throw CLI::RuntimeError(2);
  }
  if (auto st = db::Migrate(**db); !st.ok()) {
    std::fprintf(stderr, "xinqiao %s: %s\n", cmd, std::string(st.message()).c_str());
    throw CLI::RuntimeError(1);
  }
  return std::move(*db);
}

}  // namespace

void AddDemoCommands(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Fill a new database with a synthetic city and demo accounts");
  struct Args {
    std::string url = "sqlite:data/xinqiao.db";
    std::string scale = "small";
    uint64_t seed = 1;
    bool json = false;
    bool with_screening = false;
    bool with_network = false;
    bool with_records = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--db", args->url, "sqlite:PATH or postgresql://...");
  cmd->add_option("--scale", args->scale, "small | district | city")
      ->check(CLI::IsMember({"small", "district", "city"}));
  cmd->add_option("--seed", args->seed, "random seed (same seed, same city)");
  cmd->add_flag("--with-screening", args->with_screening,
                "also run a demo screening campaign (answers, warnings, follow-ups)");
  cmd->add_flag("--with-network", args->with_network,
                "also fill the warning network (observations, weekly reports, ledger, warnings at every step)");
  cmd->add_flag("--with-records", args->with_records,
                "also fill a school year of work records (工作台账) for every school and district "
                "(always on for --scale small)");

  auto* accounts = cmd->add_subcommand("accounts", "List the demo accounts (password included)");
  accounts->add_option("--db", args->url, "sqlite:PATH or postgresql://...");
  accounts->add_flag("--json", args->json, "print a JSON array");
  accounts->callback([args] {
    auto db = OpenOrExit(args->url, "demo accounts");
    auto list = demo::DemoAccounts(*db);
    if (!list.ok()) {
      std::fprintf(stderr, "xinqiao demo accounts: %s\n", std::string(list.status().message()).c_str());
      throw CLI::RuntimeError(1);
    }
    if (list->empty()) {
      std::fprintf(stderr, "xinqiao demo accounts: no demo accounts in this database (run `xinqiao demo` first)\n");
      throw CLI::RuntimeError(1);
    }
    if (args->json) {
      Json arr = Json::array();
      for (const auto& a : *list)
        arr.push_back({{"username", a.username},
                       {"password", a.password},
                       {"role", a.role},
                       {"role_label", a.role_label},
                       {"scope_unit_id", IdToString(a.scope_unit_id)},
                       {"scope_name", a.scope_name},
                       {"display_name", a.display_name}});
      std::printf("%s\n", arr.dump(2).c_str());
      return;
    }
    std::printf("%-18s %-16s %-24s %-28s %s\n", "username", "role", "role_label", "scope", "name");
    for (const auto& a : *list)
      std::printf("%s\n", fmt::format("{:<18} {:<16} {:<24} {:<28} {}", a.username, a.role, a.role_label, a.scope_name,
                                      a.display_name)
                              .c_str());
    std::printf("password for every demo account: %s\n", std::string(demo::kDemoPassword).c_str());
  });

  cmd->callback([args, accounts] {
    if (accounts->parsed()) return;
    auto db = OpenOrExit(args->url, "demo");
    demo::Options o;
    o.scale = *demo::ScaleFromName(args->scale);
    o.seed = args->seed;
    o.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    auto sum = demo::Generate(*db, o);
    if (!sum.ok()) {
      std::fprintf(stderr, "xinqiao demo: %s\n", std::string(sum.status().message()).c_str());
      throw CLI::RuntimeError(1);
    }
    std::printf("%s\n",
                fmt::format("demo city ({}, seed {}): {} districts, {} schools, {} org units, {} students, "
                            "{} guardians, {} staff, {} pairings, {} accounts (password {}; list them with "
                            "`xinqiao demo accounts --db {}`)",
                            args->scale, args->seed, sum->districts, sum->schools, sum->org_units, sum->students,
                            sum->guardians, sum->staff, sum->pairings, sum->accounts, demo::kDemoPassword, args->url)
                    .c_str());
    if (args->with_records || o.scale == demo::Scale::kSmall) {
      const auto started = std::chrono::steady_clock::now();
      auto rs = records::SeedDemoRecords(*db, SystemClock::Instance(), {.seed = args->seed});
      if (!rs.ok()) {
        std::fprintf(stderr, "xinqiao demo: records: %s\n", std::string(rs.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::printf("%s\n", fmt::format("demo work records {}–{}: {} records ({} values) for {} schools and {} "
                                      "districts/city in {:.1f} s",
                                      rs->school_year, rs->school_year + 1, rs->records, rs->values, rs->schools,
                                      rs->units, secs)
                              .c_str());
    }
    if (args->with_screening) {
      screening::DemoScreeningOptions so;
      so.seed = args->seed;
      auto ss = screening::SeedDemoScreening(*db, SystemClock::Instance(), so);
      if (!ss.ok()) {
        std::fprintf(stderr, "xinqiao demo: screening: %s\n", std::string(ss.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      auto sa = plans::SeedDemoArchive(*db, SystemClock::Instance());
      if (!sa.ok()) {
        std::fprintf(stderr, "xinqiao demo: archive: %s\n", std::string(sa.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      // The urgent warnings and follow-ups, raised here rather than by the
      // next server start.
      if (auto st = app::DeliverEvents(*db); !st.ok()) {
        std::fprintf(stderr, "xinqiao demo: screening: %s\n", std::string(st.message()).c_str());
        throw CLI::RuntimeError(1);
      }
      std::printf("%s\n", fmt::format("demo screening campaign {}: {} submissions, {} urgent warnings",
                                      IdToString(ss->campaign_id), ss->submissions, ss->warnings)
                              .c_str());
      // The psychology centre's week, crisis cases, referrals and a return
      // to school, sealed with the key file the server will open (`<db>.key`
      // beside a SQLite file; data/xinqiao.key for PostgreSQL, whose folder
      // may not exist yet).
      const std::string key_file = app::KeyFileFor({.db_url = args->url});
      if (auto dir = std::filesystem::path(key_file).parent_path(); !dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
      }
      auto keys = key_file.empty() ? absl::StatusOr<crypto::KeyRing>(crypto::KeyRing::Ephemeral())
                                   : crypto::KeyRing::LoadOrCreate(key_file);
      auto cs = keys.ok() ? counselling::SeedDemoCounselling(*db, *keys, SystemClock::Instance())
                          : absl::StatusOr<counselling::DemoCounsellingSummary>(keys.status());
      if (!cs.ok()) {
        std::fprintf(stderr, "xinqiao demo: counselling: %s\n", std::string(cs.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      std::printf("%s\n", fmt::format("demo counselling: {} slots, {} bookings, {} sealed session records", cs->slots,
                                      cs->bookings, cs->records)
                              .c_str());
      auto crisis_demo = crisis::SeedDemoCrisis(*db, *keys, SystemClock::Instance());
      if (!crisis_demo.ok()) {
        std::fprintf(stderr, "xinqiao demo: crisis: %s\n", std::string(crisis_demo.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      std::printf(
          "%s\n",
          fmt::format("demo crisis: {} cases, {} referrals", crisis_demo->cases, crisis_demo->referrals).c_str());
    }
    if (args->with_network) {
      auto ns = network::SeedDemoNetwork(*db, SystemClock::Instance());
      if (!ns.ok()) {
        std::fprintf(stderr, "xinqiao demo: network: %s\n", std::string(ns.status().message()).c_str());
        throw CLI::RuntimeError(1);
      }
      std::printf("%s\n", fmt::format("demo network: {} observations, {} weekly reports, {} ledger entries, "
                                      "{} warnings",
                                      ns->observations, ns->weekly_reports, ns->risk_factors, ns->warnings)
                              .c_str());
    }
    // The supervision dashboards' figures (this school year and the last).
    auto indicator_store = indicators::NewSociIndicatorStore();
    if (auto st =
            indicators::Engine(*indicator_store, app::IndicatorFactSources(), SystemClock::Instance()).SeedDemo(*db);
        !st.ok()) {
      std::fprintf(stderr, "xinqiao demo: indicators: %s\n", std::string(st.message()).c_str());
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace xq::cli
