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
  std::string port;    // "80" by default
  std::string target;  // "/path?query"
};
// Only http:// URLs (no TLS here); invalid_argument (field "webhook_url")
// otherwise.
absl::StatusOr<HttpUrl> ParseHttpUrl(const std::string& url);

// POSTs WebhookBody(m.text) to the URL; 2xx with no non-zero "errcode" in a
// JSON answer is success.
std::unique_ptr<Channel> NewWebhookChannel(HttpUrl url, std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct SmtpConfig {
  std::string host;
  int port = 25;
  std::string from;
  std::string helo = "xinqiao";
};
// The plain SMTP dialogue: EHLO, MAIL FROM, RCPT TO (each of m.recipients),
// DATA, QUIT; a UTF-8 text/plain message in base64.
std::unique_ptr<Channel> NewSmtpChannel(SmtpConfig config, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The DATA part SmtpChannel sends (headers and base64 body, CRLF lines,
// without the final ".").
std::string SmtpMessage(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                        const std::string& text, const std::string& date);

}  // namespace xq::notify
