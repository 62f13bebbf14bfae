#include "auth/auth_store.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "core/ids.h"
#include "core/status.h"
#include "db/auth_changes.h"
#include "db/row.h"
#include "fmt/format.h"
#include "notice/notice_store.h"

namespace xq::auth {
namespace {

constexpr const char* kAccountColumns =
    "id, username, password_hash, display_name, person_type, person_id, school_id, disabled, "
    "must_change_password, failed_logins, locked_until";

Account ReadAccount(const soci::row& r) {
  Account a;
  a.id = db::GetInt(r, "id");
  a.username = db::GetStr(r, "username");
  a.password_hash = db::GetStr(r, "password_hash");
  a.display_name = db::GetStr(r, "display_name");
  a.person_type = db::GetStr(r, "person_type");
  a.person_id = db::GetInt(r, "person_id");
  a.school_id = db::GetInt(r, "school_id");
  a.disabled = db::GetInt(r, "disabled") != 0;
  a.must_change_password = db::GetInt(r, "must_change_password") != 0;
  a.failed_logins = static_cast<int>(db::GetInt(r, "failed_logins"));
  a.locked_until = db::GetInt(r, "locked_until");
  return a;
}

constexpr const char* kGrantSelect =
    "SELECT g.id AS id, g.account_id AS account_id, g.role AS role, g.org_unit_id AS unit_id, "
    "u.name AS unit_name, u.kind AS unit_kind, u.path AS unit_path, u.school_id AS school_id "
    "FROM role_assignments g JOIN org_units u ON u.id = g.org_unit_id ";

// `prefix`: the column aliases carry it in a join (FindSignedIn).
RoleGrant ReadGrant(const soci::row& r, const std::string& prefix = "") {
  RoleGrant g;
  g.id = db::GetInt(r, prefix + "id");
  g.account_id = db::GetInt(r, prefix + "account_id");
  g.role = db::GetStr(r, prefix + "role");
  g.unit_id = db::GetInt(r, prefix + "unit_id");
  g.unit_name = db::GetStr(r, prefix + "unit_name");
  g.unit_kind = db::GetStr(r, prefix + "unit_kind");
  g.unit_path = db::GetStr(r, prefix + "unit_path");
  g.school_id = db::GetInt(r, prefix + "school_id");
  return g;
}

// "a.id AS id, a.username AS username, ..." for kAccountColumns in a join.
std::string AccountColumnsOf(const std::string& table) {
  std::string out, column;
  std::string all = std::string(kAccountColumns) + ",";
  for (char c : all) {
    if (c == ',') {
      out += fmt::format("{}{}.{} AS {}", out.empty() ? "" : ", ", table, column, column);
      column.clear();
    } else if (c != ' ') {
      column += c;
    }
  }
  return out;
}

// Escapes LIKE wildcards so user text matches literally (ESCAPE '\').
std::string LikePrefix(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

// A session with its account and grants: one row per grant (one row with
// NULL grant columns when none).
std::string SignedInSelect() {
  return fmt::format(
      "SELECT s.token_hash AS token_hash, s.csrf_token AS csrf_token, s.created_at AS created_at, "
      "s.last_seen_at AS last_seen_at, {}, g.id AS g_id, g.account_id AS g_account_id, g.role AS g_role, "
      "g.org_unit_id AS g_unit_id, u.name AS g_unit_name, u.kind AS g_unit_kind, u.path AS g_unit_path, "
      "u.school_id AS g_school_id "
      "FROM sessions s JOIN accounts a ON a.id = s.account_id "
      "LEFT JOIN role_assignments g ON g.account_id = a.id LEFT JOIN org_units u ON u.id = g.org_unit_id ",
      AccountColumnsOf("a"));
}

// Appends rows of SignedInSelect to out, one SignedIn per session; the
// grants in id order (sorted here: an ORDER BY would make SQLite set up a
// sorter on every request).
std::function<void(const soci::row&)> SignedInReader(std::vector<SignedIn>& out) {
  return [&out, index = std::unordered_map<std::string, size_t>()](const soci::row& r) mutable {
    std::string hash = db::GetStr(r, "token_hash");
    auto [it, fresh] = index.emplace(hash, out.size());
    if (fresh) {
      SignedIn& si = out.emplace_back();
      si.account = ReadAccount(r);
      si.session = Session{std::move(hash), si.account.id, db::GetStr(r, "csrf_token"), db::GetInt(r, "created_at"),
                           db::GetInt(r, "last_seen_at")};
    }
    std::vector<RoleGrant>& grants = out[it->second].grants;
    if (r.get_indicator("g_id") != soci::i_null) {
      RoleGrant g = ReadGrant(r, "g_");
      auto at = std::upper_bound(grants.begin(), grants.end(), g.id,
                                 [](int64_t id, const RoleGrant& x) { return id < x.id; });
      grants.insert(at, std::move(g));
    }
  };
}

class SqlAuthStore final : public AuthStore {
 public:
  explicit SqlAuthStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<Account>> FindAccountByUsername(std::string_view username) override {
    return FindOne(fmt::format("SELECT {} FROM accounts WHERE username = :u", kAccountColumns), std::string(username));
  }

  // Every signed-in request reads its session, account and grants: those
  // three are prepared once per connection (db::Database::Query).
  absl::StatusOr<std::optional<Account>> FindAccount(int64_t id) override {
    static const std::string sql = fmt::format("SELECT {} FROM accounts WHERE id = :id", kAccountColumns);
    std::optional<Account> out;
    XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(id)}, [&](const soci::row& r) { out = ReadAccount(r); }));
    return out;
  }

