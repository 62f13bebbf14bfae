// Composition root: opens the database, builds every store and service,
// and registers every module's routes on one Router. Used by `serve`,
// `routes` and the tests that need the whole API in-process.
// Not thread-safe to build; the built App is used from many threads.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "http/router.h"
#include "http/server.h"
#include "indicators/facts.h"

namespace xq::db {
class Database;
}

namespace xq::app {

struct AppOptions {
  std::string db_url = "sqlite:data/xinqiao.db";
  bool migrate = true;  // apply migrations at start
  bool secure_cookies = false;
  int pool_size = 8;
  // Key file of the D5 encryption keys (crypto/keyring.h), outside the
  // database. Empty: beside a SQLite file ("<file>.key"), else
  // data/xinqiao.key; created with one key when missing. An in-memory
  // database gets a key that lives as long as the process.
  std::string key_file;
};

// The key file a server with these options uses ("" for an in-memory database).
std::string KeyFileFor(const AppOptions& options);

// Delivers every pending event (tools that write and exit: paper import,
// demo seeding), with the subscriptions the server has.
absl::Status DeliverEvents(db::Database& db);

// The indicator fact sources of every module (the server's, the CLI's).
std::vector<indicators::FactSource> IndicatorFactSources();

class App {
 public:
  static absl::StatusOr<std::unique_ptr<App>> Create(const AppOptions& options);
  ~App();

  const http::Router& router() const;
  http::SessionResolver* sessions();
  // Finishes queued work (the submission writer commits and answers every
  // waiting submission); call after the server has stopped, while it still
  // exists, so that late answers go to its (stopped) I/O context.
  void Stop();

 private:
  App();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace xq::app
