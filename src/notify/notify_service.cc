#include "notify/notify_service.h"

#include <cstdlib>

#include <algorithm>
#include <set>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "notify/channel.h"
#include "policy/policy.h"

namespace xq::notify {
namespace {

bool AdministersChannels(policy::Role r) {
  return r == policy::Role::kSchoolDataAdmin || r == policy::Role::kDistrictAdmin || r == policy::Role::kCityAdmin;
}

bool PlainText(const std::string& s, size_t max) {
  return s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
         });
}

bool Address(const std::string& a) {
  const size_t at = a.find('@');
  return PlainText(a, 254) && at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find('@', at + 1) == std::string::npos && a.find_first_of("<>,;\"") == std::string::npos;
}

absl::Status Check(const ChannelInput& in) {
  if (!in.site_url.empty() &&
      (!PlainText(in.site_url, 500) || !(in.site_url.starts_with("http://") || in.site_url.starts_with("https://"))))
    return InvalidArgument("the site URL starts with http:// or https://", "site_url");
  if (in.webhook_url && !in.webhook_url->empty()) XQ_RETURN_IF_ERROR(ParseHttpUrl(*in.webhook_url).status());
  if (!in.smtp_host.empty() && !PlainText(in.smtp_host, 253)) return InvalidArgument("not a host name", "smtp_host");
  if (in.smtp_port < 1 || in.smtp_port > 65535) return InvalidArgument("a port lies in 1..65535", "smtp_port");
  if (!in.smtp_host.empty() && !Address(in.smtp_from)) return InvalidArgument("not an e-mail address", "smtp_from");
  if (!in.smtp_from.empty() && !Address(in.smtp_from)) return InvalidArgument("not an e-mail address", "smtp_from");
  if (!in.smtp_user.empty() && !PlainText(in.smtp_user, 254)) return InvalidArgument("not a user name", "smtp_user");
  if (in.smtp_password && (in.smtp_password->size() > 256 ||
                           in.smtp_password->find_first_of(std::string("\r\n\0", 3)) != std::string::npos))
    return InvalidArgument("at most 256 characters on one line", "smtp_password");
  for (const auto& [role, list] : in.recipients) {
    if (!policy::RoleFromName(role)) return InvalidArgument("unknown role " + role, "recipients." + role);
    if (list.size() > 20) return InvalidArgument("at most 20 addresses per role", "recipients." + role);
    for (const auto& a : list)
      if (!Address(a)) return InvalidArgument("not an e-mail address: " + a, "recipients." + role);
  }
  return absl::OkStatus();
}

std::string SecretAd(int64_t unit_id, std::string_view column) {
  return fmt::format("notify_channels:{}:{}", unit_id, column);
}

// A stored secret in clear: opened when sealed; plaintext stored before the
// column was sealed is returned as it is (sealed at the next start).
absl::StatusOr<std::string> OpenSecret(crypto::KeySource& keys, const std::string& stored, int64_t unit_id,
                                       std::string_view column) {
  if (stored.empty() || !crypto::LooksSealed(stored)) return stored;
  auto plain = keys.Open(stored, SecretAd(unit_id, column));
  if (!plain.ok())
    return absl::Status(plain.status().code(), fmt::format("{} of unit {} does not open: {}", column, unit_id,
                                                           std::string(plain.status().message())));
  return plain;
}

UnitChannels Outward(UnitRef unit, ChannelSettings c) {
  UnitChannels out{std::move(unit), std::move(c), false};
  out.webhook_set = !out.settings.webhook_url.empty();
  out.settings.webhook_url.clear();
  out.smtp_password_set = !out.settings.smtp_password.empty();
  out.settings.smtp_password.clear();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<UnitChannels>> NotifyService::List(const policy::Actor& actor) {
  std::vector<UnitChannels> out;
  std::set<int64_t> seen;
  for (const auto& g : actor.grants) {
    if (!AdministersChannels(g.role) || !seen.insert(g.unit_id).second) continue;
    XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(g.unit_id));
    if (!unit || !policy::DecideChannelSettings(actor, unit->kind, unit->path).allowed) continue;
    XQ_ASSIGN_OR_RETURN(auto c, store_.Settings(unit->id));
    ChannelSettings settings = c.value_or(ChannelSettings{.unit_id = unit->id});
    out.push_back(Outward(*unit, std::move(settings)));
  }
  return out;
}

