// The server over real sockets: a Server on an ephemeral port with a
// small router and a fake session resolver, driven by a blocking Beast
// client. Covers routing, the middleware chain's answers, limits,
// timeouts, static files and graceful shutdown.
#include "http/server.h"
#include "http/wire.h"

#include <utility>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/status.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace xq::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
namespace fs = std::filesystem;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = true;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// Reads straight from the descriptor, so that the socket's receive timeout
// holds (Asio's own blocking reads wait on without one): a server that does
// not answer fails the test instead of hanging it.
struct TimedReader {
  tcp::socket& sock;
  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    asio::mutable_buffer b = *asio::buffer_sequence_begin(buffers);
    const ssize_t n = ::recv(sock.native_handle(), b.data(), b.size(), 0);
    if (n > 0) {
      ec = {};
      return static_cast<size_t>(n);
    }
    ec = n == 0 ? boost::system::error_code(asio::error::eof)
                : boost::system::error_code(errno, boost::system::system_category());
    return 0;
  }
  template <typename Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
};

// A blocking HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : sock_(ioc_) {
    sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    // Never let a test hang on a server that does not answer.
    timeval tv{5, 0};
    setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void WriteRaw(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(sock_, asio::buffer(bytes.data(), bytes.size()), ec);
  }

  std::optional<Reply> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(head);
    boost::system::error_code ec;
    TimedReader reader{sock_};
    bhttp::read(reader, buffer_, parser, ec);
    if (ec) return std::nullopt;
    Reply r;
    auto& msg = parser.get();
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
      std::string name(f.name_string().data(), f.name_string().size());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value().data(), f.value().size());
    }
    r.body = msg.body();
    r.keep_alive = msg.keep_alive();
    return r;
  }

  Reply Send(const std::string& method, const std::string& target, const std::string& body = {},
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    bool has_type = false;
    for (auto& [k, v] : headers) {
      req.set(k, v);
      if (k == "Content-Type") has_type = true;
    }
    if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(sock_, req, ec);
    auto r = Read(method == "HEAD");
    return r ? *r : Reply{};
  }

  // True when the server closed the connection (EOF or reset) in time.
  bool ClosedByPeer() {
    char c;
    boost::system::error_code ec;
    TimedReader{sock_}.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  tcp::socket sock_;
  boost::beast::flat_buffer buffer_;
};

class FakeSessions : public SessionResolver {
 public:
  std::optional<Principal> Resolve(std::string_view token) override {
    ++calls;
    if (token != "tok" && token != "temp") return std::nullopt;
    Principal p;
    p.account_id = 42;
    p.username = "head_teacher";
    p.csrf_token = "c1";
    p.must_change_password = token == "temp";  // signed in with a temporary password
    return p;
  }
  std::atomic<int> calls{0};
};

