#include "http/server.h"

// Asio's coroutine headers in Boost 1.74 need std::exchange & co first.
#include <utility>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <ctime>
#include <exception>
#include <limits>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "http/static_files.h"
#include "http/wire.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace xq::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Bytes of an unread request body read and discarded before closing, so
// that the client sees our error response rather than a reset.
constexpr size_t kMaxDrainBytes = 8 << 20;
constexpr auto kDrainTime = std::chrono::seconds(2);

std::string Str(beast::string_view s) { return std::string(s.data(), s.size()); }

bool IsApiPath(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "2026-11-29T05:21:15.123Z". The text up to the second is kept per thread
// and made again only when the second changes (once per second, not per
// request).
void AppendUtcNowMillis(std::string& out) {
  thread_local int64_t cached_sec = -1;
  thread_local char prefix[24];  // "YYYY-MM-DDTHH:MM:SS."
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const int64_t sec = ms / 1000;
  if (sec != cached_sec) {
    std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    fmt::format_to_n(prefix, sizeof prefix, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_sec = sec;
  }
  out.append(prefix, 20);
  const int milli = static_cast<int>(ms % 1000);
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
}

// A request id: 16 hex digits from a per-thread generator seeded from the
// system's random source (std::random_device). Ids only tell requests apart in logs; they guard
// nothing, so one system call per thread is enough (not one per request).
std::string NewRequestId() {
  thread_local uint64_t state = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4) id[static_cast<size_t>(i)] = kHex[z & 15];
  return id;
}

// Access log lines to stdout in blocks of up to 64 KiB: a write per line
// (the stdout sink flushes every line) cost a system call per request. The
// block is also written every second (spdlog::flush_every) and at shutdown.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~BufferedStdoutSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    buf_.append(line.data(), line.size());
    if (buf_.size() >= kBlock) flush_();
  }
  void flush_() override {
    if (buf_.empty()) return;
    std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    std::fflush(stdout);
    buf_.clear();
  }

 private:
  static constexpr size_t kBlock = 64 * 1024;
  std::string buf_;
};

std::shared_ptr<spdlog::logger> AccessLogger() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto l = spdlog::get("access")) return l;
  auto l = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedStdoutSink>());
  l->set_pattern("%v");
  spdlog::register_logger(l);
  spdlog::flush_every(std::chrono::seconds(1));
  return l;
}

// Runs `f` on `pool` and resumes the awaiting coroutine on its own
// executor with the result, so I/O threads never block on handlers.
template <typename F>
auto OnPool(asio::thread_pool& pool, F f) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(Response)>(
      [&pool](auto handler, F fn) {
        asio::post(pool, [handler = std::move(handler), fn = std::move(fn)]() mutable {
          Response r = fn();
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex,
                     [handler = std::move(handler), r = std::move(r)]() mutable { std::move(handler)(std::move(r)); });
        });
      },
      asio::use_awaitable, std::move(f));
}

// Waits for a deferred response; the response is made on the awaiting
// coroutine's executor.
auto AwaitLater(std::shared_ptr<Deferred> later) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(Response)>(
      [](auto handler, std::shared_ptr<Deferred> d) {
        auto ex = asio::get_associated_executor(handler);
        // std::function wants a copyable target; the handler is move-only.
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        d->OnComplete([h, ex](Deferred::Make make) mutable {
          asio::post(ex, [h, make = std::move(make)]() mutable {
            Response r;
            try {
              r = make();
            } catch (const std::exception& e) {
              spdlog::error("deferred response failed: {}", e.what());
              r = Response::Error(Internal("request failed"));
            }
            std::move (*h)(std::move(r));
          });
        });
      },
      asio::use_awaitable, std::move(later));
}

// Parses what `buffer` already holds until `done(parser)`: true when it
// holds then, false when more bytes must be read (ec clear) or the bytes
// are bad (ec set). A request that arrived whole, as most do, is parsed
// without an asynchronous read: Beast's read operations would complete
// through the event loop (a post each) and arm the stream's timers.
template <typename Parser, typename Done>
bool ParseBuffered(Parser& parser, beast::flat_buffer& buffer, error_code& ec, Done done) {
  while (!done(parser)) {
    if (buffer.size() == 0) return false;
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      return false;
    }
    if (ec || used == 0) return false;
  }
  return true;
}

