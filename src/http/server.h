// The HTTP/1.1 server: Boost.Beast over Asio C++20 coroutines.
//
// I/O threads (io_threads) only parse and write; route handlers are
// synchronous (they may block on the database) and run on a separate pool
// of handler_threads. Per request: limits (header size, body size, header
// and read timeouts, connection cap), request id, the /api middleware
// chain (http/pipeline.h), security headers, one JSON access-log line
// (no bodies, no query strings). Non-/api GET/HEAD serve the built web UI
// from web_root.
//
// Usage:
//   xq::http::Server server(router, &sessions, options);
//   if (auto st = server.Start(); !st.ok()) ...;   // binds; port() is real
//   server.Run();                                 // blocks until Stop()/signal
// Stop() may be called from any thread (or a signal) at any time; Run()
// then stops accepting, lets in-flight requests finish (at most
// shutdown_timeout_s) and returns. The Router and SessionResolver must
// outlive the Server. A Server runs once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "http/pipeline.h"
#include "http/router.h"

namespace xq::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = ephemeral
  size_t max_body = 1 << 20;
  int header_timeout_s = 10;  // to receive a request's header
  int read_timeout_s = 30;    // to receive a body / send a response
  int idle_timeout_s = 60;    // keep-alive connection with no request
  int max_connections = 10000;
  int io_threads = 2;
  int handler_threads = 16;
  std::string web_root;  // built SPA dir, empty = none
  bool secure_cookies = false;
  // Added: bounded wait for in-flight requests on shutdown.
  int shutdown_timeout_s = 10;
  // Added: Run() stops on SIGINT/SIGTERM (off in tests).
  bool handle_signals = true;
  // Added: largest request header block, bytes.
  size_t max_header_bytes = 16 * 1024;
  // Added: the JSON access log (spdlog logger "access", stdout).
  bool access_log = true;
};

class Server {
 public:
  // `sessions` may be null: then no request is ever signed in.
  Server(const Router& router, SessionResolver* sessions, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; afterwards port() is the real port.
  absl::Status Start();
  uint16_t port() const;
  // Serves until Stop() or SIGINT/SIGTERM; graceful (see above).
  void Run();
  // Thread-safe, non-blocking, idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xq::http
