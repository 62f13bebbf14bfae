#include "notice/notice_store.h"

#include <stdexcept>

#include "core/ids.h"
#include "core/status.h"
#include "core/json.h"
#include "db/row.h"
#include "events/events.h"
#include "fmt/format.h"

namespace xq::notice {
namespace {

std::string ParamsText(const std::map<std::string, std::string>& params) {
  Json j = Json::object();
  for (const auto& [k, v] : params) j[k] = v;
  return j.dump();
}

std::map<std::string, std::string> ParamsOf(const std::string& text) {
  std::map<std::string, std::string> out;
  auto j = ParseJson(text);
  if (!j.ok() || !j->is_object()) return out;
  for (const auto& [k, v] : j->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

class SqlNoticeStore final : public NoticeStore {
 public:
  explicit SqlNoticeStore(db::Database& db) : db_(db) {}

  absl::StatusOr<NoticePage> List(int64_t account_id, bool unread_only, int limit) override {
    return Page(account_id, unread_only, "", limit, std::nullopt);
  }

  absl::StatusOr<NoticePage> Page(int64_t account_id, bool unread_only, const std::string& kind, int limit,
                                  const std::optional<NoticeCursor>& after) override {
    NoticePage page;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = account_id;
      soci::rowset<soci::row> counts =
          (s.prepare << "SELECT kind, COUNT(*), SUM(urgent) FROM notices WHERE account_id = :a AND read_at IS NULL "
                        "GROUP BY kind",
           soci::use(id));
      for (const auto& r : counts) {
        const int64_t n = db::GetInt(r, 1);
        page.unread_by_kind[db::GetStr(r, 0)] = n;
        page.unread += n;
        page.unread_urgent += db::GetInt(r, 2);
      }
      long long at = after ? after->created_at : 0, aid = after ? after->id : 0;
      std::string k = kind;
      soci::rowset<soci::row> rows =
          (s.prepare << fmt::format(
               "SELECT id, school_id, account_id, kind, actor_id, actor_name, params, "
               "created_at, read_at, link, urgent FROM notices WHERE account_id = :a {} {} {} "
               "ORDER BY created_at DESC, id DESC LIMIT {}",
               unread_only ? "AND read_at IS NULL" : "", kind.empty() ? "AND :k = ''" : "AND kind = :k",
               after ? "AND (created_at < :t OR (created_at = :t2 AND id < :i))" : "AND :t = :t2 AND :i = 0",
               limit + 1),
           soci::use(id), soci::use(k), soci::use(at), soci::use(at), soci::use(aid));
      for (const auto& r : rows) {
        Notice n;
        n.id = db::GetInt(r, "id");
        n.school_id = db::GetInt(r, "school_id");
        n.account_id = db::GetInt(r, "account_id");
        n.kind = db::GetStr(r, "kind");
        n.actor_id = db::GetInt(r, "actor_id");
        n.actor_name = db::GetStr(r, "actor_name");
        n.params = ParamsOf(db::GetStr(r, "params"));
        n.created_at = db::GetInt(r, "created_at");
        n.read_at = db::GetInt(r, "read_at");
        n.link = db::GetStr(r, "link");
        n.urgent = db::GetInt(r, "urgent") != 0;
        page.items.push_back(std::move(n));
      }
      return absl::OkStatus();
    }));
    if (page.items.size() > static_cast<size_t>(limit)) {
      page.items.resize(limit);
      page.next = fmt::format("{}.{}", page.items.back().created_at, page.items.back().id);
    }
    return page;
  }

  absl::StatusOr<int64_t> MarkAllRead(int64_t account_id, const std::string& kind, int64_t now) override {
    int64_t changed = 0;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long a = account_id, t = now;
      std::string k = kind;
      soci::statement st =
          (s.prepare << fmt::format("UPDATE notices SET read_at = :t WHERE account_id = :a AND read_at IS NULL {}",
                                    kind.empty() ? "AND :k = ''" : "AND kind = :k"),
           soci::use(t), soci::use(a), soci::use(k));
      st.execute(true);
      changed = st.get_affected_rows();
      return absl::OkStatus();
    }));
    return changed;
  }

  absl::StatusOr<int64_t> UnreadUrgent(int64_t account_id) override {
    long long n = 0;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long a = account_id;
      s << "SELECT COUNT(*) FROM notices WHERE account_id = :a AND read_at IS NULL AND urgent = 1", soci::use(a),
          soci::into(n);
      return absl::OkStatus();
    }));
    return n;
  }

  absl::StatusOr<bool> MarkRead(int64_t account_id, int64_t notice_id, int64_t now) override {
    bool found = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long a = account_id, id = notice_id, t = now;
      long long n = 0;
      s << "SELECT COUNT(*) FROM notices WHERE id = :id AND account_id = :a", soci::use(id), soci::use(a),
          soci::into(n);
      found = n > 0;
      if (found) {
        s << "UPDATE notices SET read_at = :t WHERE id = :id AND account_id = :a AND read_at IS NULL", soci::use(t),
            soci::use(id), soci::use(a);
      }
      return absl::OkStatus();
    }));
    return found;
  }

 private:
  db::Database& db_;
};

}  // namespace