// One accepted connection. `idle` is touched only on the connection's loop.
struct Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {
    // Answers are first written without waiting (Write): a full socket
    // buffer must say so instead of blocking the loop.
    error_code ignored;
    stream.socket().non_blocking(true, ignored);
  }
  beast::tcp_stream stream;
  bool idle = true;
  std::string remote;
  // Where a request's header fields are kept while it is handled: the
  // parser's allocations come from here (beyond it, from the heap), one
  // exchange at a time, instead of one heap block per field.
  alignas(std::max_align_t) std::array<std::byte, 2048> fields_arena;
};

using FieldsAllocator = std::pmr::polymorphic_allocator<char>;

// What the access log needs about one exchange.
struct LogEntry {
  std::string request_id;
  std::string method;
  std::string path;
  int status = 0;
  size_t bytes = 0;
  int64_t account_id = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

}  // namespace

struct Server::Impl {
  Impl(const Router& r, SessionResolver* s, ServerOptions o)
      : router(r),
        sessions(s),
        opts(std::move(o)),
        iocs(static_cast<size_t>(std::max(1, opts.io_threads))),
        pool(static_cast<size_t>(std::max(1, opts.handler_threads))) {
    if (opts.access_log) access = AccessLogger();
  }

  absl::Status Start();
  void Run();
  void Stop();

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Session(std::shared_ptr<Conn> c);
  // Reads, handles and answers one request; false when the connection
  // must close afterwards.
  asio::awaitable<bool> Exchange(Conn& c, beast::flat_buffer& buffer);
  asio::awaitable<void> Write(Conn& c, Response res, bool is_api, bool head, bool keep_alive, unsigned version,
                              LogEntry& log);
  asio::awaitable<void> Drain(Conn& c);
  Response Process(Request& req, const Route* route, bool is_api);
  void Log(const LogEntry& e);
  void Unregister(uint64_t id);

  const Router& router;
  SessionResolver* sessions;
  const ServerOptions opts;
  std::shared_ptr<spdlog::logger> access;

  // One event loop per I/O thread, each run by its thread alone: a
  // connection lives on one loop, so its handlers never run concurrently
  // and need no strand. The acceptor is on the first. Destroyed last:
  // pending handlers and sockets refer to them.
  struct Loop {
    asio::io_context ioc{1};
  };
  std::vector<Loop> iocs;
  size_t next_loop = 0;  // the acceptor's: connections are dealt round robin
  std::optional<tcp::acceptor> acceptor;
  uint16_t bound_port = 0;
  bool ran = false;

  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;                                // guarded by mu
  std::unordered_map<uint64_t, std::shared_ptr<Conn>> conns;  // guarded by mu
  uint64_t next_conn_id = 0;                                  // guarded by mu

  // Destroyed first (joins its threads).
  asio::thread_pool pool;
};