RouteOptions Public(size_t max_body = 0, std::vector<std::string> types = {}) {
  RouteOptions o;
  o.auth = Auth::kNone;
  o.max_body = max_body;
  o.content_types = std::move(types);
  return o;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.Add(
        "GET", "/api/v1/items/{id}",
        [](Request& req) {
          return Response::Json({{"route", "param"}, {"id", req.params["id"]}, {"q", req.Query("q").value_or("")}});
        },
        Public());
    router_.Add(
        "GET", "/api/v1/items/special",
        [](Request&) {
          return Response::Json({{"route", "literal"}});
        },
        Public());
    router_.Add("POST", "/api/v1/items", [](Request& req) {
      return Response::Json({{"echo", req.body}, {"by", req.principal->account_id}}, 201);
    });
    router_.Add("GET", "/api/v1/me", [](Request& req) {
      return Response::Json({{"account_id", req.principal->account_id}});
    });
    router_.Add(
        "POST", "/api/v1/password", [](Request&) { return Response::NoContent(); },
        RouteOptions{.during_password_change = true});
    router_.Add(
        "POST", "/api/v1/small", [](Request&) { return Response::NoContent(); }, Public(16));
    router_.Add(
        "POST", "/api/v1/csv",
        [](Request& req) {
          return Response::Json({{"bytes", req.body.size()}});
        },
        Public(0, {"text/csv"}));
    router_.Add(
        "GET", "/api/v1/boom", [](Request&) -> Response { throw std::runtime_error("database password is hunter2"); },
        Public());
    router_.Add(
        "GET", "/api/v1/slow",
        [](Request&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(400));
          return Response::Json({{"slow", true}});
        },
        Public());
    router_.Add(
        "POST", "/api/v1/login",
        [](Request&) {
          Response r = Response::NoContent();
          r.headers.emplace_back("Set-Cookie", "xq_session=tok; HttpOnly; SameSite=Strict; Path=/");
          r.headers.emplace_back("X-Bad", "a\r\nX-Injected: 1");
          return r;
        },
        Public());
    router_.Add(
        "GET", "/api/v1/weird",
        [](Request&) {
          Response r;
          r.status = 42;
          return r;
        },
        Public());
    router_.Add(
        "GET", "/api/v1/limited", [](Request&) { return Response::Error(WithRetryAfter(RateLimited("slow down"), 7)); },
        Public());
    // More than a socket takes at once.
    router_.Add(
        "GET", "/api/v1/big",
        [](Request&) {
          std::string body = "\"";
          for (int i = 0; body.size() < (8u << 20); ++i) body += std::to_string(i) + ' ';
          body += '"';
          return Response::JsonText(std::move(body));
        },
        Public());
    // Answered later from another thread, with no handler thread waiting.
    router_.Add(
        "GET", "/api/v1/later",
        [](Request& req) {
          auto later = std::make_shared<Deferred>();
          std::string n = req.query.count("n") ? req.query.at("n") : "";
          std::thread([later, n] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            later->Complete([n] { return Response::Json({{"n", n}}, 201); });
          }).detach();
          return Response::Later(later);
        },
        Public());
    // Completed before the handler returns.
    router_.Add(
        "GET", "/api/v1/later-now",
        [](Request&) {
          auto later = std::make_shared<Deferred>();
          later->Complete([] { return Response::Error(Conflict("already")); });
          return Response::Later(later);
        },
        Public());
    router_.Add(
        "GET", "/api/v1/later-throws",
        [](Request&) {
          auto later = std::make_shared<Deferred>();
          later->Complete([]() -> Response { throw std::runtime_error("boom"); });
          return Response::Later(later);
        },
        Public());
  }

  ~ServerTest() override { StopServer(); }

  void StartServer(ServerOptions o = {}, bool access_log = false) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.handle_signals = false;
    o.access_log = access_log;
    o.handler_threads = 4;
    server_ = std::make_unique<Server>(router_, &sessions_, o);
    absl::Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st;
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  Client Connect() { return Client(server_->port()); }

  Router router_;
  FakeSessions sessions_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

void ExpectSecurityHeaders(const Reply& r) {
  EXPECT_EQ(r.Header("content-security-policy"),
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(r.Header("x-frame-options"), "DENY");
}

TEST_F(ServerTest, RoutesWithParamsAndKeepAlive) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/items/%E5%BF%83?q=a+b");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json(), nlohmann::json::parse(R"({"route":"param","id":"心","q":"a b"})"));
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  ExpectSecurityHeaders(r);
  // Same connection, second request; the literal route wins.
  r = c.Send("GET", "/api/v1/items/special");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["route"], "literal");
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(ServerTest, NotFoundVersusMethodNotAllowed) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "not_found");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  ExpectSecurityHeaders(r);
  r = c.Send("DELETE", "/api/v1/items/3");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET");
  EXPECT_EQ(r.Json()["error"]["code"], "method_not_allowed");
  // Without a web root, other paths are 404 JSON too.
  r = c.Send("GET", "/index.html");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "not_found");
}