void PostNotices(soci::session& s, const std::vector<Notice>& notices, int64_t now) {
  if (notices.empty()) return;
  // One insert for every notice: prepared once, run once per notice.
  long long id = 0, school = 0, account = 0, actor = 0, at = 0;
  int urgent = 0;
  soci::indicator ischool = soci::i_ok, iactor = soci::i_ok;
  std::string kind, actor_name, params, link;
  soci::statement insert =
      (s.prepare << "INSERT INTO notices (id, school_id, account_id, kind, actor_id, actor_name, params, created_at, "
                    "link, urgent) VALUES (:i, :s, :a, :k, :b, :n, :p, :t, :l, :u)",
       soci::use(id), soci::use(school, ischool), soci::use(account), soci::use(kind), soci::use(actor, iactor),
       soci::use(actor_name), soci::use(params), soci::use(at), soci::use(link), soci::use(urgent));
  std::vector<events::Event> posted;
  for (const Notice& n : notices) {
    id = n.id ? n.id : NewId(), school = n.school_id, account = n.account_id, actor = n.actor_id,
    at = n.created_at ? n.created_at : now;
    urgent = n.urgent ? 1 : 0;
    ischool = school ? soci::i_ok : soci::i_null;
    iactor = actor ? soci::i_ok : soci::i_null;
    kind = n.kind, actor_name = n.actor_name, link = n.link;
    params = ParamsText(n.params);
    insert.execute(true);
    if (!n.urgent) continue;
    Json payload = {
        {"notice_id", id}, {"account_id", account}, {"school_id", school}, {"kind", n.kind}, {"link", n.link}};
    posted.push_back({.school_id = school,
                      .kind = std::string(kNoticePosted),
                      .subject = fmt::format("account:{}", account),
                      .payload = payload.dump(),
                      .created_at = at});
  }
  if (auto published = events::PublishAll(s, posted); !published.ok())
    throw std::runtime_error("notice.posted not published: " + published.ToString());
}

std::vector<int64_t> PsychCentreAndAuditors(soci::session& s, int64_t school_id, const std::string& unit_path) {
  std::vector<int64_t> out;
  long long school = school_id;
  std::string path = unit_path;
  // The auditor's unit path is a prefix of the unit's (its scope holds it).
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT DISTINCT g.account_id FROM role_assignments g JOIN org_units u ON u.id = "
                    "g.org_unit_id JOIN accounts a ON a.id = g.account_id WHERE a.disabled = 0 AND "
                    "((g.role = 'psych_staff' AND u.school_id = :s) OR (g.role = 'auditor' AND "
                    "SUBSTR(CAST(:p AS TEXT), 1, LENGTH(u.path)) = u.path)) ORDER BY g.account_id",
       soci::use(school), soci::use(path));
  for (const auto& r : rows) out.push_back(db::GetInt(r, std::size_t{0}));
  return out;
}

std::set<std::string> ParamValuesOf(soci::session& s, int64_t account_id, std::string_view kind,
                                    std::string_view param) {
  std::set<std::string> out;
  long long a = account_id;
  std::string k(kind);
  soci::rowset<soci::row> rows = (s.prepare << "SELECT params FROM notices WHERE account_id = :a AND kind = :k "
                                               "ORDER BY created_at DESC LIMIT 2000",
                                  soci::use(a), soci::use(k));
  for (const auto& r : rows) {
    auto params = ParamsOf(db::GetStr(r, std::size_t{0}));
    if (auto it = params.find(std::string(param)); it != params.end()) out.insert(it->second);
  }
  return out;
}

std::string ActorNameOf(soci::session& s, int64_t account_id) {
  long long id = account_id;
  std::string display, username;
  soci::indicator di = soci::i_ok;
  s << "SELECT display_name, username FROM accounts WHERE id = :id", soci::into(display, di), soci::into(username),
      soci::use(id);
  if (!s.got_data()) return "";
  return di == soci::i_ok && !display.empty() ? display : username;
}

std::unique_ptr<NoticeStore> NewSqlNoticeStore(db::Database& db) { return std::make_unique<SqlNoticeStore>(db); }

}  // namespace xq::notice