absl::Status Server::Impl::Start() {
  if (acceptor) return absl::FailedPreconditionError("server already started");
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(opts.host, ec);
  if (ec) {
    tcp::resolver resolver(iocs[0].ioc);
    auto results = resolver.resolve(opts.host, std::to_string(opts.port), ec);
    if (ec || results.empty()) {
      return InvalidArgument(fmt::format("cannot resolve listen host '{}'", opts.host), "host");
    }
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, opts.port);
  acceptor.emplace(iocs[0].ioc);
  auto fail = [&](std::string_view what) {
    std::string msg = fmt::format("cannot {} {}:{}: {}", what, opts.host, opts.port, ec.message());
    acceptor.reset();
    return absl::UnavailableError(msg);
  };
  acceptor->open(ep.protocol(), ec);
  if (ec) return fail("open");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor->bind(ep, ec);
  if (ec) return fail("bind");
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  bound_port = acceptor->local_endpoint(ec).port();
  asio::co_spawn(acceptor->get_executor(), AcceptLoop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("http accept loop failed: {}", ex.what());
    }
  });
  return absl::OkStatus();
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    error_code ec;
    tcp::socket sock = co_await acceptor->async_accept(iocs[next_loop++ % iocs.size()].ioc,
                                                       asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || !acceptor->is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off instead of spinning.
      spdlog::warn("http accept failed: {}", ec.message());
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    std::shared_ptr<Conn> conn;
    uint64_t id = 0;
    {
      std::lock_guard lock(mu);
      if (conns.size() < static_cast<size_t>(std::max(1, opts.max_connections))) {
        id = ++next_conn_id;
        conn = std::make_shared<Conn>(std::move(sock));
        conns.emplace(id, conn);
      }
    }
    if (!conn) {
      // Over the cap: refuse rather than queue; the client may retry.
      sock.close(ec);
      continue;
    }
    auto remote = conn->stream.socket().remote_endpoint(ec);
    if (!ec) conn->remote = remote.address().to_string();
    asio::co_spawn(conn->stream.get_executor(), Session(conn), [this, id](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("http connection failed: {}", ex.what());
        } catch (...) {
        }
      }
      Unregister(id);
    });
  }
}

void Server::Impl::Unregister(uint64_t id) {
  std::lock_guard lock(mu);
  conns.erase(id);
  cv.notify_all();
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Conn> c) {
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    c->idle = true;
    if (stopping) break;
    if (buffer.size() == 0) {
      // Waiting for the next request of a kept-alive connection costs
      // nothing but a descriptor; a new connection must speak soon.
      c->stream.expires_after(std::chrono::seconds(first ? opts.header_timeout_s : opts.idle_timeout_s));
      error_code ec;
      size_t n =
          co_await c->stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.commit(n);
    }
    c->idle = false;
    first = false;
    bool keep = false;
    try {
      keep = co_await Exchange(*c, buffer);
    } catch (const std::exception& e) {
      spdlog::error("http exchange failed: {}", e.what());
    }
    if (!keep) break;
  }
  error_code ignored;
  c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  c->stream.close();
}

