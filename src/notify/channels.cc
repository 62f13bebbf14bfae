#include <utility>

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "notify/channel.h"

namespace xq::notify {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

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

// Connects within the timeout and makes later blocking reads and writes
// give up after it too.
absl::Status Connect(asio::io_context& io, tcp::socket& sock, const std::string& host, const std::string& port,
                     std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return absl::UnavailableError(fmt::format("cannot resolve {}: {}", host, ec.message()));
  bool done = false;
  asio::async_connect(sock, endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  io.run_for(timeout);
  if (!done) {
    sock.close(ec);
    return absl::UnavailableError(fmt::format("connecting to {}:{} timed out", host, port));
  }
  if (ec) return absl::UnavailableError(fmt::format("cannot connect to {}:{}: {}", host, port, ec.message()));
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return absl::OkStatus();
}

class WebhookChannel final : public Channel {
 public:
  WebhookChannel(HttpUrl url, std::chrono::milliseconds timeout) : url_(std::move(url)), timeout_(timeout) {}

  absl::Status Send(const OutboundMessage& m) override {
    asio::io_context io;
    tcp::socket sock(io);
    XQ_RETURN_IF_ERROR(Connect(io, sock, url_.host, url_.port, timeout_));
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.port == "80" ? url_.host : url_.host + ":" + url_.port);
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.set(http::field::user_agent, "xinqiao");
    req.body() = WebhookBody(m.text);
    req.prepare_payload();
    boost::system::error_code ec;
    http::write(sock, req, ec);
    if (ec) return absl::UnavailableError("webhook: " + ec.message());
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res, ec);
    if (ec) return absl::UnavailableError("webhook: no answer: " + ec.message());
    sock.shutdown(tcp::socket::shutdown_both, ec);
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
};

class SmtpChannel final : public Channel {
 public:
  SmtpChannel(SmtpConfig c, std::chrono::milliseconds timeout) : c_(std::move(c)), timeout_(timeout) {}

  absl::Status Send(const OutboundMessage& m) override {
    if (m.recipients.empty()) return InvalidArgument("no recipients", "recipients");
    asio::io_context io;
    tcp::socket sock(io);
    XQ_RETURN_IF_ERROR(Connect(io, sock, c_.host, std::to_string(c_.port), timeout_));
    std::string buf;
    XQ_RETURN_IF_ERROR(Expect(sock, buf, 220, "greeting"));
    XQ_RETURN_IF_ERROR(Command(sock, buf, "EHLO " + c_.helo, 250));
    XQ_RETURN_IF_ERROR(Command(sock, buf, "MAIL FROM:<" + c_.from + ">", 250));
    for (const auto& to : m.recipients) {
      XQ_RETURN_IF_ERROR(Command(sock, buf, "RCPT TO:<" + to + ">", 250, 251));
    }
    XQ_RETURN_IF_ERROR(Command(sock, buf, "DATA", 354));
    const std::string date = Rfc2822Now();
    XQ_RETURN_IF_ERROR(Write(sock, SmtpMessage(c_.from, m.recipients, m.subject, m.text, date) + ".\r\n"));
    XQ_RETURN_IF_ERROR(Expect(sock, buf, 250, "message"));
    (void)Command(sock, buf, "QUIT", 221);
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
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

  absl::Status Write(tcp::socket& sock, const std::string& data) {
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(data), ec);
    if (ec) return absl::UnavailableError("smtp: " + ec.message());
    return absl::OkStatus();
  }

  // Reads one (possibly multi-line) reply; its code must be `code` or `alt`.
  absl::Status Expect(tcp::socket& sock, std::string& buf, int code, std::string_view what, int alt = 0) {
    for (;;) {
      size_t eol;
      while ((eol = buf.find("\r\n")) == std::string::npos) {
        char chunk[1024];
        boost::system::error_code ec;
        size_t n = sock.read_some(asio::buffer(chunk), ec);
        if (ec) return absl::UnavailableError(fmt::format("smtp: no reply to {}: {}", what, ec.message()));
        buf.append(chunk, n);
        if (buf.size() > 64 * 1024) return absl::UnavailableError("smtp: reply too long");
      }
      std::string line = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      if (line.size() < 3) return absl::UnavailableError("smtp: malformed reply");
      const int got = std::atoi(line.substr(0, 3).c_str());
      if (line.size() > 3 && line[3] == '-') continue;  // more lines follow
      if (got != code && (alt == 0 || got != alt))
        return absl::UnavailableError(fmt::format("smtp: {} answered {}", what, line));
      return absl::OkStatus();
    }
  }

  absl::Status Command(tcp::socket& sock, std::string& buf, const std::string& cmd, int code, int alt = 0) {
    XQ_RETURN_IF_ERROR(Write(sock, cmd + "\r\n"));
    return Expect(sock, buf, code, cmd.substr(0, cmd.find(' ')), alt);
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
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || url.size() > 2000)
    return InvalidArgument("the webhook URL starts with http://", "webhook_url");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return InvalidArgument("the webhook URL has no spaces or control characters", "webhook_url");
  std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  out.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  if (out.host.empty() || out.host.find('@') != std::string::npos || out.port.empty() || out.port.size() > 5 ||
      !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return InvalidArgument("the webhook URL names a host (and port)", "webhook_url");
  return out;
}

std::unique_ptr<Channel> NewWebhookChannel(HttpUrl url, std::chrono::milliseconds timeout) {
  return std::make_unique<WebhookChannel>(std::move(url), timeout);
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
