// Storage of notices (migration 020). Posting happens inside the
// transaction of the change that causes it (PostNotices), so a change and
// its notices commit together; reading is the recipient's own list.
// Thread-safe: every call borrows its own pooled session.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "notice/model.h"

namespace xq::notice {

// Inserts the notices (ids assigned when 0) in the caller's transaction.
// For each urgent notice it also publishes kNoticePosted to the outbox in
// that transaction (the notify module sends it through the outbound
// channels); a failure to publish throws, rolling the change back.
void PostNotices(soci::session& s, const std::vector<Notice>& notices, int64_t now);

// Event kind of an urgent notice, subject "account:<recipient>", payload a
// JSON object {notice_id, account_id, school_id, kind, link} (no names, no
// params: the outbound message says only how many are waiting).
inline constexpr std::string_view kNoticePosted = "notice.posted";

// Staff accounts to tell of a change at a unit: the psychology centre staff
// of school_id (0: none) and the auditors whose scope holds unit_path.
std::vector<int64_t> PsychCentreAndAuditors(soci::session& s, int64_t school_id, const std::string& unit_path);

// The values of one param over the account's most recent notices of a
// kind (at most 2,000 notices): e.g. the warnings a 知会 told it of.
std::set<std::string> ParamValuesOf(soci::session& s, int64_t account_id, std::string_view kind,
                                    std::string_view param);

// The name a notice shows for the account that caused it (display name,
// else the username; empty for an unknown account).
std::string ActorNameOf(soci::session& s, int64_t account_id);

class NoticeStore {
 public:
  virtual ~NoticeStore() = default;
  // Newest first, at most limit; unread_only leaves out those read.
  virtual absl::StatusOr<NoticePage> List(int64_t account_id, bool unread_only, int limit) = 0;
  // A page after the cursor (none: the newest), with unread counts by kind;
  // kind (empty: every kind) narrows the items, not the counts.
  virtual absl::StatusOr<NoticePage> Page(int64_t account_id, bool unread_only, const std::string& kind, int limit,
                                          const std::optional<NoticeCursor>& after) = 0;
  // Marks every unread notice of the account read (of one kind, if given);
  // returns how many.
  virtual absl::StatusOr<int64_t> MarkAllRead(int64_t account_id, const std::string& kind, int64_t now) = 0;
  // Unread urgent notices of the account.
  virtual absl::StatusOr<int64_t> UnreadUrgent(int64_t account_id) = 0;
  // Marks the account's notice read; false if it has no such notice.
  virtual absl::StatusOr<bool> MarkRead(int64_t account_id, int64_t notice_id, int64_t now) = 0;
};

std::unique_ptr<NoticeStore> NewSqlNoticeStore(db::Database& db);

}  // namespace xq::notice