absl::StatusOr<UnitChannels> NotifyService::Put(const policy::Actor& actor, int64_t unit_id, const ChannelInput& in) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(unit_id));
  if (!unit) return NotFound("org unit not found");
  const policy::Decision d = policy::DecideChannelSettings(actor, unit->kind, unit->path);
  if (!d.allowed) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "notify_channels",
                                              .object_id = IdToString(unit_id),
                                              .school_id = unit->school_id,
                                              .outcome = "denied",
                                              .detail = d.reason}));
    return NotFound("org unit not found");
  }
  XQ_RETURN_IF_ERROR(Check(in));
  XQ_ASSIGN_OR_RETURN(auto old, store_.Settings(unit->id));
  ChannelSettings c;
  c.unit_id = unit->id;
  c.school_id = unit->kind == "school" ? unit->school_id : 0;
  c.site_url = in.site_url;
  // A new secret is sealed; one kept stays as stored.
  auto secret = [&](const std::optional<std::string>& given, const std::string& kept,
                    std::string_view column) -> absl::StatusOr<std::string> {
    if (!given) return kept;
    if (given->empty()) return std::string();
    return keys_.Seal(*given, SecretAd(unit->id, column));
  };
  XQ_ASSIGN_OR_RETURN(c.webhook_url, secret(in.webhook_url, old ? old->webhook_url : "", "webhook_url"));
  c.smtp_host = in.smtp_host;
  c.smtp_port = in.smtp_port;
  c.smtp_from = in.smtp_from;
  c.smtp_user = in.smtp_user;
  XQ_ASSIGN_OR_RETURN(c.smtp_password, secret(in.smtp_password, old ? old->smtp_password : "", "smtp_password"));
  c.recipients = in.recipients;
  c.updated_at = clock_.NowMicros();
  c.updated_by = actor.account_id;
  // The audit entry says what changed, never the webhook's key.
  Json detail = {{"webhook", c.webhook_url.empty() ? "none" : (in.webhook_url ? "changed" : "kept")},
                 {"smtp_host", c.smtp_host},
                 {"smtp_password", c.smtp_password.empty() ? "none" : (in.smtp_password ? "changed" : "kept")},
                 {"recipient_roles", c.recipients.size()}};
  audit::Event e{.actor_id = actor.account_id,
                 .actor_role = std::string(policy::RoleName(*d.via)),
                 .action = "notify_channels_edit",
                 .object_type = "notify_channels",
                 .object_id = IdToString(unit->id),
                 .school_id = unit->school_id,
                 .detail = detail.dump()};
  XQ_RETURN_IF_ERROR(store_.PutSettings(c, audit::RecordingIn(audit_, e)));
  return Outward(*unit, std::move(c));
}

events::Subscription UrgentNoticeSubscription(const Clock& clock) {
  return events::Subscription{.name = std::string(kNoticeSubscriber),
                              .kinds = {"notice.posted"},
                              .handler = [&clock](soci::session& s, const events::Event& e) -> absl::Status {
                                auto p = ParseJson(e.payload);
                                if (!p.ok() || !p->is_object()) return absl::OkStatus();  // not ours to fix: skipped
                                const int64_t account = p->value("account_id", int64_t{0});
                                const int64_t notice = p->value("notice_id", int64_t{0});
                                const int64_t school = p->value("school_id", int64_t{0});
                                if (account == 0) return absl::OkStatus();
                                auto c = ChannelsForAccount(s, account, school);
                                if (!c) return absl::OkStatus();
                                const int64_t now = clock.NowMicros();
                                Json payload = {{"unit_id", c->unit_id},
                                                {"account_id", account},
                                                {"notice_id", notice},
                                                {"link", p->value("link", std::string())}};
                                for (std::string channel : {"webhook", "smtp"}) {
                                  if (channel == "webhook" && c->webhook_url.empty()) continue;
                                  if (channel == "smtp" && c->smtp_host.empty()) continue;
                                  payload["channel"] = channel;
                                  XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                                                      {.kind = std::string(kSendJob),
                                                                       .key = fmt::format("{}:{}", channel, notice),
                                                                       .school_id = c->school_id,
                                                                       .payload = payload.dump(),
                                                                       .due_at = now},
                                                                      now)
                                                         .status());
                                }
                                return absl::OkStatus();
                              }};
}

