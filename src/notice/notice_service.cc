#include "notice/notice_service.h"

#include <algorithm>

#include "core/status.h"

namespace xq::notice {

absl::StatusOr<NoticePage> NoticeService::List(int64_t account_id, bool unread_only, int limit) {
  if (account_id == 0) return Unauthenticated();
  return store_.List(account_id, unread_only, std::clamp(limit, 1, 200));
}

absl::Status NoticeService::MarkRead(int64_t account_id, int64_t notice_id) {
  if (account_id == 0) return Unauthenticated();
  XQ_ASSIGN_OR_RETURN(bool found, store_.MarkRead(account_id, notice_id, clock_.NowMicros()));
  if (!found) return NotFound("notice not found");
  return absl::OkStatus();
}

}  // namespace xq::notice