  absl::Status SetLoginFailures(int64_t account_id, int failed, int64_t locked_until) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = account_id, until = locked_until;
      s << "UPDATE accounts SET failed_logins = :f, locked_until = :l WHERE id = :id", soci::use(failed),
          soci::use(until), soci::use(id);
      return absl::OkStatus();
    });
  }

  absl::Status SetPassword(int64_t account_id, std::string_view hash, bool must_change, int64_t now,
                           audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = account_id, t = now;
      int must = must_change ? 1 : 0;
      std::string h(hash);
      s << "UPDATE accounts SET password_hash = :h, must_change_password = :m, failed_logins = 0, "
           "locked_until = 0, updated_at = :t WHERE id = :id",
          soci::use(h), soci::use(must), soci::use(t), soci::use(id);
      db::RecordAccountChanged(s, account_id);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::Status CreateSession(const Session& ss, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      long long acc = ss.account_id, c = ss.created_at, l = ss.last_seen_at;
      s << "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at) "
           "VALUES (:h, :a, :c, :t1, :t2)",
          soci::use(ss.token_hash), soci::use(acc), soci::use(ss.csrf_token), soci::use(c), soci::use(l);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<Session>> FindSession(std::string_view token_hash) override {
    std::optional<Session> out;
    XQ_RETURN_IF_ERROR(
        db_.Query("SELECT token_hash, account_id, csrf_token, created_at, last_seen_at "
                  "FROM sessions WHERE token_hash = :h",
                  {std::string(token_hash)}, [&](const soci::row& r) {
                    Session ss;
                    ss.token_hash = db::GetStr(r, "token_hash");
                    ss.account_id = db::GetInt(r, "account_id");
                    ss.csrf_token = db::GetStr(r, "csrf_token");
                    ss.created_at = db::GetInt(r, "created_at");
                    ss.last_seen_at = db::GetInt(r, "last_seen_at");
                    out = ss;
                  }));
    return out;
  }

  absl::StatusOr<std::optional<SignedIn>> FindSignedIn(std::string_view token_hash) override {
    static const std::string sql = SignedInSelect() + "WHERE s.token_hash = :h";
    std::vector<SignedIn> out;
    XQ_RETURN_IF_ERROR(db_.Query(sql, {std::string(token_hash)}, SignedInReader(out)));
    if (out.empty()) return std::nullopt;
    return std::move(out.front());
  }

  absl::StatusOr<std::vector<SignedIn>> SignedInSince(int64_t since, size_t limit) override {
    std::string sql = SignedInSelect() +
                      "WHERE s.token_hash IN (SELECT token_hash FROM sessions "
                      "WHERE last_seen_at > :t ORDER BY last_seen_at DESC LIMIT :n)";
    std::vector<SignedIn> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long t = since, n = static_cast<long long>(limit);
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(t), soci::use(n));
      auto read = SignedInReader(out);
      for (const auto& r : rows) read(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<db::AuthChange>> ChangesSince(int64_t since) override {
    return db::AuthChangesSince(db_, since);
  }
  absl::Status PruneChanges(int64_t before) override { return db::PruneAuthChanges(db_, before); }

  absl::Status TouchSessions(const std::vector<std::pair<std::string, int64_t>>& seen) override {
    // Short transactions: the submission writer never waits long for the
    // write lock behind them.
    constexpr size_t kChunk = 100;
    for (size_t from = 0; from < seen.size(); from += kChunk) {
      std::vector<std::string> hashes;
      std::vector<long long> times;
      for (size_t i = from; i < std::min(seen.size(), from + kChunk); ++i) {
        hashes.push_back(seen[i].first);
        times.push_back(seen[i].second);
      }
      // Losing this in a power cut only ends sessions a little early: no fsync.
      XQ_RETURN_IF_ERROR(db_.InLightTransaction([&](soci::session& s) {
        s << "UPDATE sessions SET last_seen_at = :t WHERE token_hash = :h", soci::use(times), soci::use(hashes);
        return absl::OkStatus();
      }));
    }
    return absl::OkStatus();
  }

  absl::Status DeleteSession(std::string_view token_hash, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      std::string h(token_hash);
      s << "DELETE FROM sessions WHERE token_hash = :h", soci::use(h);
      db::RecordSessionEnded(s, 0, h);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::Status DeleteSessionsOf(int64_t account_id, std::string_view keep_hash) override {
    return db_.InTransaction([&](soci::session& s) {
      std::string h(keep_hash);
      long long id = account_id;
      s << "DELETE FROM sessions WHERE account_id = :a AND token_hash <> :h", soci::use(id), soci::use(h);
      db::RecordAccountChanged(s, account_id);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<RoleGrant>> GrantsOf(int64_t account_id) override {
    static const std::string sql = std::string(kGrantSelect) + "WHERE g.account_id = :a ORDER BY g.id";
    std::vector<RoleGrant> out;
    XQ_RETURN_IF_ERROR(
        db_.Query(sql, {static_cast<long long>(account_id)}, [&](const soci::row& r) { out.push_back(ReadGrant(r)); }));
    return out;
  }

  absl::StatusOr<std::optional<RoleGrant>> FindGrant(int64_t grant_id) override {
    std::optional<RoleGrant> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = grant_id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kGrantSelect) + "WHERE g.id = :id", soci::use(id));
      for (const auto& r : rows) out = ReadGrant(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<int64_t>> ChildrenOf(int64_t guardian_id) override {
    return Ids("SELECT student_id FROM student_guardians WHERE guardian_id = :id ORDER BY student_id", guardian_id);
  }

  absl::StatusOr<std::vector<int64_t>> PairedStudentsOf(int64_t staff_id) override {
    return Ids("SELECT student_id FROM pairings WHERE staff_id = :id ORDER BY student_id", staff_id);
  }

  absl::StatusOr<std::optional<UnitRef>> FindUnit(int64_t unit_id) override {
    std::optional<UnitRef> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = unit_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT id, name, kind, path, school_id FROM org_units WHERE id = :id", soci::use(id));
      for (const auto& r : rows) {
        out = UnitRef{db::GetInt(r, "id"), db::GetStr(r, "name"), db::GetStr(r, "kind"), db::GetStr(r, "path"),
                      db::GetInt(r, "school_id")};
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<AccountPage> ListAccounts(const std::vector<std::string>& scope_paths, std::string_view q,
                                           std::string_view after, int limit) override {
    AccountPage page;
    if (scope_paths.empty()) return page;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      // Scope paths come from the database (digits and '/'), never from the
      // caller, but are bound anyway.
      std::string where = "(";
      for (size_t i = 0; i < scope_paths.size(); ++i) {
        if (i) where += " OR ";
        where += fmt::format("u.path LIKE :p{}", i);
      }
      where += ")";
      std::string where2 = "(";
      for (size_t i = 0; i < scope_paths.size(); ++i) {
        if (i) where2 += " OR ";
        where2 += fmt::format("u.path LIKE :r{}", i);
      }
      where2 += ")";
      std::vector<std::string> patterns;
      for (const auto& p : scope_paths) patterns.push_back(LikePrefix(p));
      std::string qpat = LikePrefix(q);
      std::string cursor(after);
      // An account whose only roles still wait for approval is listed too.
      std::string base = fmt::format(
          "FROM accounts a WHERE (EXISTS (SELECT 1 FROM role_assignments g JOIN org_units u ON "
          "u.id = g.org_unit_id WHERE g.account_id = a.id AND {0}) OR EXISTS (SELECT 1 FROM "
          "role_grant_requests g JOIN org_units u ON u.id = g.org_unit_id WHERE g.account_id = "
          "a.id AND g.state = 'pending' AND {1})) AND (a.username LIKE :q "
          "ESCAPE '\\' OR a.display_name LIKE :q2 ESCAPE '\\')",
          where, where2);
      auto bind_all = [&](auto& st) {
        for (auto& p : patterns) st.exchange(soci::use(p));
        for (auto& p : patterns) st.exchange(soci::use(p));
        st.exchange(soci::use(qpat));
        st.exchange(soci::use(qpat));
      };
      {
        long long total = 0;
        soci::statement st(s);
        bind_all(st);
        st.exchange(soci::into(total));
        st.alloc();
        st.prepare("SELECT COUNT(*) " + base);
        st.define_and_bind();
        st.execute(true);
        page.total = total;
      }
      soci::row r;
      soci::statement st(s);
      bind_all(st);
      st.exchange(soci::use(cursor));
      st.exchange(soci::into(r));
      st.alloc();
      st.prepare(fmt::format("SELECT {} {} AND a.username > :after ORDER BY a.username LIMIT {}",
                             "a.id AS id, a.username AS username, a.password_hash AS password_hash, "
                             "a.display_name AS display_name, a.person_type AS person_type, "
                             "a.person_id AS person_id, a.school_id AS school_id, a.disabled AS "
                             "disabled, a.must_change_password AS must_change_password, "
                             "a.failed_logins AS failed_logins, a.locked_until AS locked_until",
                             base, limit + 1));
      st.define_and_bind();
      st.execute();
      while (st.fetch()) page.items.push_back(AccountView{ReadAccount(r), {}});
      return absl::OkStatus();
    }));
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next = page.items.back().account.username;
    }
    for (auto& v : page.items) {
      v.account.password_hash.clear();
      XQ_ASSIGN_OR_RETURN(v.grants, GrantsOf(v.account.id));
      XQ_ASSIGN_OR_RETURN(v.pending, PendingRequestsOf(v.account.id));
    }
    return page;
  }

  absl::Status CreateAccount(const Account& a, const std::vector<RoleGrant>& grants, int64_t now,
                             const std::vector<GrantRequest>& requests, const std::vector<notice::Notice>& notices,
                             audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = a.id, pid = a.person_id, sid = a.school_id, t = now;
      soci::indicator ipid = pid ? soci::i_ok : soci::i_null;
      soci::indicator isid = sid ? soci::i_ok : soci::i_null;
      int must = a.must_change_password ? 1 : 0;
      s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, "
           "person_id, school_id, disabled, must_change_password, failed_logins, locked_until, "
           "created_at, updated_at) VALUES (:id, :u, :h, :d, :pt, :pid, :sid, 0, :m, 0, 0, :t1, "
           ":t2)",
          soci::use(id), soci::use(a.username), soci::use(a.password_hash), soci::use(a.display_name),
          soci::use(a.person_type), soci::use(pid, ipid), soci::use(sid, isid), soci::use(must), soci::use(t),
          soci::use(t);
      for (const auto& g : grants) XQ_RETURN_IF_ERROR(InsertGrant(s, g, 0, now));
      for (const auto& r : requests) InsertRequest(s, r);
      notice::PostNotices(s, notices, now);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::Status AddGrant(const RoleGrant& g, int64_t granted_by, int64_t now, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      db::RecordAccountChanged(s, g.account_id);
      XQ_RETURN_IF_ERROR(InsertGrant(s, g, granted_by, now));
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::Status RemoveGrant(int64_t grant_id, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = grant_id;
      long long account = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT account_id FROM role_assignments WHERE id = :id", soci::use(id), soci::into(account, ind);
      const bool found = s.got_data() && ind == soci::i_ok;
      s << "DELETE FROM role_assignments WHERE id = :id", soci::use(id);
      if (found) db::RecordAccountChanged(s, account);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::Status CreateGrantRequest(const GrantRequest& r, const std::vector<notice::Notice>& notices,
                                  audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      InsertRequest(s, r);
      notice::PostNotices(s, notices, r.requested_at);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<GrantRequest>> FindGrantRequest(int64_t id) override {
    std::vector<GrantRequest> out;
    XQ_RETURN_IF_ERROR(ReadRequests("WHERE q.id = :k", static_cast<long long>(id), {}, out));
    if (out.empty()) return std::nullopt;
    return out.front();
  }

  absl::StatusOr<std::vector<GrantRequest>> GrantRequests(const std::vector<std::string>& scope_paths,
                                                          std::string_view state, int limit) override {
    std::vector<GrantRequest> out;
    if (scope_paths.empty()) return out;
    std::string where = "WHERE (";
    for (size_t i = 0; i < scope_paths.size(); ++i) {
      if (i) where += " OR ";
      where += fmt::format("u.path LIKE :p{}", i);
    }
    where += ")";
    std::vector<std::string> binds;
    for (const auto& p : scope_paths) binds.push_back(LikePrefix(p));
    if (!state.empty()) {
      where += " AND q.state = :st";
      binds.emplace_back(state);
    }
    where += fmt::format(" ORDER BY q.requested_at DESC, q.id DESC LIMIT {}", limit);
    XQ_RETURN_IF_ERROR(ReadRequests(where, std::nullopt, binds, out));
    return out;
  }

  absl::StatusOr<std::vector<GrantRequest>> PendingRequestsOf(int64_t account_id) override {
    std::vector<GrantRequest> out;
    XQ_RETURN_IF_ERROR(ReadRequests("WHERE q.account_id = :k AND q.state = 'pending' ORDER BY q.id",
                                    static_cast<long long>(account_id), {}, out));
    return out;
  }

  absl::Status DecideGrantRequest(int64_t id, bool approve, int64_t decided_by, int64_t now,
                                  const std::vector<notice::Notice>& notices, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long rid = id, by = decided_by, at = now;
      std::string state = approve ? "approved" : "rejected";
      soci::statement st = (s.prepare << "UPDATE role_grant_requests SET state = :s, decided_by = :b, "
                                         "decided_at = :t WHERE id = :i AND state = 'pending'",
                            soci::use(state), soci::use(by), soci::use(at), soci::use(rid));
      st.execute(true);
      if (st.get_affected_rows() == 0) return Conflict("the request is no longer pending");
      if (approve) {
        long long acc = 0, unit = 0, school = 0;
        std::string role;
        soci::indicator ischool = soci::i_null;
        s << "SELECT account_id, role, org_unit_id, school_id FROM role_grant_requests WHERE id = :i", soci::use(rid),
            soci::into(acc), soci::into(role), soci::into(unit), soci::into(school, ischool);
        RoleGrant g;
        g.id = NewId();
        g.account_id = acc;
        g.role = role;
        g.unit_id = unit;
        g.school_id = ischool == soci::i_ok ? school : 0;
        XQ_RETURN_IF_ERROR(InsertGrant(s, g, decided_by, now));
        db::RecordAccountChanged(s, acc);
      }
      notice::PostNotices(s, notices, now);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<int64_t>> AccountsToTell(int64_t school_id, const std::string& unit_path) override {
    std::vector<int64_t> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      out = notice::PsychCentreAndAuditors(s, school_id, unit_path);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status ResetPassword(int64_t account_id, std::string_view hash, int64_t now,
                             const std::vector<notice::Notice>& notices, audit::InTransaction audit) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = account_id, t = now;
      std::string h(hash);
      s << "UPDATE accounts SET password_hash = :h, must_change_password = 1, failed_logins = 0, "
           "locked_until = 0, updated_at = :t WHERE id = :id",
          soci::use(h), soci::use(t), soci::use(id);
      s << "DELETE FROM sessions WHERE account_id = :a", soci::use(id);
      db::RecordAccountChanged(s, account_id);
      notice::PostNotices(s, notices, now);
      return audit ? audit(s) : absl::OkStatus();
    });
  }

 private:
  // Grant requests with names: `where` binds :k (key) or the strings.
  absl::Status ReadRequests(const std::string& where, std::optional<long long> key, std::vector<std::string> binds,
                            std::vector<GrantRequest>& out) {
    const std::string sql =
        "SELECT q.id AS id, q.account_id AS account_id, a.username AS username, a.display_name AS "
        "display_name, q.role AS role, u.id AS unit_id, u.name AS unit_name, u.kind AS unit_kind, "
        "u.path AS unit_path, u.school_id AS school_id, q.requested_by AS requested_by, "
        "rb.display_name AS requested_by_name, q.requested_at AS requested_at, q.state AS state, "
        "q.decided_by AS decided_by, dby.display_name AS decided_by_name, q.decided_at AS decided_at "
        "FROM role_grant_requests q JOIN accounts a ON a.id = q.account_id JOIN org_units u ON "
        "u.id = q.org_unit_id LEFT JOIN accounts rb ON rb.id = q.requested_by LEFT JOIN accounts dby "
        "ON dby.id = q.decided_by " +
        where;
    return db_.Run([&](soci::session& s) {
      soci::row r;
      soci::statement st(s);
      long long k = key.value_or(0);
      if (key) st.exchange(soci::use(k));
      for (auto& b : binds) st.exchange(soci::use(b));
      st.exchange(soci::into(r));
      st.alloc();
      st.prepare(sql);
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        GrantRequest g;
        g.id = db::GetInt(r, "id");
        g.account_id = db::GetInt(r, "account_id");
        g.account_username = db::GetStr(r, "username");
        g.account_display_name = db::GetStr(r, "display_name");
        g.role = db::GetStr(r, "role");
        g.unit = UnitRef{db::GetInt(r, "unit_id"), db::GetStr(r, "unit_name"), db::GetStr(r, "unit_kind"),
                         db::GetStr(r, "unit_path"), db::GetInt(r, "school_id")};
        g.requested_by = db::GetInt(r, "requested_by");
        g.requested_by_name = db::GetStr(r, "requested_by_name");
        g.requested_at = db::GetInt(r, "requested_at");
        g.state = db::GetStr(r, "state");
        g.decided_by = db::GetInt(r, "decided_by");
        g.decided_by_name = db::GetStr(r, "decided_by_name");
        g.decided_at = db::GetInt(r, "decided_at");
        out.push_back(std::move(g));
      }
      return absl::OkStatus();
    });
  }

  static void InsertRequest(soci::session& s, const GrantRequest& r) {
    long long id = r.id, acc = r.account_id, unit = r.unit.id, school = r.unit.school_id, by = r.requested_by,
              at = r.requested_at;
    soci::indicator ischool = school ? soci::i_ok : soci::i_null;
    s << "INSERT INTO role_grant_requests (id, school_id, account_id, role, org_unit_id, requested_by, "
         "requested_at, state) VALUES (:i, :s, :a, :r, :u, :b, :t, 'pending')",
        soci::use(id), soci::use(school, ischool), soci::use(acc), soci::use(r.role), soci::use(unit), soci::use(by),
        soci::use(at);
  }

  static absl::Status InsertGrant(soci::session& s, const RoleGrant& g, int64_t granted_by, int64_t now) {
    long long id = g.id, acc = g.account_id, unit = g.unit_id, sid = g.school_id, by = granted_by, t = now;
    soci::indicator isid = sid ? soci::i_ok : soci::i_null;
    soci::indicator iby = by ? soci::i_ok : soci::i_null;
    s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, granted_by, "
         "created_at) VALUES (:id, :a, :r, :u, :s, :b, :t)",
        soci::use(id), soci::use(acc), soci::use(g.role), soci::use(unit), soci::use(sid, isid), soci::use(by, iby),
        soci::use(t);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Account>> FindOne(const std::string& sql, std::string key) {
    std::optional<Account> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(key));
      for (const auto& r : rows) out = ReadAccount(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<int64_t>> Ids(const char* sql, int64_t key) {
    std::vector<int64_t> out;
    XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(key)},
                                 [&](const soci::row& r) { out.push_back(db::GetInt(r, std::size_t{0})); }));
    return out;
  }

  db::Database& db_;
};

}  // namespace

std::unique_ptr<AuthStore> NewSqlAuthStore(db::Database& db) { return std::make_unique<SqlAuthStore>(db); }

}  // namespace xq::auth
