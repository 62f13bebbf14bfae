// Outbound channels of a unit (issue 19.10): the administrators of a school
// (school data admin), a district (district admin) or the city (city admin)
// set where urgent notices are also sent: a group-robot webhook and SMTP
// e-mail to addresses per role. Changes are audited in their transaction;
// the webhook URL (it holds the robot's key) and the SMTP password are
// never returned, and are stored sealed under the key ring (SealedColumns).
//
// Sending: every urgent notice (notice.posted) schedules one job per
// configured channel of the recipient's unit (notify.send); the job sends
// "您有 N 条紧急待办，请登录心桥处理：<link>" (N: the recipient's unread
// urgent notices) and, failing, is retried by the job runner with back-off.
//
// Thread-safe: stateless apart from the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "crypto/key_source.h"
#include "crypto/reseal.h"
#include "events/dispatcher.h"
#include "jobs/jobs.h"
#include "notify/model.h"
#include "notify/notify_store.h"
#include "policy/model.h"

namespace xq::notify {

inline constexpr std::string_view kSendJob = "notify.send";
inline constexpr std::string_view kNoticeSubscriber = "notify.urgent_notices";

struct UnitChannels {
  UnitRef unit;
  ChannelSettings settings;  // webhook_url cleared before it leaves the service
  bool webhook_set = false;
  bool smtp_password_set = false;  // the password itself is cleared too
};

// What an administrator sends; webhook_url absent keeps the stored one,
// "" removes it.
struct ChannelInput {
  std::string site_url;
  std::optional<std::string> webhook_url;
  std::string smtp_host;
  int smtp_port = 25;
  std::string smtp_from;
  std::string smtp_user;
  // Absent keeps the stored password, "" removes it.
  std::optional<std::string> smtp_password;
  std::map<std::string, std::vector<std::string>> recipients;
};

class NotifyService {
 public:
  NotifyService(NotifyStore& store, audit::AuditLog& audit, crypto::KeySource& keys, const Clock& clock)
      : store_(store), audit_(audit), keys_(keys), clock_(clock) {}

  // The units whose channels the actor sets.
  absl::StatusOr<std::vector<UnitChannels>> List(const policy::Actor& actor);
  // not_found for a unit the actor does not administer; invalid_argument
  // naming the field for bad input.
  absl::StatusOr<UnitChannels> Put(const policy::Actor& actor, int64_t unit_id, const ChannelInput& in);

 private:
  NotifyStore& store_;
  audit::AuditLog& audit_;
  crypto::KeySource& keys_;
  const Clock& clock_;
};

// The secrets of notify_channels, sealed (XChaCha20-Poly1305, the key ring
// of the sealed records) with associated data
// "notify_channels:<unit id>:<column>": webhook_url and smtp_password.
// Values stored before they were sealed are plaintext; SealStoredSecrets
// (at every server start) and `xinqiao keys rotate` seal them.
const std::vector<crypto::SealedColumn>& SealedColumns();
void RegisterSealedColumns();
absl::Status SealStoredSecrets(db::Database& db, const crypto::KeyRing& ring);

// notice.posted -> notify.send jobs (in the delivery transaction).
events::Subscription UrgentNoticeSubscription(const Clock& clock);
// The notify.send handler; opens the channel's secrets with `keys`.
void HandleSendJobs(jobs::JobRunner& runner, const Clock& clock, crypto::KeySource& keys);

}  // namespace xq::notify
