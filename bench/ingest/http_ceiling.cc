// ingest_http_ceiling: the least an HTTP server can do for a submission —
// Boost.Beast on Asio coroutines, keep-alive, reading each POST whole and
// answering 201 with a fixed JSON body of the size xinqiao's answer has.
// No routing, sessions, parsing of the body, storage or logging: what is
// left is the cost of HTTP on this machine, the ceiling for bench/ingest.
//
//   ingest_http_ceiling --port 18081 [--threads 2]
#include <utility>  // before Asio's coroutine headers (GCC 12, Boost 1.74)

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

// As long as xinqiao's answer to a submission (feedback text and hotlines).
const std::string kBody = [] {
  std::string b =
      R"({"assignment_id":"1234567890123","submission_id":"bench-1234567890123","submitted_at":"2026-11-28T12:00:00Z",)"
      R"("feedback":["谢谢你认真完成这份问卷。如果想找人聊聊，可以随时联系学校心理老师或拨打下方热线。"],)"
      R"("hotlines":[{"name":"阳光心理热线","number":"4001060525","scope":"city","hours":"24小时"},)"
      R"({"name":"阳光家庭教育热线","number":"4000716515","scope":"city","hours":"工作日 9:00-17:00"}]})";
  return b;
}();

asio::awaitable<void> Session(tcp::socket sock) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  sock.set_option(tcp::no_delay(true));
  for (;;) {
    bhttp::request<bhttp::string_body> req;
    co_await bhttp::async_read(sock, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    bhttp::response<bhttp::string_body> res{bhttp::status::created, req.version()};
    res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    res.set(bhttp::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = kBody;
    res.prepare_payload();
    co_await bhttp::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto ex = sock.get_executor();
    asio::co_spawn(ex, Session(std::move(sock)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 18081, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--threads")
      threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: ingest_http_ceiling [--port P] [--threads N]\n");
      return 2;
    }
  }
  if (port <= 0 || port > 65535 || threads < 1) {
    std::fprintf(stderr, "ingest_http_ceiling: bad --port or --threads\n");
    return 2;
  }
  asio::io_context io(threads);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
  asio::co_spawn(io, Listen(acceptor), asio::detached);
  std::fprintf(stderr, "ingest_http_ceiling: listening on 127.0.0.1:%d with %d threads\n", port, threads);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}
