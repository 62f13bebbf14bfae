// Plain types of the notice inbox: what an account is told.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xq::notice {

// One thing an account is told, e.g. that a second administrator must
// approve a role grant in its school, or that its password was reset.
// `kind` names the event (the UI translates it); `params` are its facts
// (names, role, unit, times), never identified screening or clinical data.
struct Notice {
  int64_t id = 0;
  int64_t school_id = 0;   // the recipient's school; 0 above schools
  int64_t account_id = 0;  // the recipient
  std::string kind;        // grant_requested grant_approved grant_rejected password_reset slip_reset
                           // warning escalation overdue (other modules) ...
  int64_t actor_id = 0;    // who caused it; 0: the system
  std::string actor_name;
  std::map<std::string, std::string> params;
  int64_t created_at = 0;  // micros
  int64_t read_at = 0;     // 0: unread
  // A path in the web UI to the object (e.g. "/warnings/42"); empty: none.
  std::string link;
  // Urgent notices (warning, escalation, overdue) are also sent through the
  // outbound channels of the recipient's unit (module notify).
  bool urgent = false;
};

struct NoticePage {
  std::vector<Notice> items;
  int64_t unread = 0;  // of all the account's notices
  std::map<std::string, int64_t> unread_by_kind;
  int64_t unread_urgent = 0;
  std::string next;  // cursor of the next page; empty: no more
};

// Keyset position in the listing order (created_at DESC, id DESC).
struct NoticeCursor {
  int64_t created_at = 0;
  int64_t id = 0;
};

}  // namespace xq::notice