TEST_F(ServerTest, SessionRequiredAndCsrf) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json(),
            nlohmann::json::parse(R"({"error":{"code":"unauthenticated","message":"authentication required"}})"));
  r = c.Send("GET", "/api/v1/me", {}, {{"Cookie", "xq_session=expired"}});
  EXPECT_EQ(r.status, 401);
  r = c.Send("GET", "/api/v1/me", {}, {{"Cookie", "lang=zh-CN; xq_session=tok"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["account_id"], 42);

  r = c.Send("POST", "/api/v1/items", R"({"a":1})", {{"Cookie", "xq_session=tok"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.Json(),
      nlohmann::json::parse(
          R"({"error":{"code":"permission_denied","message":"CSRF token missing or wrong","field":"X-CSRF-Token"}})"));
  r = c.Send("POST", "/api/v1/items", R"({"a":1})", {{"Cookie", "xq_session=tok"}, {"X-CSRF-Token", "c2"}});
  EXPECT_EQ(r.status, 403);
  r = c.Send("POST", "/api/v1/items", R"({"a":1})", {{"Cookie", "xq_session=tok"}, {"X-CSRF-Token", "c1"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.Json()["echo"], R"({"a":1})");
  // No session at all: 401 comes before CSRF.
  r = c.Send("POST", "/api/v1/items", R"({"a":1})", {{"X-CSRF-Token", "c1"}});
  EXPECT_EQ(r.status, 401);

  // A header larger than the connection keeps for fields, among many:
  // every field is read whole (the session cookie comes last).
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 40; ++i) many.emplace_back(fmt::format("X-Pad-{}", i), std::string(40, 'a' + i % 26));
  many.emplace_back("X-CSRF-Token", "c1");
  many.emplace_back("Cookie", "big=" + std::string(3000, 'x') + "; xq_session=tok");
  r = c.Send("POST", "/api/v1/items", R"({"b":2})", many);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.Json()["by"], 42);
}

TEST_F(ServerTest, TemporaryPasswordAllowsOnlyMarkedRoutes) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/me", {}, {{"Cookie", "xq_session=temp"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Json(),
            nlohmann::json::parse(
                R"({"error":{"code":"password_change_required","message":"change the temporary password first"}})"));
  r = c.Send("POST", "/api/v1/items", R"({"a":1})", {{"Cookie", "xq_session=temp"}, {"X-CSRF-Token", "c1"}});
  EXPECT_EQ(r.status, 403);
  // CSRF is still checked first on the allowed route.
  r = c.Send("POST", "/api/v1/password", "", {{"Cookie", "xq_session=temp"}});
  EXPECT_EQ(r.Json()["error"]["code"], "permission_denied");
  r = c.Send("POST", "/api/v1/password", "", {{"Cookie", "xq_session=temp"}, {"X-CSRF-Token", "c1"}});
  EXPECT_EQ(r.status, 204);
  // Public routes answer as ever; a normal session is not affected.
  EXPECT_EQ(c.Send("GET", "/api/v1/items/special", {}, {{"Cookie", "xq_session=temp"}}).status, 200);
  EXPECT_EQ(c.Send("GET", "/api/v1/me", {}, {{"Cookie", "xq_session=tok"}}).status, 200);
}

TEST_F(ServerTest, BodyLimits) {
  ServerOptions o;
  o.max_body = 1024;
  StartServer(o);
  {
    Client c = Connect();
    Reply r = c.Send("POST", "/api/v1/small", std::string(17, 'x'), {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.Json()["error"]["code"], "payload_too_large");
    EXPECT_EQ(r.Header("cache-control"), "no-store");
    EXPECT_FALSE(r.keep_alive);
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {
    Client c = Connect();
    Reply r = c.Send("POST", "/api/v1/small", std::string(16, ' '));
    EXPECT_EQ(r.status, 204);
  }
  {
    // The server default applies to routes without their own limit.
    Client c = Connect();
    Reply r = c.Send("POST", "/api/v1/csv", std::string(2000, 'x'), {{"Content-Type", "text/csv"}});
    EXPECT_EQ(r.status, 413);
  }
  {
    // Chunked bodies are counted as they arrive.
    Client c = Connect();
    std::string chunk(600, 'x');
    c.WriteRaw(
        "POST /api/v1/csv HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
        "Transfer-Encoding: chunked\r\n\r\n258\r\n" +
        chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 413);
  }
  {
    // Within the limit, chunked works.
    Client c = Connect();
    c.WriteRaw(
        "POST /api/v1/csv HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
        "Transfer-Encoding: chunked\r\n\r\n3\r\na,b\r\n0\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Json()["bytes"], 3);
  }
}

TEST_F(ServerTest, OversizeHeaderRefused) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/items/1", {}, {{"X-Filler", std::string(20000, 'a')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.Json()["error"]["code"], "payload_too_large");
}

TEST_F(ServerTest, ContentTypeChecked) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("POST", "/api/v1/csv", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.Json()["error"]["code"], "unsupported_media_type");
  r = c.Send("POST", "/api/v1/items", "a,b",
             {{"Content-Type", "text/csv"}, {"Cookie", "xq_session=tok"}, {"X-CSRF-Token", "c1"}});
  EXPECT_EQ(r.status, 415);
  r = c.Send("POST", "/api/v1/csv", "a,b", {{"Content-Type", "text/csv; charset=utf-8"}});
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, ThrowingHandlerIsA500AndServerKeepsServing) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["error"]["code"], "internal");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  r = c.Send("GET", "/api/v1/items/5");
  EXPECT_EQ(r.status, 200);
  Client other = Connect();
  EXPECT_EQ(other.Send("GET", "/api/v1/items/6").status, 200);
}

