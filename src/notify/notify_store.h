// Storage of channel settings and of what was sent (migration notify/072).
// SQL only; NotifyService decides access. Thread-safe: pooled sessions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "db/database.h"
#include "notify/model.h"

namespace xq::notify {

struct UnitRef {
  int64_t id = 0;
  std::string kind;
  std::string name;
  std::string path;
  int64_t school_id = 0;
};

class NotifyStore {
 public:
  virtual ~NotifyStore() = default;
  virtual absl::StatusOr<std::optional<UnitRef>> Unit(int64_t id) = 0;
  virtual absl::StatusOr<std::optional<ChannelSettings>> Settings(int64_t unit_id) = 0;
  virtual absl::Status PutSettings(const ChannelSettings& c, const audit::InTransaction& after) = 0;
};

std::unique_ptr<NotifyStore> NewSociNotifyStore(db::Database& db);

// On the caller's session (a delivery or a job transaction).
std::optional<ChannelSettings> SettingsIn(soci::session& s, int64_t unit_id);
// The unit whose channels tell `account_id` of an urgent notice: the
// notice's school when it has one and channels are set there; else the
// first unit (deepest first) of the account's grants that has channels.
std::optional<ChannelSettings> ChannelsForAccount(soci::session& s, int64_t account_id, int64_t school_id);
// Role names the account holds.
std::vector<std::string> RolesOf(soci::session& s, int64_t account_id);
// Unread urgent notices of the account.
int64_t UnreadUrgent(soci::session& s, int64_t account_id);
void RecordSent(soci::session& s, const ChannelSettings& c, const std::string& channel, int64_t account_id,
                int64_t notice_id, int64_t count, int64_t now);

}  // namespace xq::notify
