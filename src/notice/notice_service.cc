#include "notice/notice_service.h"

#include <algorithm>

#include "core/ids.h"
#include "core/status.h"

namespace xq::notice {

absl::StatusOr<NoticePage> NoticeService::List(int64_t account_id, bool unread_only, int limit) {
  if (account_id == 0) return Unauthenticated();
  return store_.List(account_id, unread_only, std::clamp(limit, 1, 200));
}

absl::StatusOr<NoticePage> NoticeService::Page(int64_t account_id, bool unread_only, const std::string& kind, int limit,
                                               const std::string& after) {
  if (account_id == 0) return Unauthenticated();
  if (kind.size() > 64) return InvalidArgument("kind is too long", "kind");
  std::optional<NoticeCursor> cursor;
  if (!after.empty()) {
    const size_t dot = after.find('.');
    auto at = dot == std::string::npos ? std::nullopt : IdFromString(after.substr(0, dot));
    auto id = dot == std::string::npos ? std::nullopt : IdFromString(after.substr(dot + 1));
    if (!at || !id) return InvalidArgument("after is not a cursor of this list", "after");
    cursor = NoticeCursor{*at, *id};
  }
  return store_.Page(account_id, unread_only, kind, std::clamp(limit, 1, 200), cursor);
}

absl::StatusOr<int64_t> NoticeService::MarkAllRead(int64_t account_id, const std::string& kind) {
  if (account_id == 0) return Unauthenticated();
  if (kind.size() > 64) return InvalidArgument("kind is too long", "kind");
  return store_.MarkAllRead(account_id, kind, clock_.NowMicros());
}

absl::Status NoticeService::MarkRead(int64_t account_id, int64_t notice_id) {
  if (account_id == 0) return Unauthenticated();
  XQ_ASSIGN_OR_RETURN(bool found, store_.MarkRead(account_id, notice_id, clock_.NowMicros()));
  if (!found) return NotFound("notice not found");
  return absl::OkStatus();
}

}  // namespace xq::notice
