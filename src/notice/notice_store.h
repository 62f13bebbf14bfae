// Storage of notices (migration 020). Posting happens inside the
// transaction of the change that causes it (PostNotices), so a change and
// its notices commit together; reading is the recipient's own list.
// Thread-safe: every call borrows its own pooled session.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "notice/model.h"

namespace xq::notice {

// Inserts the notices (ids assigned when 0) in the caller's transaction.
void PostNotices(soci::session& s, const std::vector<Notice>& notices, int64_t now);

// Staff accounts to tell of a change at a unit: the psychology centre staff
// of school_id (0: none) and the auditors whose scope holds unit_path.
std::vector<int64_t> PsychCentreAndAuditors(soci::session& s, int64_t school_id,
                                            const std::string& unit_path);

class NoticeStore {
 public:
  virtual ~NoticeStore() = default;
  // Newest first, at most limit; unread_only leaves out those read.
  virtual absl::StatusOr<NoticePage> List(int64_t account_id, bool unread_only, int limit) = 0;
  // Marks the account's notice read; false if it has no such notice.
  virtual absl::StatusOr<bool> MarkRead(int64_t account_id, int64_t notice_id, int64_t now) = 0;
};

std::unique_ptr<NoticeStore> NewSqlNoticeStore(db::Database& db);

}  // namespace xq::notice
