#include "notify/notify_store.h"

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "db/row.h"

namespace xq::notify {
namespace {

ChannelSettings SettingsOf(const soci::row& r) {
  ChannelSettings c;
  c.unit_id = db::GetInt(r, "unit_id");
  c.school_id = db::GetInt(r, "school_id");
  c.site_url = db::GetStr(r, "site_url");
  c.webhook_url = db::GetStr(r, "webhook_url");
  c.smtp_host = db::GetStr(r, "smtp_host");
  c.smtp_port = static_cast<int>(db::GetInt(r, "smtp_port"));
  c.smtp_from = db::GetStr(r, "smtp_from");
  c.smtp_user = db::GetStr(r, "smtp_user");
  c.smtp_password = db::GetStr(r, "smtp_password");
  auto j = ParseJson(db::GetStr(r, "recipients"));
  if (j.ok() && j->is_object())
    for (const auto& [role, list] : j->items())
      if (list.is_array())
        for (const auto& a : list)
          if (a.is_string()) c.recipients[role].push_back(a.get<std::string>());
  c.updated_at = db::GetInt(r, "updated_at");
  c.updated_by = db::GetInt(r, "updated_by");
  return c;
}

constexpr const char* kSelect =
    "SELECT unit_id, school_id, site_url, webhook_url, smtp_host, smtp_port, smtp_from, smtp_user, smtp_password, "
    "recipients, updated_at, updated_by FROM notify_channels WHERE unit_id = :u";

class SociNotifyStore final : public NotifyStore {
 public:
  explicit SociNotifyStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<UnitRef>> Unit(int64_t id) override {
    std::optional<UnitRef> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT id, kind, name, path, COALESCE(school_id, 0) FROM org_units WHERE id = :i",
           soci::use(i));
      for (const auto& r : rows)
        out = UnitRef{db::GetInt(r, 0), db::GetStr(r, 1), db::GetStr(r, 2), db::GetStr(r, 3), db::GetInt(r, 4)};
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<ChannelSettings>> Settings(int64_t unit_id) override {
    std::optional<ChannelSettings> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      out = SettingsIn(s, unit_id);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status PutSettings(const ChannelSettings& c, const audit::InTransaction& after) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long u = c.unit_id, school = c.school_id, at = c.updated_at, by = c.updated_by;
      int port = c.smtp_port;
      Json rec = Json::object();
      for (const auto& [role, list] : c.recipients) rec[role] = list;
      std::string recipients = rec.dump();
      s << "DELETE FROM notify_channels WHERE unit_id = :u", soci::use(u);
      s << "INSERT INTO notify_channels (unit_id, school_id, site_url, webhook_url, smtp_host, smtp_port, smtp_from, "
           "smtp_user, smtp_password, recipients, updated_at, updated_by) "
           "VALUES (:u, :s, :a, :w, :h, :p, :f, :su, :sp, :r, :t, :b)",
          soci::use(u), soci::use(school), soci::use(c.site_url), soci::use(c.webhook_url), soci::use(c.smtp_host),
          soci::use(port), soci::use(c.smtp_from), soci::use(c.smtp_user), soci::use(c.smtp_password),
          soci::use(recipients), soci::use(at), soci::use(by);
      return after ? after(s) : absl::OkStatus();
    });
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<NotifyStore> NewSociNotifyStore(db::Database& db) { return std::make_unique<SociNotifyStore>(db); }

std::optional<ChannelSettings> SettingsIn(soci::session& s, int64_t unit_id) {
  std::optional<ChannelSettings> out;
  long long u = unit_id;
  soci::rowset<soci::row> rows = (s.prepare << kSelect, soci::use(u));
  for (const auto& r : rows) out = SettingsOf(r);
  return out;
}

std::optional<ChannelSettings> ChannelsForAccount(soci::session& s, int64_t account_id, int64_t school_id) {
  if (school_id != 0) {
    if (auto c = SettingsIn(s, school_id)) return c;
  }
  long long a = account_id;
  std::vector<int64_t> units;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT u.id FROM role_assignments g JOIN org_units u ON u.id = g.org_unit_id "
                    "WHERE g.account_id = :a ORDER BY LENGTH(u.path) DESC, u.id",
       soci::use(a));
  for (const auto& r : rows) units.push_back(db::GetInt(r, 0));
  // The grant's unit, then its school, district and city.
  for (int64_t unit : units) {
    long long u = unit;
    std::string path;
    s << "SELECT path FROM org_units WHERE id = :u", soci::use(u), soci::into(path);
    std::vector<int64_t> chain;
    size_t i = 1;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) break;
      if (auto id = IdFromString(path.substr(i, j - i))) chain.insert(chain.begin(), *id);
      i = j + 1;
    }
    for (int64_t id : chain)
      if (auto c = SettingsIn(s, id)) return c;
  }
  return std::nullopt;
}

std::vector<std::string> RolesOf(soci::session& s, int64_t account_id) {
  std::vector<std::string> out;
  long long a = account_id;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT DISTINCT role FROM role_assignments WHERE account_id = :a ORDER BY role", soci::use(a));
  for (const auto& r : rows) out.push_back(db::GetStr(r, 0));
  return out;
}

int64_t UnreadUrgent(soci::session& s, int64_t account_id) {
  long long a = account_id, n = 0;
  s << "SELECT COUNT(*) FROM notices WHERE account_id = :a AND read_at IS NULL AND urgent = 1", soci::use(a),
      soci::into(n);
  return n;
}

void RecordSent(soci::session& s, const ChannelSettings& c, const std::string& channel, int64_t account_id,
                int64_t notice_id, int64_t count, int64_t now) {
  long long id = NewId(), school = c.school_id, unit = c.unit_id, a = account_id, n = notice_id, t = now;
  int cnt = static_cast<int>(count);
  s << "INSERT INTO notify_sent (id, school_id, unit_id, channel, account_id, notice_id, urgent_count, sent_at) "
       "VALUES (:i, :s, :u, :c, :a, :n, :k, :t)",
      soci::use(id), soci::use(school), soci::use(unit), soci::use(channel), soci::use(a), soci::use(n), soci::use(cnt),
      soci::use(t);
}

}  // namespace xq::notify