TEST_F(ServerTest, RateLimitedHasRetryAfter) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/limited");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "7");
  EXPECT_EQ(r.Json()["error"]["code"], "rate_limited");
}

TEST_F(ServerTest, RequestIdEchoedOrGenerated) {
  StartServer();
  Client c = Connect();
  Reply r = c.Send("GET", "/api/v1/items/1", {}, {{"X-Request-Id", "abc-123-XYZ"}});
  EXPECT_EQ(r.Header("x-request-id"), "abc-123-XYZ");
  r = c.Send("GET", "/api/v1/items/1", {}, {{"X-Request-Id", "bad id; drop"}});
  std::string id = r.Header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  r = c.Send("GET", "/api/v1/items/1", {}, {{"X-Request-Id", std::string(65, 'a')}});
  EXPECT_EQ(r.Header("x-request-id").size(), 16u);
  r = c.Send("GET", "/api/v1/items/1");
  EXPECT_EQ(r.Header("x-request-id").size(), 16u);
  EXPECT_NE(r.Header("x-request-id"), id);
}

TEST_F(ServerTest, BadTargetsAreJson400) {
  StartServer();
  for (std::string target :
       {"http://example.com/api/v1/items/1", "/api/v1/items/%zz", "/api/v1/items/1?q=%", "/api/v1/items/%00"}) {
    SCOPED_TRACE(target);
    Client c = Connect();
    Reply r = c.Send("GET", target);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.Json()["error"]["code"], "invalid_argument");
    EXPECT_EQ(r.Json()["error"]["field"], "target");
    ExpectSecurityHeaders(r);
  }
  Client c = Connect();
  c.WriteRaw("NOT HTTP AT ALL\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, HeaderAndReadTimeoutsClose) {
  ServerOptions o;
  o.header_timeout_s = 1;
  o.read_timeout_s = 1;
  StartServer(o);
  auto t0 = std::chrono::steady_clock::now();
  Client silent = Connect();
  EXPECT_TRUE(silent.ClosedByPeer());
  Client slow_body = Connect();
  slow_body.WriteRaw(
      "POST /api/v1/csv HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
      "Content-Length: 10\r\n\r\nab");
  EXPECT_TRUE(slow_body.ClosedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}

// Most requests arrive whole and are parsed from what was read; these
// arrive in pieces, or two at once, and must be answered the same.
TEST_F(ServerTest, RequestsInPiecesAndBackToBackAreEachAnsweredOnce) {
  StartServer();
  Client c = Connect();
  c.WriteRaw("POST /api/v1/csv HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.WriteRaw("st: x\r\nContent-Type: text/csv\r\nContent-Length: 10\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.WriteRaw("\r\nabcd");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.WriteRaw("efghij");
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json()["bytes"], 10);
  EXPECT_TRUE(r->keep_alive);

  // Two requests in one write, the second with a body cut short that
  // comes later: answered in order on the same connection.
  c.WriteRaw(
      "GET /api/v1/items/7 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /api/v1/csv HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\nx");
  auto first = c.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Json()["id"], "7");
  c.WriteRaw("yz");
  auto second = c.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->Json()["bytes"], 3);
  EXPECT_EQ(c.Send("GET", "/api/v1/items/8").Json()["id"], "8");
}