asio::awaitable<bool> Server::Impl::Exchange(Conn& c, beast::flat_buffer& buffer) {
  LogEntry log;
  std::pmr::monotonic_buffer_resource arena(c.fields_arena.data(), c.fields_arena.size());
  bhttp::request_parser<bhttp::string_body, FieldsAllocator> parser(std::piecewise_construct, std::make_tuple(),
                                                                    std::make_tuple(FieldsAllocator(&arena)));
  parser.header_limit(static_cast<std::uint32_t>(opts.max_header_bytes));
  // The route decides the body limit once the header is known. (Beast
  // 1.74 treats an unset limit as zero for Content-Length, hence max().)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  error_code ec;
  auto header_done = [](const auto& p) { return p.is_header_done(); };
  if (!ParseBuffered(parser, buffer, ec, header_done) && !ec) {
    c.stream.expires_after(std::chrono::seconds(opts.header_timeout_s));
    co_await bhttp::async_read_header(c.stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  }
  log.request_id = NewRequestId();
  if (ec) {
    const bool parse_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                             ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (ec == bhttp::error::header_limit) {
      Response r =
          Response::Error(WithCode(absl::ResourceExhaustedError("request header too large"), "payload_too_large"));
      r.status = 431;
      co_await Write(c, std::move(r), false, false, false, 11, log);
      co_await Drain(c);
    } else if (parse_error) {
      co_await Write(c, Response::Error(InvalidArgument("malformed HTTP request")), false, false, false, 11, log);
      co_await Drain(c);
    }
    co_return false;
  }

  auto& h = parser.get();
  Request req;
  req.method = Str(h.method_string());
  req.remote_addr = c.remote;
  req.headers.reserve(static_cast<size_t>(std::distance(h.begin(), h.end())));
  for (const auto& f : h) {
    std::string name = Str(f.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    req.headers.emplace_back(std::move(name), Str(f.value()));
  }
  if (std::string_view id = req.Header("x-request-id"); ValidRequestId(id)) {
    log.request_id = std::string(id);
  }
  req.request_id = log.request_id;
  log.method = req.method;
  const unsigned version = h.version();
  const bool head = h.method() == bhttp::verb::head;
  bool keep_alive = parser.keep_alive();
  const bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);

  if (absl::Status st = ParseTarget(Str(h.target()), &req); !st.ok()) {
    log.path = "-";
    co_await Write(c, Response::Error(st), true, head, false, version, log);
    if (has_body) co_await Drain(c);
    co_return false;
  }
  log.path = req.path;
  const bool is_api = IsApiPath(req.path);
  const Route* route = nullptr;
  if (is_api) route = router.Match(req.method, req.path, &req.params, nullptr);
  const size_t limit = route && route->options.max_body > 0 ? route->options.max_body : opts.max_body;

  if (has_body) {
    if (parser.content_length() && *parser.content_length() > limit) {
      co_await Write(c, Response::Error(PayloadTooLarge(fmt::format("request body larger than {} bytes", limit))),
                     is_api, head, false, version, log);
      co_await Drain(c);
      co_return false;
    }
    parser.body_limit(limit);
    if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
      c.stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
      co_await bhttp::async_write(c.stream, cont, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
    }
  }
  if (!parser.is_done()) {
    auto done = [](const auto& p) { return p.is_done(); };
    if (!ParseBuffered(parser, buffer, ec, done) && !ec) {
      c.stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
      co_await bhttp::async_read(c.stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec == bhttp::error::body_limit) {
      co_await Write(c, Response::Error(PayloadTooLarge(fmt::format("request body larger than {} bytes", limit))),
                     is_api, head, false, version, log);
      co_await Drain(c);
      co_return false;
    }
    if (ec) co_return false;  // timeout, reset or malformed body: just close
  }
  req.body = std::move(parser.get().body());

  // Handlers may take their time: no socket operation, and so no timer,
  // is pending meanwhile (each one below sets its own expiry).
  Response res = co_await OnPool(pool, [this, &req, route, is_api] { return Process(req, route, is_api); });
  if (res.later) res = co_await AwaitLater(std::move(res.later));
  log.account_id = req.account_id;
  keep_alive = keep_alive && !stopping;
  co_await Write(c, std::move(res), is_api, head, keep_alive, version, log);
  co_return keep_alive;
}

Response Server::Impl::Process(Request& req, const Route* route, bool is_api) {
  try {
    if (is_api) return route ? RunRoute(*route, sessions, req) : NoRoute(router, req);
    if (opts.web_root.empty()) return Response::Error(NotFound("no such endpoint"));
    if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed("GET, HEAD");
    return ServeStatic(opts.web_root, req);
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", req.request_id, e.what());
  } catch (...) {
    spdlog::error("request {} failed", req.request_id);
  }
  return Response::Error(Internal("request failed"));
}

asio::awaitable<void> Server::Impl::Write(Conn& c, Response res, bool is_api, bool head, bool keep_alive,
                                          unsigned version, LogEntry& log) {
  if (res.status < 200 || res.status > 599) {
    spdlog::error("request {}: handler returned HTTP status {}", log.request_id, res.status);
    res = Response::Error(Internal("bad status"));
  }
  log.status = res.status;
  // 204 and 304 carry no body (and no length); HEAD sends the length only.
  const bool send_body = !head && res.status != 204 && res.status != 304;
  log.bytes = send_body ? res.body.size() : 0;
  std::string wire;
  wire.reserve(640);
  AppendResponseHead(wire, res,
                     HeadOptions{.version = version == 10 ? 10u : 11u,
                                 .keep_alive = keep_alive,
                                 .is_api = is_api,
                                 .secure_cookies = opts.secure_cookies,
                                 .request_id = log.request_id});
  // One gathered write: the head, then the body. Written at once when the
  // socket takes it all, as it does unless the client reads slowly; what
  // it does not take is written asynchronously, under the write timeout.
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(wire),
                                               asio::buffer(res.body.data(), send_body ? res.body.size() : 0)};
  error_code ec;
  size_t sent = c.stream.socket().write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (!ec && sent < asio::buffer_size(buffers)) {
    beast::buffers_suffix<decltype(buffers)> rest(buffers);
    rest.consume(sent);
    c.stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
    co_await asio::async_write(c.stream, rest, asio::redirect_error(asio::use_awaitable, ec));
  }
  Log(log);
}

asio::awaitable<void> Server::Impl::Drain(Conn& c) {
  error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  c.stream.expires_after(kDrainTime);
  char buf[8192];
  size_t total = 0;
  while (total < kMaxDrainBytes) {
    size_t n = co_await c.stream.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    total += n;
  }
}

void Server::Impl::Log(const LogEntry& e) {
  if (!access) return;
  // One JSON object per line, keys in a fixed order.
  std::string line;
  line.reserve(256);
  JsonObjectWriter o(line);
  o.Key("ts");
  line += '"';
  AppendUtcNowMillis(line);
  line += '"';
  o.Str("request_id", e.request_id).Str("method", e.method).Str("path", e.path);
  o.Raw("status", std::to_string(e.status)).Raw("bytes", std::to_string(e.bytes));
  // Milliseconds with three decimals, from whole microseconds.
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - e.start).count();
  char num[32];
  char* end = std::to_chars(num, num + sizeof num, us / 1000).ptr;
  *end++ = '.';
  *end++ = static_cast<char>('0' + us % 1000 / 100);
  *end++ = static_cast<char>('0' + us % 100 / 10);
  *end++ = static_cast<char>('0' + us % 10);
  o.Raw("duration_ms", std::string_view(num, static_cast<size_t>(end - num)));
  if (e.account_id != 0) o.Str("account_id", IdToString(e.account_id));
  o.End();
  access->info(line);
}

