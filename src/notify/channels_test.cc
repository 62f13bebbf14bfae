// The two adapters against receivers this test starts on 127.0.0.1: the
// exact bytes they receive, and a failure answered first (the job retries).
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "notify/channel.h"
#include "policy/neutral_words.h"

namespace xq::notify {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts `conns` connections one after another; `serve` talks on each.
class Receiver {
 public:
  explicit Receiver(int conns, std::function<void(tcp::socket&, int)> serve)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, conns, serve] {
      for (int i = 0; i < conns; ++i) {
        tcp::socket s(io_);
        acceptor_.accept(s);
        serve(s, i);
        boost::system::error_code ec;
        s.shutdown(tcp::socket::shutdown_both, ec);
      }
    });
  }
  ~Receiver() { thread_.join(); }
  int port() const { return port_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
};

template <typename Stream>
std::string ReadHttpRequest(Stream& s) {
  std::string buf;
  char chunk[4096];
  size_t need = std::string::npos;
  for (;;) {
    boost::system::error_code ec;
    size_t n = s.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    buf.append(chunk, n);
    size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos && need == std::string::npos) {
      size_t cl = buf.find("Content-Length: ");
      need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16)));
    }
    if (need != std::string::npos && buf.size() >= need) break;
  }
  return buf;
}

template <typename Stream>
std::string LineOf(std::string& buf, Stream& s) {
  char chunk[4096];
  while (buf.find("\r\n") == std::string::npos) {
    boost::system::error_code ec;
    size_t n = s.read_some(asio::buffer(chunk), ec);
    if (ec) return "";
    buf.append(chunk, n);
  }
  size_t eol = buf.find("\r\n");
  std::string line = buf.substr(0, eol);
  buf.erase(0, eol + 2);
  return line;
}

template <typename Stream>
void Say(Stream& s, const std::string& text) {
  asio::write(s, asio::buffer(text));
}

TEST(UrgentText, SaysHowManyAndWhereOnly) {
  const std::string t = UrgentText(3, "http://xinqiao.local/inbox");
  EXPECT_EQ(t, "您有 3 条紧急待办，请登录心桥处理：http://xinqiao.local/inbox");
  EXPECT_TRUE(policy::DiagnosticWordsIn(t).empty());
  EXPECT_EQ(UrgentText(1, "").find("学生"), std::string::npos);
}