// An answer the socket does not take at once is written in full once the
// client reads, and the connection goes on.
TEST_F(ServerTest, LargeAnswerToASlowReaderArrivesWhole) {
  StartServer();
  Client c = Connect();
  c.WriteRaw("GET /api/v1/big HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the socket fills
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  ASSERT_GE(r->body.size(), 8u << 20);
  EXPECT_EQ(r->body.substr(0, 9), "\"0 1 2 3 ");
  EXPECT_EQ(r->body.back(), '"');
  EXPECT_EQ(r->Json().is_string(), true);  // every byte, in order
  EXPECT_EQ(c.Send("GET", "/api/v1/items/9").Json()["id"], "9");
}

TEST_F(ServerTest, ConnectionCap) {
  ServerOptions o;
  o.max_connections = 2;
  StartServer(o);
  Client a = Connect();
  Client b = Connect();
  EXPECT_EQ(a.Send("GET", "/api/v1/items/1").status, 200);
  EXPECT_EQ(b.Send("GET", "/api/v1/items/1").status, 200);
  Client refused = Connect();
  EXPECT_TRUE(refused.ClosedByPeer());
  EXPECT_EQ(a.Send("GET", "/api/v1/items/2").status, 200);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequests) {
  StartServer();
  Client idle = Connect();
  EXPECT_EQ(idle.Send("GET", "/api/v1/items/1").status, 200);  // now an idle keep-alive
  Reply slow;
  std::thread client([&] {
    Client c(server_->port());
    slow = c.Send("GET", "/api/v1/slow");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  thread_.join();  // Run() returns
  client.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.Json()["slow"], true);
  EXPECT_FALSE(slow.keep_alive);
  EXPECT_TRUE(idle.ClosedByPeer());
  // No longer accepting.
  boost::system::error_code ec;
  asio::io_context ioc;
  tcp::socket s(ioc);
  uint16_t port = server_->port();
  server_.reset();
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
}

TEST_F(ServerTest, ManyConcurrentKeepAliveClients) {
  StartServer();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      Client c(server_->port());
      for (int i = 0; i < 50; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        Reply r = c.Send("GET", "/api/v1/items/" + id);
        if (r.status == 200 && r.Json()["id"] == id) ++ok;
      }
    });
  }
  for (auto& th : clients) th.join();
  EXPECT_EQ(ok.load(), 400);
}

TEST_F(ServerTest, ExpectContinue) {
  StartServer();
  Client c = Connect();
  c.WriteRaw(
      "POST /api/v1/csv HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
      "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  c.WriteRaw("a,b");
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json()["bytes"], 3);
}

TEST_F(ServerTest, CookiesAndHandlerHeaders) {
  ServerOptions o;
  o.secure_cookies = true;
  StartServer(o);
  Client c = Connect();
  Reply r = c.Send("POST", "/api/v1/login");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("set-cookie"), "xq_session=tok; HttpOnly; SameSite=Strict; Path=/; Secure");
  EXPECT_EQ(r.Header("x-bad"), "");  // a value with CR/LF is dropped, not sent
  EXPECT_EQ(r.Header("x-injected"), "");
  r = c.Send("GET", "/api/v1/weird");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["error"]["code"], "internal");
}

