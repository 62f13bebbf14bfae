#include <utility>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl.hpp>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "notify/channel.h"

namespace xq::notify {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

std::string Base64(std::string_view in) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], kTable[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return out;
}

using Deadline = std::chrono::steady_clock::time_point;

// One connection, plain or (after StartTls) over TLS. Every operation runs
// asynchronously on the connection's own io_context until the deadline of
// the whole exchange; past it the socket is closed and the operation
// fails, so a receiver that accepts and then says nothing cannot hold the
// sending job.
class Connection {
 public:
  Connection(Deadline deadline, TlsTrust trust) : deadline_(deadline), trust_(std::move(trust)) {}

  absl::Status Connect(const std::string& host, const std::string& port) {
    host_ = host;
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return absl::UnavailableError(fmt::format("cannot resolve {}: {}", host, ec.message()));
    return Run(fmt::format("connecting to {}:{}", host, port), [&](auto done) {
      asio::async_connect(sock_, endpoints,
                          [done](const boost::system::error_code& e, const tcp::endpoint&) { done(e); });
    });
  }

  // The TLS handshake on the open connection: the peer's certificate must
  // chain to a trusted authority and name the host.
  absl::Status StartTls() {
    ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx_->set_default_verify_paths(ec);
    if (!trust_.ca_file.empty()) {
      ctx_->load_verify_file(trust_.ca_file, ec);
      if (ec) return absl::UnavailableError(fmt::format("cannot read {}: {}", trust_.ca_file, ec.message()));
    }
    tls_ = std::make_unique<ssl::stream<tcp::socket&>>(sock_, *ctx_);
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(host_));
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), host_.c_str()))
      return absl::UnavailableError("tls: cannot name the host");
    return Run("tls handshake with " + host_, [&](auto done) {
      tls_->async_handshake(ssl::stream_base::client, [done](const boost::system::error_code& e) { done(e); });
    });
  }

  absl::Status Write(std::string_view data, std::string_view what) {
    return Run(what, [&](auto done) {
      auto h = [done](const boost::system::error_code& e, size_t) { done(e); };
      if (tls_)
        asio::async_write(*tls_, asio::buffer(data), h);
      else
        asio::async_write(sock_, asio::buffer(data), h);
    });
  }

  // Some bytes, appended to buf.
  absl::Status ReadSome(std::string& buf, std::string_view what) {
    char chunk[4096];
    size_t n = 0;
    XQ_RETURN_IF_ERROR(Run(what, [&](auto done) {
      auto h = [done, &n](const boost::system::error_code& e, size_t got) {
        n = got;
        done(e);
      };
      if (tls_)
        tls_->async_read_some(asio::buffer(chunk), h);
      else
        sock_.async_read_some(asio::buffer(chunk), h);
    }));
    buf.append(chunk, n);
    return absl::OkStatus();
  }

  // An HTTP request and its response.
  absl::Status Exchange(http::request<http::string_body>& req, http::response<http::string_body>& res) {
    boost::beast::flat_buffer buf;
    auto written = [](auto done) { return [done](const boost::system::error_code& e, size_t) { done(e); }; };
    XQ_RETURN_IF_ERROR(Run("webhook request", [&](auto done) {
      if (tls_)
        http::async_write(*tls_, req, written(done));
      else
        http::async_write(sock_, req, written(done));
    }));
    return Run("webhook answer", [&](auto done) {
      if (tls_)
        http::async_read(*tls_, buf, res, written(done));
      else
        http::async_read(sock_, buf, res, written(done));
    });
  }

  void Close() {
    boost::system::error_code ec;
    if (tls_) {
      // A TLS goodbye, briefly: the message is already delivered.
      deadline_ = std::min(deadline_, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
      (void)Run("tls shutdown",
                [&](auto done) { tls_->async_shutdown([done](const boost::system::error_code& e) { done(e); }); });
    }
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

 private:
  // Starts one operation (start(done)) and runs it to completion or the
  // deadline; past the deadline the socket is closed and what is pending
  // finishes as aborted before this returns.
  template <typename Start>
  absl::Status Run(std::string_view what, Start start) {
    boost::system::error_code ec;
    bool finished = false;
    start([&ec, &finished](const boost::system::error_code& e) {
      ec = e;
      finished = true;
    });
    io_.restart();
    io_.run_until(deadline_);
    if (!finished) {
      boost::system::error_code ignored;
      sock_.close(ignored);
      io_.restart();
      io_.run();
      return absl::UnavailableError(fmt::format("{}: timed out", what));
    }
    if (ec) return absl::UnavailableError(fmt::format("{}: {}", what, ec.message()));
    return absl::OkStatus();
  }

  Deadline deadline_;
  TlsTrust trust_;
  std::string host_;
  asio::io_context io_;
  tcp::socket sock_{io_};
  std::unique_ptr<ssl::context> ctx_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;
};

class WebhookChannel final : public Channel {
 public:
  WebhookChannel(HttpUrl url, std::chrono::milliseconds timeout, TlsTrust trust)
      : url_(std::move(url)), timeout_(timeout), trust_(std::move(trust)) {}

  absl::Status Send(const OutboundMessage& m) override {
    Connection conn(std::chrono::steady_clock::now() + timeout_, trust_);
    XQ_RETURN_IF_ERROR(conn.Connect(url_.host, url_.port));
    if (url_.tls) XQ_RETURN_IF_ERROR(conn.StartTls());
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    const bool default_port = url_.port == (url_.tls ? "443" : "80");
    req.set(http::field::host, default_port ? url_.host : url_.host + ":" + url_.port);
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.set(http::field::user_agent, "xinqiao");
    req.body() = WebhookBody(m.text);
    req.prepare_payload();
    http::response<http::string_body> res;
    if (absl::Status st = conn.Exchange(req, res); !st.ok())
      return absl::UnavailableError("webhook: " + std::string(st.message()));
    conn.Close();
    if (res.result_int() < 200 || res.result_int() > 299)
      return absl::UnavailableError(fmt::format("webhook answered {}", res.result_int()));
    auto j = ParseJson(res.body());
    if (j.ok() && j->is_object() && j->contains("errcode") && (*j)["errcode"].is_number_integer() &&
        (*j)["errcode"].get<int64_t>() != 0)
      return absl::UnavailableError(fmt::format("webhook errcode {}", (*j)["errcode"].get<int64_t>()));
    return absl::OkStatus();
  }

 private:
  HttpUrl url_;
  std::chrono::milliseconds timeout_;
  TlsTrust trust_;
};

class SmtpChannel final : public Channel {
 public:
  SmtpChannel(SmtpConfig c, std::chrono::milliseconds timeout) : c_(std::move(c)), timeout_(timeout) {}

  absl::Status Send(const OutboundMessage& m) override {
    if (m.recipients.empty()) return InvalidArgument("no recipients", "recipients");
    Connection conn(std::chrono::steady_clock::now() + timeout_, c_.trust);
    XQ_RETURN_IF_ERROR(conn.Connect(c_.host, std::to_string(c_.port)));
    const bool implicit_tls = c_.port == 465;
    if (implicit_tls) XQ_RETURN_IF_ERROR(conn.StartTls());
    std::string buf;
    std::vector<std::string> lines;
    XQ_RETURN_IF_ERROR(Expect(conn, buf, 220, "greeting"));
    XQ_RETURN_IF_ERROR(Command(conn, buf, "EHLO " + c_.helo, 250, 0, &lines));
    if (!implicit_tls) {
      const bool offered = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return l.size() >= 12 && (l.compare(4, 8, "STARTTLS") == 0 || l.compare(4, 8, "starttls") == 0);
      });
      if (offered) {
        XQ_RETURN_IF_ERROR(Command(conn, buf, "STARTTLS", 220));
        buf.clear();
        XQ_RETURN_IF_ERROR(conn.StartTls());
        XQ_RETURN_IF_ERROR(Command(conn, buf, "EHLO " + c_.helo, 250));
      } else if (!c_.user.empty()) {
        return absl::UnavailableError("smtp: the server offers no STARTTLS; the password is not sent in the clear");
      }
    }
    if (!c_.user.empty()) {
      const std::string plain = std::string(1, '\0') + c_.user + std::string(1, '\0') + c_.password;
      XQ_RETURN_IF_ERROR(Command(conn, buf, "AUTH PLAIN " + Base64(plain), 235, 0, nullptr, "AUTH"));
    }
    XQ_RETURN_IF_ERROR(Command(conn, buf, "MAIL FROM:<" + c_.from + ">", 250));
    for (const auto& to : m.recipients) {
      XQ_RETURN_IF_ERROR(Command(conn, buf, "RCPT TO:<" + to + ">", 250, 251));
    }
    XQ_RETURN_IF_ERROR(Command(conn, buf, "DATA", 354));
    const std::string date = Rfc2822Now();
    XQ_RETURN_IF_ERROR(conn.Write(SmtpMessage(c_.from, m.recipients, m.subject, m.text, date) + ".\r\n", "smtp: DATA"));
    XQ_RETURN_IF_ERROR(Expect(conn, buf, 250, "message"));
    (void)Command(conn, buf, "QUIT", 221);
    conn.Close();
    return absl::OkStatus();
  }

 private:
  static std::string Rfc2822Now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[64];
    std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return out;
  }

  // Reads one (possibly multi-line) reply; its code must be `code` or
  // `alt`. Its lines go to *lines when given.
  absl::Status Expect(Connection& conn, std::string& buf, int code, std::string_view what, int alt = 0,
                      std::vector<std::string>* lines = nullptr) {
    if (lines) lines->clear();
    for (;;) {
      size_t eol;
      while ((eol = buf.find("\r\n")) == std::string::npos) {
        if (absl::Status st = conn.ReadSome(buf, what); !st.ok())
          return absl::UnavailableError(fmt::format("smtp: no reply to {}", std::string(st.message())));
        if (buf.size() > 64 * 1024) return absl::UnavailableError("smtp: reply too long");
      }
      std::string line = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      if (line.size() < 3) return absl::UnavailableError("smtp: malformed reply");
      if (lines) lines->push_back(line);
      const int got = std::atoi(line.substr(0, 3).c_str());
      if (line.size() > 3 && line[3] == '-') continue;  // more lines follow
      if (got != code && (alt == 0 || got != alt))
        return absl::UnavailableError(fmt::format("smtp: {} answered {}", what, line));
      return absl::OkStatus();
    }
  }

  // `shown` names the command in errors instead of its text (AUTH carries
  // the password).
  absl::Status Command(Connection& conn, std::string& buf, const std::string& cmd, int code, int alt = 0,
                       std::vector<std::string>* lines = nullptr, std::string_view shown = {}) {
    const std::string what = shown.empty() ? cmd.substr(0, cmd.find(' ')) : std::string(shown);
    if (absl::Status st = conn.Write(cmd + "\r\n", what); !st.ok())
      return absl::UnavailableError("smtp: " + std::string(st.message()));
    return Expect(conn, buf, code, what, alt, lines);
  }

  SmtpConfig c_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::string UrgentText(int64_t count, const std::string& link) {
  return fmt::format("您有 {} 条紧急待办，请登录心桥处理：{}", count, link);
}

