// `xinqiao serve` and `xinqiao routes`.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "app/app.h"
#include "cli/cli.h"
#include "db/database.h"
#include "http/server.h"
#include "spdlog/spdlog.h"

namespace xq::cli {
namespace {

struct ServeArgs {
  std::string db = "sqlite:data/xinqiao.db";
  std::string listen = "127.0.0.1:8080";
  std::string web = "web/dist";
  std::string key_file;
  bool secure_cookies = false;
  // 0: one per core on SQLite, four per core on PostgreSQL. Submissions do
  // not hold a handler while they wait for the commit (http::Deferred) and
  // SQLite reads take microseconds, so more threads only add context
  // switches (bench/ingest on 2 cores: 2 threads 11.5k submissions/s at
  // 110 us of server CPU each, 4 threads 11.0k at 135 us, 8 threads fewer
  // still); on PostgreSQL a read waits for the network.
  int handler_threads = 0;
  int io_threads = 2;
  size_t max_body = 1 << 20;
  int max_connections = 10000;
  bool access_log = true;
};

[[noreturn]] void Die(int code, const std::string& msg) {
  std::fprintf(stderr, "xinqiao: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve", "Serve the API and the web UI");
  serve->add_option("--db", args->db, "sqlite:PATH or postgresql://user@host:port/db")->capture_default_str();
  serve->add_option("--key-file", args->key_file,
                    "key file of the encryption keys of counselling and crisis records, outside the database "
                    "(default: beside a SQLite file, else data/xinqiao.key; created when missing)");
  serve->add_option("--listen", args->listen, "HOST:PORT (port 0 = any free port)")->capture_default_str();
  serve->add_option("--web", args->web, "directory of the built web UI (empty: API only)")->capture_default_str();
  serve->add_flag("--secure-cookies", args->secure_cookies, "mark cookies Secure (behind TLS)");
  serve
      ->add_option("--handler-threads", args->handler_threads,
                   "threads running request handlers (0: one per core on SQLite, four per core on PostgreSQL)")
      ->check(CLI::Range(0, 1024));
  serve->add_option("--io-threads", args->io_threads, "network I/O threads")->check(CLI::Range(1, 64));
  serve->add_option("--max-body", args->max_body, "largest request body in bytes")->check(CLI::Range(1024, 1 << 30));
  serve->add_option("--max-connections", args->max_connections, "most open connections")->check(CLI::Range(1, 1000000));
  serve->add_flag("!--no-access-log", args->access_log, "do not write the access log");
  serve->callback([args] {
    auto colon = args->listen.rfind(':');
    if (colon == std::string::npos) Die(2, "--listen must be HOST:PORT");
    int port = -1;
    try {
      port = std::stoi(args->listen.substr(colon + 1));
    } catch (...) {
    }
    if (port < 0 || port > 65535) Die(2, "--listen: bad port");
    if (args->handler_threads == 0) {
      const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
      args->handler_threads = db::DialectOf(args->db) == db::Dialect::kPostgres ? 4 * cores : std::max(2, cores);
    }
    auto app = app::App::Create({.db_url = args->db,
                                 .secure_cookies = args->secure_cookies,
                                 // Reads take microseconds: a few connections with large page
                                 // caches serve many handlers; plus the writer's, the
                                 // session-activity flusher's and the checkpointer's.
                                 .pool_size = std::min(args->handler_threads, 6) + 3,
                                 .key_file = args->key_file});
    if (!app.ok()) Die(1, std::string(app.status().message()));
    http::ServerOptions opt;
    opt.host = args->listen.substr(0, colon);
    opt.port = static_cast<uint16_t>(port);
    opt.web_root = args->web;
    opt.secure_cookies = args->secure_cookies;
    opt.handler_threads = args->handler_threads;
    opt.io_threads = args->io_threads;
    opt.max_body = args->max_body;
    opt.max_connections = args->max_connections;
    opt.access_log = args->access_log;
    http::Server server((*app)->router(), (*app)->sessions(), opt);
    if (auto st = server.Start(); !st.ok()) Die(1, std::string(st.message()));
    std::printf("listening on http://%s:%u\n", opt.host.c_str(), server.port());
    std::fflush(stdout);
    server.Run();
    (*app)->Stop();
    spdlog::info("server stopped");
  });

  auto* routes = app.add_subcommand("routes", "List every API route (METHOD PATH)");
  routes->callback([] {
    auto app = app::App::Create({.db_url = "sqlite::memory:", .pool_size = 1});
    if (!app.ok()) Die(1, std::string(app.status().message()));
    for (const auto& r : (*app)->router().routes()) std::printf("%s %s\n", r->method.c_str(), r->path_template.c_str());
  });
}

}  // namespace xq::cli