TEST_F(ServerTest, AccessLogIsOneJsonLinePerRequestWithoutQueryOrBody) {
  std::ostringstream lines;
  spdlog::drop("access");
  auto logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  logger->set_pattern("%v");
  spdlog::register_logger(logger);
  StartServer({}, /*access_log=*/true);
  {
    Client c = Connect();
    EXPECT_EQ(
        c.Send("GET", "/api/v1/me?q=%E5%BC%A0%E4%B8%89", {}, {{"Cookie", "xq_session=tok"}, {"X-Request-Id", "req-1"}})
            .status,
        200);
    EXPECT_EQ(c.Send("POST", "/api/v1/csv", "secret,body", {{"Content-Type", "text/csv"}}).status, 200);
  }
  StopServer();
  spdlog::drop("access");
  std::istringstream in(lines.str());
  std::vector<nlohmann::json> entries;
  for (std::string line; std::getline(in, line);) {
    entries.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  ASSERT_EQ(entries.size(), 2u) << lines.str();
  const nlohmann::json& e = entries[0];
  EXPECT_EQ(e["request_id"], "req-1");
  EXPECT_EQ(e["method"], "GET");
  EXPECT_EQ(e["path"], "/api/v1/me");
  EXPECT_EQ(e["status"], 200);
  EXPECT_EQ(e["account_id"], "42");
  EXPECT_TRUE(e.contains("ts") && e.contains("bytes") && e.contains("duration_ms"));
  for (const auto& x : entries) {
    // UTC to the millisecond; a duration in milliseconds; the id generated
    // when the client sent none is 16 hex digits.
    EXPECT_TRUE(
        std::regex_match(x["ts"].get<std::string>(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
        << x.dump();
    EXPECT_TRUE(x["duration_ms"].is_number() && x["duration_ms"].get<double>() >= 0) << x.dump();
    EXPECT_TRUE(x["bytes"].is_number_unsigned()) << x.dump();
  }
  EXPECT_TRUE(std::regex_match(entries[1]["request_id"].get<std::string>(), std::regex("[0-9a-f]{16}")))
      << entries[1].dump();
  EXPECT_FALSE(entries[1].contains("account_id"));
  EXPECT_EQ(lines.str().find("张"), std::string::npos);
  EXPECT_EQ(lines.str().find("%E5"), std::string::npos);
  EXPECT_EQ(lines.str().find("secret"), std::string::npos);
}

class StaticTest : public ServerTest {
 protected:
  StaticTest() {
    base_ = fs::temp_directory_path() / fmt::format("xq_http_static_{}", ::getpid());
    fs::remove_all(base_);
    fs::create_directories(base_ / "web" / "assets");
    Write(base_ / "secret.txt", "outside the web root");
    Write(base_ / "web" / "index.html", "<!doctype html><title>心桥</title>");
    Write(base_ / "web" / "favicon.ico", "ico");
    Write(base_ / "web" / "assets" / "app.3f2a.js", "console.log(1)");
    Write(base_ / "web" / "assets" / "app.3f2a.css", "body{}");
    Write(base_ / "web" / ".env", "hidden");
    // Precompressed copies as the web build writes them (contents stand in).
    Write(base_ / "web" / "assets" / "app.3f2a.js.br", "BR-bytes");
    Write(base_ / "web" / "assets" / "app.3f2a.js.gz", "GZ-bytes");
    Write(base_ / "web" / "index.html.gz", "GZ-index");
    Write(base_ / "web" / "assets" / "only.js.gz", "GZ-orphan");
    std::error_code ec;
    fs::create_symlink(base_ / "secret.txt", base_ / "web" / "leak.txt", ec);
    // A compressed copy that leads out of the root is never sent.
    fs::create_symlink(base_ / "secret.txt", base_ / "web" / "assets" / "app.3f2a.css.br", ec);
  }
  ~StaticTest() override {
    StopServer();
    fs::remove_all(base_);
  }
  static void Write(const fs::path& p, std::string_view text) { std::ofstream(p, std::ios::binary) << text; }
  void StartStatic() {
    ServerOptions o;
    o.web_root = (base_ / "web").string();
    StartServer(o);
  }
  fs::path base_;
};

TEST_F(StaticTest, ServesFilesWithTypesAndCaching) {
  StartStatic();
  Client c = Connect();
  Reply r = c.Send("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>心桥</title>");
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "no-cache");
  ExpectSecurityHeaders(r);
  r = c.Send("GET", "/assets/app.3f2a.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "public, max-age=31536000, immutable");
  r = c.Send("GET", "/assets/app.3f2a.css");
  EXPECT_EQ(r.Header("content-type"), "text/css; charset=utf-8");
  r = c.Send("GET", "/favicon.ico");
  EXPECT_EQ(r.Header("content-type"), "image/x-icon");
  r = c.Send("HEAD", "/favicon.ico");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "3");
  EXPECT_TRUE(r.body.empty());
  r = c.Send("POST", "/favicon.ico", "x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, HEAD");
  // /api stays JSON even with a web root.
  r = c.Send("GET", "/api/v1/unknown");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "not_found");
}

TEST_F(StaticTest, SendsPrecompressedCopiesPerAcceptEncoding) {
  StartStatic();
  Client c = Connect();
  struct Case {
    std::string accept;
    std::string body;
    std::string encoding;
  };
  const Case cases[] = {
      {"gzip, deflate, br", "BR-bytes", "br"},
      {"br", "BR-bytes", "br"},
      {"gzip", "GZ-bytes", "gzip"},
      {"GZIP", "GZ-bytes", "gzip"},
      {"br;q=0, gzip", "GZ-bytes", "gzip"},
      {"gzip;q=1.0, br;q=0.5", "GZ-bytes", "gzip"},
      {"br;q=0.8, gzip;q=0.8", "BR-bytes", "br"},
      {"*", "BR-bytes", "br"},
      {"*;q=0, gzip", "GZ-bytes", "gzip"},
      {"identity", "console.log(1)", ""},
      {"deflate", "console.log(1)", ""},
      {"br;q=0, gzip;q=0", "console.log(1)", ""},
      {"br;q=x", "console.log(1)", ""},
      {"", "console.log(1)", ""},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE("Accept-Encoding: " + k.accept);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!k.accept.empty()) headers.emplace_back("Accept-Encoding", k.accept);
    Reply r = c.Send("GET", "/assets/app.3f2a.js", {}, headers);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, k.body);
    EXPECT_EQ(r.Header("content-encoding"), k.encoding);
    // The type is the original file's, whatever the encoding.
    EXPECT_EQ(r.Header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(r.Header("vary"), "Accept-Encoding");
    EXPECT_EQ(r.Header("cache-control"), "public, max-age=31536000, immutable");
  }
  // HEAD announces the length of what GET would send.
  Reply r = c.Send("HEAD", "/assets/app.3f2a.js", {}, {{"Accept-Encoding", "br"}});
  EXPECT_EQ(r.Header("content-encoding"), "br");
  EXPECT_EQ(r.Header("content-length"), "8");
  EXPECT_TRUE(r.body.empty());
  // No copy beside the file: the file itself, uncompressed.
  r = c.Send("GET", "/favicon.ico", {}, {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(r.body, "ico");
  EXPECT_EQ(r.Header("content-encoding"), "");
  EXPECT_EQ(r.Header("vary"), "Accept-Encoding");
  // The copy is a symlink out of the root: ignored, the CSS itself is sent.
  r = c.Send("GET", "/assets/app.3f2a.css", {}, {{"Accept-Encoding", "br"}});
  EXPECT_EQ(r.body, "body{}");
  EXPECT_EQ(r.Header("content-encoding"), "");
  // index.html, directly and as the history fallback, stays no-cache.
  for (std::string target : {"/", "/index.html", "/screening/mine/12"}) {
    SCOPED_TRACE(target);
    r = c.Send("GET", target, {}, {{"Accept-Encoding", "gzip, br"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GZ-index");
    EXPECT_EQ(r.Header("content-encoding"), "gzip");
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.Header("cache-control"), "no-cache");
  }
  // A missing file with only a compressed copy is still missing.
  EXPECT_EQ(c.Send("GET", "/assets/only.js", {}, {{"Accept-Encoding", "br"}}).status, 404);
}

TEST_F(StaticTest, HistoryFallback) {
  StartStatic();
  Client c = Connect();
  Reply r = c.Send("GET", "/students/12/archive?tab=plan");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>心桥</title>");
  EXPECT_EQ(r.Header("cache-control"), "no-cache");
  // A missing file with an extension, or a missing asset, is a real 404.
  EXPECT_EQ(c.Send("GET", "/missing.js").status, 404);
  EXPECT_EQ(c.Send("GET", "/assets/gone").status, 404);
}

TEST_F(StaticTest, TraversalRefused) {
  StartStatic();
  for (std::string target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2E%2E/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"}) {
    SCOPED_TRACE(target);
    Client c = Connect();
    Reply r = c.Send("GET", target);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body.find("outside"), std::string::npos);
  }
  Client c = Connect();
  Reply r = c.Send("GET", "/leak.txt");  // symlink out of the root
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("outside"), std::string::npos);
  r = c.Send("GET", "/.env");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("hidden"), std::string::npos);
}

}  // namespace
}  // namespace xq::http