std::string WebhookBody(const std::string& text) {
  Json j = {{"msgtype", "text"}, {"text", {{"content", text}}}};
  return j.dump();
}

absl::StatusOr<HttpUrl> ParseHttpUrl(const std::string& url) {
  const bool tls = url.starts_with("https://");
  if ((!tls && !url.starts_with("http://")) || url.size() > 2000)
    return InvalidArgument("the webhook URL starts with https:// or http://", "webhook_url");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return InvalidArgument("the webhook URL has no spaces or control characters", "webhook_url");
  std::string rest = url.substr(tls ? 8 : 7);
  const size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  HttpUrl out;
  out.tls = tls;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  out.port = colon == std::string::npos ? (tls ? "443" : "80") : hostport.substr(colon + 1);
  if (out.host.empty() || out.host.find('@') != std::string::npos || out.port.empty() || out.port.size() > 5 ||
      !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return InvalidArgument("the webhook URL names a host (and port)", "webhook_url");
  return out;
}

std::unique_ptr<Channel> NewWebhookChannel(HttpUrl url, std::chrono::milliseconds timeout, TlsTrust trust) {
  return std::make_unique<WebhookChannel>(std::move(url), timeout, std::move(trust));
}

std::unique_ptr<Channel> NewSmtpChannel(SmtpConfig config, std::chrono::milliseconds timeout) {
  return std::make_unique<SmtpChannel>(std::move(config), timeout);
}

std::string SmtpMessage(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                        const std::string& text, const std::string& date) {
  std::string rcpt;
  for (const auto& t : to) rcpt += (rcpt.empty() ? "" : ", ") + t;
  std::string out = "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: =?UTF-8?B?" + Base64(subject) +
                    "?=\r\nDate: " + date +
                    "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n";
  const std::string body = Base64(text);
  for (size_t i = 0; i < body.size(); i += 76) out += body.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace xq::notify