// The authorities TLS connections trust besides the system's: the
// certificates in XQ_TLS_CA_FILE, when set (a school's own authority).
static TlsTrust Trust() {
  const char* file = std::getenv("XQ_TLS_CA_FILE");
  return {.ca_file = file ? file : ""};
}

const std::vector<crypto::SealedColumn>& SealedColumns() {
  static const std::vector<crypto::SealedColumn> kColumns = {
      {"notify_channels", "unit_id", "webhook_url", "notify_channels:", ":webhook_url", /*seal_plaintext=*/true},
      {"notify_channels", "unit_id", "smtp_password", "notify_channels:", ":smtp_password", /*seal_plaintext=*/true},
  };
  return kColumns;
}

void RegisterSealedColumns() {
  for (const auto& c : SealedColumns()) crypto::RegisterSealedColumn(c);
}

absl::Status SealStoredSecrets(db::Database& db, const crypto::KeyRing& ring) {
  return crypto::Reseal(db, ring, SealedColumns(), {}).status();
}

void HandleSendJobs(jobs::JobRunner& runner, const Clock& clock, crypto::KeySource& keys) {
  runner.Handle(std::string(kSendJob), [&clock, &keys](soci::session& s, const jobs::Job& job) -> absl::Status {
    auto p = ParseJson(job.payload);
    if (!p.ok() || !p->is_object()) return absl::OkStatus();
    const std::string channel = p->value("channel", std::string());
    const int64_t account = p->value("account_id", int64_t{0});
    auto c = SettingsIn(s, p->value("unit_id", int64_t{0}));
    if (!c) return absl::OkStatus();  // removed meanwhile
    const int64_t count = UnreadUrgent(s, account);
    if (count == 0) return absl::OkStatus();  // read meanwhile: nothing to say
    const std::string link =
        c->site_url + (count == 1 && !p->value("link", std::string()).empty() ? p->value("link", std::string())
                                                                              : std::string("/notices"));
    OutboundMessage m{.subject = "心桥紧急待办", .text = UrgentText(count, link)};
    std::unique_ptr<Channel> ch;
    if (channel == "webhook") {
      if (c->webhook_url.empty()) return absl::OkStatus();
      XQ_ASSIGN_OR_RETURN(std::string webhook, OpenSecret(keys, c->webhook_url, c->unit_id, "webhook_url"));
      auto url = ParseHttpUrl(webhook);
      if (!url.ok()) return absl::OkStatus();
      ch = NewWebhookChannel(*url, std::chrono::seconds(5), Trust());
    } else if (channel == "smtp") {
      if (c->smtp_host.empty()) return absl::OkStatus();
      std::set<std::string> to;
      for (const auto& role : RolesOf(s, account))
        if (auto it = c->recipients.find(role); it != c->recipients.end())
          to.insert(it->second.begin(), it->second.end());
      if (to.empty()) return absl::OkStatus();
      m.recipients.assign(to.begin(), to.end());
      XQ_ASSIGN_OR_RETURN(std::string password, OpenSecret(keys, c->smtp_password, c->unit_id, "smtp_password"));
      ch = NewSmtpChannel({.host = c->smtp_host,
                           .port = c->smtp_port,
                           .from = c->smtp_from,
                           .user = c->smtp_user,
                           .password = password,
                           .trust = Trust()});
    } else {
      return absl::OkStatus();
    }
    XQ_RETURN_IF_ERROR(ch->Send(m));
    RecordSent(s, *c, channel, account, p->value("notice_id", int64_t{0}), count, clock.NowMicros());
    return absl::OkStatus();
  });
}

}  // namespace xq::notify