namespace xq::http {
namespace {

TEST_F(ServerTest, DeferredResponsesDoNotHoldHandlerThreads) {
  StartServer();  // 4 handler threads
  // Eight requests at once on eight connections, each answered 50 ms later
  // from another thread, each with its own answer.
  std::vector<std::thread> clients;
  std::vector<int> status(8, 0);
  std::vector<std::string> n(8);
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      Client c = Connect();
      Reply r = c.Send("GET", "/api/v1/later?n=" + std::to_string(i));
      status[i] = r.status;
      n[i] = r.Json()["n"].get<std::string>();
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(status[i], 201);
    EXPECT_EQ(n[i], std::to_string(i));
  }
  Client c = Connect();  // keep-alive across deferred and immediate answers
  EXPECT_EQ(c.Send("GET", "/api/v1/later-now").status, 409);
  EXPECT_EQ(c.Send("GET", "/api/v1/later?n=x").Json()["n"], "x");
  Reply bad = c.Send("GET", "/api/v1/later-throws");
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(bad.Json()["error"]["code"], "internal");
}

}  // namespace
}  // namespace xq::http

namespace xq::http {
namespace {

std::string Head(const Response& r, HeadOptions o) {
  std::string out;
  AppendResponseHead(out, r, o);
  return out;
}

TEST(ResponseHead, ExactBytesOfAnApiAnswer) {
  Response r = Response::JsonText("{\"a\":1}", 201);
  r.headers.emplace_back("Set-Cookie", "k=v; HttpOnly");
  EXPECT_EQ(Head(r, {.version = 11, .keep_alive = true, .is_api = true, .request_id = "abc"}),
            "HTTP/1.1 201 Created\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "Set-Cookie: k=v; HttpOnly\r\n"
            "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' "
            "'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Referrer-Policy: no-referrer\r\n"
            "X-Frame-Options: DENY\r\n"
            "Cache-Control: no-store\r\n"
            "X-Request-Id: abc\r\n"
            "Content-Length: 7\r\n"
            "\r\n");
}

TEST(ResponseHead, HandlersCannotSplitOrWeakenTheHead) {
  Response r = Response::JsonText("{}");
  r.headers = {{"X-Frame-Options", "ALLOWALL"},
               {"content-security-policy", "script-src *"},
               {"Cache-Control", "public"},
               {"Content-Length", "99"},
               {"Connection", "keep-alive"},
               {"X-Request-Id", "spoofed"},
               {"X-Evil", "a\r\nInjected: 1"},
               {"Bad\nName", "v"},
               {"Colon:Name", "v"},
               {"", "v"},
               {"Retry-After", "5"}};
  std::string h = Head(r, {.version = 11, .keep_alive = false, .is_api = true, .request_id = "id1"});
  EXPECT_EQ(h.find("ALLOWALL"), std::string::npos);
  EXPECT_EQ(h.find("script-src *"), std::string::npos);
  EXPECT_EQ(h.find("public"), std::string::npos);
  EXPECT_EQ(h.find("99"), std::string::npos);
  EXPECT_EQ(h.find("spoofed"), std::string::npos);
  EXPECT_EQ(h.find("Injected"), std::string::npos);
  EXPECT_EQ(h.find("Name"), std::string::npos);
  EXPECT_NE(h.find("\r\nRetry-After: 5\r\n"), std::string::npos);
  EXPECT_NE(h.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_NE(h.find("\r\nContent-Length: 2\r\n\r\n"), std::string::npos);
  EXPECT_NE(h.find("\r\nX-Frame-Options: DENY\r\n"), std::string::npos);
}

TEST(ResponseHead, VersionsLengthsAndCaching) {
  // HTTP/1.0 says keep-alive when kept; 1.1 says nothing then.
  std::string h10 = Head(Response::JsonText("{}"), {.version = 10, .keep_alive = true});
  EXPECT_EQ(h10.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(h10.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  std::string h11 = Head(Response::JsonText("{}"), {.version = 11, .keep_alive = true});
  EXPECT_EQ(h11.find("Connection:"), std::string::npos);
  // No length on 204 and 304.
  EXPECT_EQ(Head(Response::NoContent(), {}).find("Content-Length"), std::string::npos);
  Response not_modified;
  not_modified.status = 304;
  EXPECT_EQ(Head(not_modified, {}).find("Content-Length"), std::string::npos);
  // Outside /api a file's own Cache-Control stays; no-store is /api's.
  Response file;
  file.content_type = "text/css";
  file.body = "body{}";
  file.headers = {{"Cache-Control", "public, max-age=31536000, immutable"}};
  std::string hf = Head(file, {.is_api = false});
  EXPECT_NE(hf.find("\r\nCache-Control: public, max-age=31536000, immutable\r\n"), std::string::npos);
  EXPECT_EQ(hf.find("no-store"), std::string::npos);
  // Secure is added to cookies that lack it, once.
  Response login = Response::NoContent();
  login.headers = {{"Set-Cookie", "a=1"}, {"set-cookie", "b=2; Secure"}};
  std::string hc = Head(login, {.secure_cookies = true});
  EXPECT_NE(hc.find("\r\nSet-Cookie: a=1; Secure\r\n"), std::string::npos);
  EXPECT_NE(hc.find("\r\nset-cookie: b=2; Secure\r\n"), std::string::npos);
}

}  // namespace
}  // namespace xq::http
