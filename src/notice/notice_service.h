// The notice inbox of the signed-in account: what it was told (grants in
// its school waiting for a second administrator, a reset of its password,
// a sign-in with a login slip). Each account reads and marks only its own.
// Posting is done by the module that makes the change, inside its own
// transaction (notice::PostNotices).
// Thread-safe: stateless apart from the store.
#pragma once

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "notice/model.h"
#include "notice/notice_store.h"

namespace xq::notice {

class NoticeService {
 public:
  NoticeService(NoticeStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  absl::StatusOr<NoticePage> List(int64_t account_id, bool unread_only, int limit);
  // A page of the inbox: after is the `next` of the previous page (empty:
  // the newest); kind narrows the items. invalid_argument (field "after")
  // for a malformed cursor.
  absl::StatusOr<NoticePage> Page(int64_t account_id, bool unread_only, const std::string& kind, int limit,
                                  const std::string& after);
  // Marks all the account's unread notices (of kind, if not empty) read.
  absl::StatusOr<int64_t> MarkAllRead(int64_t account_id, const std::string& kind);
  // not_found when the account has no such notice (another's included).
  absl::Status MarkRead(int64_t account_id, int64_t notice_id);

 private:
  NoticeStore& store_;
  const Clock& clock_;
};

}  // namespace xq::notice
