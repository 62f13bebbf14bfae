// Outbound channels: one interface, two adapters (a group-robot webhook in
// the WeCom/DingTalk JSON format, and SMTP e-mail). Send blocks until the
// receiver answered (or the timeout passed); a failure is unavailable and
// the caller (a job) retries with back-off.
// Thread-safe: an adapter holds only its configuration.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "notify/model.h"

namespace xq::notify {

class Channel {
 public:
  virtual ~Channel() = default;
  virtual absl::Status Send(const OutboundMessage& m) = 0;
};

// "您有 N 条紧急待办，请登录心桥处理：<link>" (no name, no diagnostic word).
std::string UrgentText(int64_t count, const std::string& link);

// The JSON body a group robot takes: {"msgtype":"text","text":{"content":...}}.
std::string WebhookBody(const std::string& text);

struct HttpUrl {
  std::string host;
  std::string port;    // "80" for http://, "443" for https:// by default
  std::string target;  // "/path?query"
  bool tls = false;    // https://
};
// http:// and https:// URLs (group robots of WeCom and DingTalk take
// https:// only); invalid_argument (field "webhook_url") otherwise.
absl::StatusOr<HttpUrl> ParseHttpUrl(const std::string& url);

// Whom a TLS connection trusts: the system's certificate authorities
// (ca-certificates), and the certificates in ca_file too when it is set (a
// school's own authority for an internal mail server; the server takes it
// from XQ_TLS_CA_FILE). The peer's certificate must name the host.
struct TlsTrust {
  std::string ca_file;
};

// POSTs WebhookBody(m.text) to the URL (over TLS for https://); 2xx with no
// non-zero "errcode" in a JSON answer is success. The whole exchange,
// connection and handshake included, gives up after the timeout.
std::unique_ptr<Channel> NewWebhookChannel(HttpUrl url, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                           TlsTrust trust = {});

struct SmtpConfig {
  std::string host;
  int port = 25;
  std::string from;
  std::string helo = "xinqiao";
  // Sign-in (AUTH PLAIN), only ever over TLS; empty: none.
  std::string user;
  std::string password;
  TlsTrust trust;
};
// The SMTP dialogue: EHLO; on port 465 TLS from the first byte, elsewhere
// STARTTLS whenever the server offers it (required when signing in); AUTH
// PLAIN when a user is set; MAIL FROM, RCPT TO (each of m.recipients),
// DATA, QUIT; a UTF-8 text/plain message in base64. The whole dialogue
// gives up after the timeout.
std::unique_ptr<Channel> NewSmtpChannel(SmtpConfig config, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The DATA part SmtpChannel sends (headers and base64 body, CRLF lines,
// without the final ".").
std::string SmtpMessage(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                        const std::string& text, const std::string& date);

}  // namespace xq::notify
