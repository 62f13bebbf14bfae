// Plain types of outbound messages (issue 19.10): what is sent through a
// channel outside the platform, and the channel settings of a unit.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xq::notify {

// One message. Never a student's name, a score or a diagnostic word: only
// how many urgent items wait and where to sign in (UrgentText).
struct OutboundMessage {
  std::string subject;                  // e-mail subject
  std::string text;                     // the whole text
  std::vector<std::string> recipients;  // e-mail addresses (SMTP only)
};

// The channels of one unit (a school, a district or the city).
struct ChannelSettings {
  int64_t unit_id = 0;
  int64_t school_id = 0;    // 0 above schools
  std::string site_url;     // where staff sign in, e.g. "http://xinqiao.school.local"
  std::string webhook_url;  // group robot (WeCom/DingTalk); a secret: never echoed back
  std::string smtp_host;
  int smtp_port = 25;
  std::string smtp_from;
  // Sign-in at the SMTP server (AUTH PLAIN, over TLS only); the password
  // is a secret: never sent back.
  std::string smtp_user;
  std::string smtp_password;
  // Role name -> e-mail addresses told of urgent notices of accounts holding it.
  std::map<std::string, std::vector<std::string>> recipients;
  int64_t updated_at = 0;
  int64_t updated_by = 0;
};

}  // namespace xq::notify