TEST(Webhook, PostsTheGroupRobotJsonAndFailsOnAnError) {
  std::vector<std::string> got;
  std::mutex mu;
  Receiver rx(3, [&](tcp::socket& s, int i) {
    std::string req = ReadHttpRequest(s);
    {
      std::lock_guard lk(mu);
      got.push_back(req);
    }
    if (i == 0) {
      Say(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    } else if (i == 1) {
      const std::string body = R"({"errcode":93000,"errmsg":"invalid webhook url"})";
      Say(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\nConnection: close\r\n\r\n" + body);
    } else {
      const std::string body = R"({"errcode":0,"errmsg":"ok"})";
      Say(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\nConnection: close\r\n\r\n" + body);
    }
  });
  auto url = ParseHttpUrl("http://127.0.0.1:" + std::to_string(rx.port()) + "/cgi-bin/webhook/send?key=abc");
  ASSERT_TRUE(url.ok());
  auto ch = NewWebhookChannel(*url, std::chrono::seconds(3));
  OutboundMessage m{.subject = "心桥紧急待办", .text = UrgentText(2, "http://xq.local/inbox")};
  EXPECT_EQ(ch->Send(m).code(), absl::StatusCode::kUnavailable) << "a 500 fails (the job retries)";
  EXPECT_EQ(ch->Send(m).code(), absl::StatusCode::kUnavailable) << "an errcode fails";
  EXPECT_TRUE(ch->Send(m).ok());
  std::lock_guard lk(mu);
  ASSERT_EQ(got.size(), 3u);
  const std::string body =
      "{\"msgtype\":\"text\",\"text\":{\"content\":\"您有 2 条紧急待办，请登录心桥处理：http://xq.local/inbox\"}}";
  for (const auto& req : got) {
    EXPECT_TRUE(req.starts_with("POST /cgi-bin/webhook/send?key=abc HTTP/1.1\r\n")) << req;
    EXPECT_NE(req.find("Content-Type: application/json; charset=utf-8\r\n"), std::string::npos);
    EXPECT_NE(req.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
    EXPECT_EQ(req.substr(req.find("\r\n\r\n") + 4), body);
  }
}

TEST(Webhook, UrlsAreCheckedAndAnAbsentReceiverFails) {
  EXPECT_FALSE(ParseHttpUrl("ftp://x/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://").ok());
  EXPECT_FALSE(ParseHttpUrl("http://a b/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user@host/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:99999999/").ok());
  auto u = ParseHttpUrl("http://robot.local");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/");
  // Nobody listens on the port of a closed acceptor.
  int port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto ch = NewWebhookChannel(*ParseHttpUrl("http://127.0.0.1:" + std::to_string(port) + "/"), std::chrono::seconds(1));
  EXPECT_EQ(ch->Send({.text = "x"}).code(), absl::StatusCode::kUnavailable);
}

TEST(Smtp, SpeaksThePlainDialogueAndRetriesAfterARefusal) {
  std::vector<std::vector<std::string>> sessions;
  std::mutex mu;
  Receiver rx(2, [&](tcp::socket& s, int i) {
    std::vector<std::string> seen;
    std::string buf;
    Say(s, "220 mail.local ESMTP\r\n");
    for (;;) {
      std::string line = LineOf(buf, s);
      if (line.empty() && buf.empty()) break;
      seen.push_back(line);
      if (line.starts_with("EHLO")) {
        Say(s, "250-mail.local\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n");
      } else if (line.starts_with("MAIL FROM")) {
        Say(s, i == 0 ? "451 4.3.0 try again later\r\n" : "250 ok\r\n");
      } else if (line.starts_with("RCPT TO")) {
        Say(s, "250 ok\r\n");
      } else if (line == "DATA") {
        Say(s, "354 go ahead\r\n");
        std::string data;
        for (;;) {
          std::string l = LineOf(buf, s);
          if (l == ".") break;
          data += l + "\r\n";
        }
        seen.push_back(data);
        Say(s, "250 queued\r\n");
      } else if (line == "QUIT") {
        Say(s, "221 bye\r\n");
        break;
      } else {
        Say(s, "500 what\r\n");
      }
      if (i == 0 && line.starts_with("MAIL FROM")) break;
    }
    std::lock_guard lk(mu);
    sessions.push_back(seen);
  });
  auto ch =
      NewSmtpChannel({.host = "127.0.0.1", .port = rx.port(), .from = "xinqiao@school.local"}, std::chrono::seconds(3));
  OutboundMessage m{.subject = "心桥紧急待办",
                    .text = UrgentText(1, "http://xq.local/inbox"),
                    .recipients = {"psych@school.local", "leader@school.local"}};
  EXPECT_EQ(ch->Send(m).code(), absl::StatusCode::kUnavailable) << "a 451 fails (the job retries)";
  ASSERT_TRUE(ch->Send(m).ok());
  // The client is done at "221 bye"; the receiver records the session just after.
  for (int wait = 0; wait < 500; ++wait) {
    {
      std::lock_guard lk(mu);
      if (sessions.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lk(mu);
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0], (std::vector<std::string>{"EHLO xinqiao", "MAIL FROM:<xinqiao@school.local>"}));
  const auto& s = sessions[1];
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0], "EHLO xinqiao");
  EXPECT_EQ(s[1], "MAIL FROM:<xinqiao@school.local>");
  EXPECT_EQ(s[2], "RCPT TO:<psych@school.local>");
  EXPECT_EQ(s[3], "RCPT TO:<leader@school.local>");
  EXPECT_EQ(s[4], "DATA");
  const std::string& data = s[5];
  const size_t date = data.find("Date: ");
  ASSERT_NE(date, std::string::npos);
  const std::string date_value = data.substr(date + 6, data.find("\r\n", date) - date - 6);
  EXPECT_EQ(data, SmtpMessage("xinqiao@school.local", m.recipients, m.subject, m.text, date_value));
  EXPECT_EQ(data,
            "From: xinqiao@school.local\r\nTo: psych@school.local, leader@school.local\r\n"
            "Subject: =?UTF-8?B?5b+D5qGl57Sn5oCl5b6F5Yqe?=\r\nDate: " +
                date_value +
                "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n"
                "5oKo5pyJIDEg5p2h57Sn5oCl5b6F5Yqe77yM6K+355m75b2V5b+D5qGl5aSE55CG77yaaHR0cDov\r\n"
                "L3hxLmxvY2FsL2luYm94\r\n");
  EXPECT_EQ(s[6], "QUIT");
}

// ---------------------------------------------------------------- TLS

namespace ssl = asio::ssl;

// A certificate for 127.0.0.1 that no system authority signed, made with
// the openssl tool for this test run.
struct TestCertificate {
  TestCertificate() {
    dir = std::filesystem::temp_directory_path() / ("xq-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    made = std::system(cmd.c_str()) == 0;
  }
  ~TestCertificate() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
  std::string cert, key;
  bool made = false;
};

const TestCertificate& Certificate() {
  static const TestCertificate c;
  return c;
}

ssl::context ServerContext() {
  ssl::context ctx(ssl::context::tls_server);
  ctx.use_certificate_chain_file(Certificate().cert);
  ctx.use_private_key_file(Certificate().key, ssl::context::pem);
  return ctx;
}

TEST(Webhook, PostsOverTlsToATrustedReceiverOnly) {
  ASSERT_TRUE(Certificate().made) << "the openssl tool made no certificate";
  std::string request;
  bool untrusted_reached_http = false;
  Receiver rx(2, [&](tcp::socket& s, int i) {
    ssl::context ctx = ServerContext();
    ssl::stream<tcp::socket&> tls(s, ctx);
    boost::system::error_code ec;
    tls.handshake(ssl::stream_base::server, ec);
    if (ec) return;  // the client refused the certificate
    const std::string got = ReadHttpRequest(tls);
    if (i == 0) untrusted_reached_http = !got.empty();
    if (i == 1) request = got;
    Say(tls,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
        "{\"errcode\":0,\"errmsg\":\"ok\"}");
    tls.shutdown(ec);
  });
  auto url = ParseHttpUrl("https://127.0.0.1:" + std::to_string(rx.port()) + "/cgi-bin/webhook/send?key=abc");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  OutboundMessage m{.text = UrgentText(1, "https://xq.local/notices")};
  // The system's authorities do not know the receiver's certificate.
  auto untrusted = NewWebhookChannel(*url, std::chrono::seconds(3));
  EXPECT_EQ(untrusted->Send(m).code(), absl::StatusCode::kUnavailable);
  auto trusted = NewWebhookChannel(*url, std::chrono::seconds(3), {.ca_file = Certificate().cert});
  ASSERT_TRUE(trusted->Send(m).ok());
  EXPECT_FALSE(untrusted_reached_http) << "nothing is sent before the certificate is checked";
  EXPECT_NE(request.find("POST /cgi-bin/webhook/send?key=abc HTTP/1.1\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\"msgtype\":\"text\""), std::string::npos);
  EXPECT_EQ(ParseHttpUrl("https://robot.local/x")->port, "443");
}

TEST(Webhook, AReceiverThatNeverAnswersFailsWithinTheTimeout) {
  std::promise<void> release;
  auto released = release.get_future().share();
  Receiver rx(1, [&](tcp::socket&, int) { released.wait(); });
  auto ch = NewWebhookChannel(*ParseHttpUrl("http://127.0.0.1:" + std::to_string(rx.port()) + "/"),
                              std::chrono::milliseconds(300));
  // Before, a receiver that accepted and kept silent held the sending job
  // for good: the send returns (unavailable) instead.
  EXPECT_EQ(ch->Send({.text = "x"}).code(), absl::StatusCode::kUnavailable);
  release.set_value();
}

// A server that offers STARTTLS: the client switches to TLS, says EHLO
// again and signs in only then; one that does not offer it never sees the
// password.
TEST(Smtp, SignsInOnlyAfterStartTls) {
  ASSERT_TRUE(Certificate().made) << "the openssl tool made no certificate";
  std::vector<std::string> plain_seen, tls_seen;
  Receiver rx(2, [&](tcp::socket& s, int i) {
    std::string buf;
    Say(s, "220 mail.local ESMTP\r\n");
    for (;;) {
      std::string line = LineOf(buf, s);
      if (line.empty()) return;
      plain_seen.push_back(line);
      if (line.starts_with("EHLO")) {
        Say(s,
            i == 0 ? "250-mail.local\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n" : "250-mail.local\r\n250 AUTH PLAIN\r\n");
      } else if (line == "STARTTLS") {
        Say(s, "220 ready\r\n");
        break;
      } else {
        Say(s, "530 5.7.0 must issue STARTTLS first\r\n");
      }
    }
    ssl::context ctx = ServerContext();
    ssl::stream<tcp::socket&> tls(s, ctx);
    boost::system::error_code ec;
    tls.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    buf.clear();
    for (;;) {
      std::string line = LineOf(buf, tls);
      if (line.empty() && buf.empty()) break;
      tls_seen.push_back(line);
      if (line.starts_with("EHLO")) {
        Say(tls, "250-mail.local\r\n250 AUTH PLAIN\r\n");
      } else if (line.starts_with("AUTH PLAIN ")) {
        // base64("\0xinqiao\0s3cret")
        Say(tls, line == "AUTH PLAIN AHhpbnFpYW8AczNjcmV0" ? "235 2.7.0 ok\r\n" : "535 5.7.8 no\r\n");
      } else if (line.starts_with("MAIL FROM") || line.starts_with("RCPT TO")) {
        Say(tls, "250 ok\r\n");
      } else if (line == "DATA") {
        Say(tls, "354 go ahead\r\n");
        while (LineOf(buf, tls) != ".") {
        }
        Say(tls, "250 queued\r\n");
      } else if (line == "QUIT") {
        Say(tls, "221 bye\r\n");
        break;
      }
    }
    tls.shutdown(ec);
  });
  SmtpConfig c{.host = "127.0.0.1",
               .port = rx.port(),
               .from = "xinqiao@school.local",
               .user = "xinqiao",
               .password = "s3cret",
               .trust = {.ca_file = Certificate().cert}};
  auto ch = NewSmtpChannel(c, std::chrono::seconds(3));
  OutboundMessage m{.subject = "心桥紧急待办", .text = "x", .recipients = {"psych@school.local"}};
  ASSERT_TRUE(ch->Send(m).ok());
  auto second = ch->Send(m);  // this server offers no STARTTLS
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.message().find("STARTTLS"), std::string::npos) << second;
  for (const auto& l : plain_seen) EXPECT_FALSE(l.starts_with("AUTH")) << "a password in the clear: " << l;
  ASSERT_GE(tls_seen.size(), 6u);
  EXPECT_TRUE(tls_seen[0].starts_with("EHLO"));
  EXPECT_EQ(tls_seen[1], "AUTH PLAIN AHhpbnFpYW8AczNjcmV0");
  EXPECT_EQ(tls_seen[2], "MAIL FROM:<xinqiao@school.local>");
}

}  // namespace
}  // namespace xq::notify