void Server::Impl::Run() {
  if (!acceptor) {
    spdlog::error("http server: Run() without a successful Start()");
    return;
  }
  if (ran) return;
  ran = true;
  // Handlers on the pool keep no I/O work alive.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& l : iocs) guards.push_back(asio::make_work_guard(l.ioc));
  std::optional<asio::signal_set> signals;
  if (opts.handle_signals) {
    signals.emplace(iocs[0].ioc, SIGINT, SIGTERM);
    signals->async_wait([this](const error_code& ec, int) {
      if (!ec) Stop();
    });
  }
  std::vector<std::thread> threads;
  for (auto& l : iocs) {
    threads.emplace_back([&ioc = l.ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http io thread: {}", e.what());
        }
      }
    });
  }
  spdlog::info("http server listening on {}:{}", opts.host, bound_port);

  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop_requested; });
  }
  // Graceful: no new connections, idle keep-alive connections closed,
  // busy ones answer their current request with Connection: close.
  stopping = true;
  asio::post(acceptor->get_executor(), [this] {
    error_code ec;
    acceptor->close(ec);
  });
  {
    std::unique_lock lock(mu);
    for (auto& [id, conn] : conns) {
      asio::post(conn->stream.get_executor(), [c = conn] {
        if (c->idle) c->stream.cancel();
      });
    }
    cv.wait_for(lock, std::chrono::seconds(std::max(0, opts.shutdown_timeout_s)), [&] { return conns.empty(); });
    if (!conns.empty()) {
      spdlog::warn("http server: {} connection(s) still open at shutdown", conns.size());
    }
  }
  guards.clear();
  for (auto& l : iocs) l.ioc.stop();
  for (auto& t : threads) t.join();
  // Handlers already running finish; queued ones are dropped.
  pool.stop();
  pool.join();
  if (access) access->flush();
  spdlog::info("http server stopped");
}

void Server::Impl::Stop() {
  std::lock_guard lock(mu);
  stop_requested = true;
  cv.notify_all();
}

Server::Server(const Router& router, SessionResolver* sessions, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, sessions, std::move(options))) {}

Server::~Server() {
  if (impl_) {
    impl_->pool.stop();
    impl_->pool.join();
    for (auto& l : impl_->iocs) l.ioc.stop();
  }
}

absl::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->bound_port; }
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace xq::http
