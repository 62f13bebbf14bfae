// AuthStore and AuditLog contract on every backend.
#include "audit/audit.h"
#include "auth/auth_store.h"
#include "contract/fixture.h"
#include "core/clock.h"
#include "core/ids.h"
#include "notice/notice_store.h"

#include <algorithm>

namespace xq::testing {
namespace {

void Exec(db::Database& db, const std::string& sql) {
  ASSERT_TRUE(db.Run([&](soci::session& s) {
                  s << sql;
                  return absl::OkStatus();
                }).ok())
      << sql;
}

void SeedUnits(db::Database& db) {
  Exec(db, "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', '天津市', '/1/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES (2, 1, 'school', '一中', "
       "2, '/1/2/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES (3, 1, 'school', '二中', "
       "3, '/1/3/', 0)");
}

auth::Account NewAccount(const std::string& username) {
  auth::Account a;
  a.id = NewId();
  a.username = username;
  a.password_hash = "$argon2id$fake";
  a.display_name = username + " 老师";
  a.person_type = "staff";
  return a;
}

TEST_P(ContractTest, AuthStoreAccountsGrantsSessions) {
  SeedUnits(Db());
  auto store = auth::NewSqlAuthStore(Db());
  auto a = NewAccount("alice");
  auth::RoleGrant g{NewId(), a.id, "head_teacher", 2, "", "", "", 2};
  ASSERT_TRUE(store->CreateAccount(a, {g}, 5).ok());
  EXPECT_EQ(store->CreateAccount(a, {}, 5).code(), absl::StatusCode::kAlreadyExists);
  auto b = NewAccount("bob");
  ASSERT_TRUE(store->CreateAccount(b, {auth::RoleGrant{NewId(), b.id, "psych_staff", 3, "", "", "", 3}}, 5).ok());

  auto found = store->FindAccountByUsername("alice").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->display_name, "alice 老师");
  EXPECT_FALSE(store->FindAccountByUsername("alice' OR '1'='1").value());

  auto grants = store->GrantsOf(a.id).value();
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].unit_path, "/1/2/");
  EXPECT_EQ(grants[0].unit_name, "一中");
  EXPECT_EQ(store->AddGrant(g, 0, 6).code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(store->SetLoginFailures(a.id, 3, 99).ok());
  EXPECT_EQ(store->FindAccount(a.id).value()->failed_logins, 3);
  EXPECT_EQ(store->FindAccount(a.id).value()->locked_until, 99);

  auth::Session s{"hash1", a.id, "csrf", 10, 10};
  ASSERT_TRUE(store->CreateSession(s).ok());
  ASSERT_TRUE(store->CreateSession(auth::Session{"hash2", a.id, "csrf2", 10, 10}).ok());
  ASSERT_TRUE(store->TouchSessions({{"hash1", 20}, {"gone", 21}, {"hash2", 22}}).ok());
  EXPECT_EQ(store->FindSession("hash1").value()->last_seen_at, 20);
  EXPECT_EQ(store->FindSession("hash2").value()->last_seen_at, 22);
  ASSERT_TRUE(store->TouchSessions({}).ok());

  // A request's session, account and grants in one read; grants in id order.
  auth::RoleGrant g2{g.id + 1, a.id, "psych_staff", 3, "", "", "", 3};
  ASSERT_TRUE(store->AddGrant(g2, 0, 7).ok());
  auto in = store->FindSignedIn("hash1").value();
  ASSERT_TRUE(in);
  EXPECT_EQ(in->session.account_id, a.id);
  EXPECT_EQ(in->session.csrf_token, "csrf");
  EXPECT_EQ(in->session.last_seen_at, 20);
  EXPECT_EQ(in->account.username, "alice");
  EXPECT_EQ(in->account.failed_logins, 3);
  ASSERT_EQ(in->grants.size(), 2u);
  EXPECT_EQ(in->grants[0].role, "head_teacher");
  EXPECT_EQ(in->grants[0].unit_path, "/1/2/");
  EXPECT_EQ(in->grants[1].role, "psych_staff");
  EXPECT_EQ(in->grants[1].unit_name, "二中");
  EXPECT_EQ(in->grants[1].school_id, 3);
  EXPECT_FALSE(store->FindSignedIn("no such hash").value());
  auto c = NewAccount("carol");  // no grant: the session still resolves
  ASSERT_TRUE(store->CreateAccount(c, {}, 5).ok());
  ASSERT_TRUE(store->CreateSession(auth::Session{"hash3", c.id, "csrf3", 10, 10}).ok());
  auto bare = store->FindSignedIn("hash3").value();
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->account.username, "carol");
  EXPECT_TRUE(bare->grants.empty());
  ASSERT_TRUE(store->RemoveGrant(g2.id).ok());
  EXPECT_EQ(store->FindSignedIn("hash1").value()->grants.size(), 1u);  // prepared, yet fresh
  ASSERT_TRUE(store->DeleteSessionsOf(a.id, "hash1").ok());
  EXPECT_TRUE(store->FindSession("hash1").value());
  EXPECT_FALSE(store->FindSession("hash2").value());

  // Listing is limited to the scope and pages by username.
  auto all = store->ListAccounts({"/1/"}, "", "", 1).value();
  EXPECT_EQ(all.total, 2);
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].account.username, "alice");
  EXPECT_TRUE(all.items[0].account.password_hash.empty());
  auto next = store->ListAccounts({"/1/"}, "", all.next, 1).value();
  ASSERT_EQ(next.items.size(), 1u);
  EXPECT_EQ(next.items[0].account.username, "bob");
  EXPECT_TRUE(next.next.empty());
  EXPECT_EQ(store->ListAccounts({"/1/3/"}, "", "", 10).value().total, 1);
  EXPECT_EQ(store->ListAccounts({"/1/2/", "/1/3/"}, "bo", "", 10).value().total, 1);
  EXPECT_EQ(store->ListAccounts({"/1/"}, "%", "", 10).value().total, 0);  // wildcards match literally
  EXPECT_EQ(store->ListAccounts({}, "", "", 10).value().total, 0);
}

TEST_P(ContractTest, AuthStoreGrantRequestsAndNotices) {
  SeedUnits(Db());
  auto store = auth::NewSqlAuthStore(Db());
  auto admin = NewAccount("admin");
  ASSERT_TRUE(
      store->CreateAccount(admin, {auth::RoleGrant{NewId(), admin.id, "school_data_admin", 2, "", "", "", 2}}, 5).ok());
  auto psych = NewAccount("psych");
  ASSERT_TRUE(
      store->CreateAccount(psych, {auth::RoleGrant{NewId(), psych.id, "psych_staff", 2, "", "", "", 2}}, 5).ok());
  auto other_psych = NewAccount("psych3");
  ASSERT_TRUE(
      store->CreateAccount(other_psych, {auth::RoleGrant{NewId(), other_psych.id, "psych_staff", 3, "", "", "", 3}}, 5)
          .ok());
  auto auditor = NewAccount("auditor");
  ASSERT_TRUE(
      store->CreateAccount(auditor, {auth::RoleGrant{NewId(), auditor.id, "auditor", 1, "", "", "", 0}}, 5).ok());
  auto t = NewAccount("teacher");  // only a pending grant: still listed in scope
  ASSERT_TRUE(store->CreateAccount(t, {}, 5).ok());

  // Told of a grant at school 2: its psychology staff and the city's auditor.
  auto to = store->AccountsToTell(2, "/1/2/").value();
  std::sort(to.begin(), to.end());
  std::vector<int64_t> want = {psych.id, auditor.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(to, want);

  auth::GrantRequest r;
  r.id = NewId();
  r.account_id = t.id;
  r.role = "psych_staff";
  r.unit = auth::UnitRef{2, "一中", "school", "/1/2/", 2};
  r.requested_by = admin.id;
  r.requested_at = 100;
  notice::Notice n;
  n.account_id = psych.id;
  n.school_id = 2;
  n.kind = "grant_requested";
  n.actor_id = admin.id;
  n.actor_name = "admin 老师";
  n.params = {{"role", "psych_staff"}, {"account", "teacher 老师"}};
  ASSERT_TRUE(store->CreateGrantRequest(r, {n}).ok());
  auth::GrantRequest dup = r;
  dup.id = NewId();
  EXPECT_EQ(store->CreateGrantRequest(dup, {}).code(), absl::StatusCode::kAlreadyExists)
      << "one open request per grant";

  auto found = store->FindGrantRequest(r.id).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, "pending");
  EXPECT_EQ(found->account_username, "teacher");
  EXPECT_EQ(found->requested_by_name, "admin 老师");
  EXPECT_EQ(found->unit.path, "/1/2/");
  EXPECT_EQ(store->GrantRequests({"/1/2/"}, "pending", 10).value().size(), 1u);
  EXPECT_EQ(store->GrantRequests({"/1/3/"}, "", 10).value().size(), 0u);
  EXPECT_EQ(store->PendingRequestsOf(t.id).value().size(), 1u);
  auto listed = store->ListAccounts({"/1/2/"}, "teach", "", 10).value();
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].pending.size(), 1u);
  EXPECT_TRUE(store->GrantsOf(t.id).value().empty()) << "no effect while pending";

  ASSERT_TRUE(store->DecideGrantRequest(r.id, true, psych.id, 200, {}).ok());
  EXPECT_EQ(store->DecideGrantRequest(r.id, false, psych.id, 201, {}).code(), absl::StatusCode::kAlreadyExists);
  auto grants = store->GrantsOf(t.id).value();
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].role, "psych_staff");
  EXPECT_EQ(grants[0].school_id, 2);
  EXPECT_EQ(store->FindGrantRequest(r.id).value()->state, "approved");
  EXPECT_TRUE(store->PendingRequestsOf(t.id).value().empty());
  // Approved, a new request for the same grant may be made again (and would conflict on approval).
  EXPECT_TRUE(store->CreateGrantRequest(dup, {}).ok());

  auto notices = notice::NewSqlNoticeStore(Db());
  auto page = notices->List(psych.id, true, 10).value();
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.unread, 1);
  EXPECT_EQ(page.items[0].kind, "grant_requested");
  EXPECT_EQ(page.items[0].params.at("account"), "teacher 老师");
  EXPECT_EQ(page.items[0].created_at, 100);
  EXPECT_FALSE(notices->MarkRead(t.id, page.items[0].id, 300).value()) << "only the recipient's own";
  EXPECT_TRUE(notices->MarkRead(psych.id, page.items[0].id, 300).value());
  EXPECT_EQ(notices->List(psych.id, true, 10).value().items.size(), 0u);
  EXPECT_EQ(notices->List(psych.id, false, 10).value().items[0].read_at, 300);

  // A reset ends every session and tells the holder.
  ASSERT_TRUE(store->CreateSession(auth::Session{"h1", t.id, "c", 10, 10}).ok());
  notice::Notice reset;
  reset.account_id = t.id;
  reset.kind = "password_reset";
  reset.actor_name = "admin 老师";
  ASSERT_TRUE(store->ResetPassword(t.id, "$argon2id$new", 400, {reset}).ok());
  EXPECT_FALSE(store->FindSession("h1").value());
  auto acc = store->FindAccount(t.id).value();
  EXPECT_TRUE(acc->must_change_password);
  EXPECT_EQ(acc->password_hash, "$argon2id$new");
  EXPECT_EQ(notices->List(t.id, true, 10).value().items.at(0).kind, "password_reset");
}

TEST_P(ContractTest, AuditChainOnBackend) {
  FakeClock clock;
  audit::AuditLog log(Db(), clock);
  for (int i = 0; i < 3; ++i) {
    audit::Event e;
    e.action = "login";
    e.actor_id = i + 1;
    ASSERT_TRUE(log.Record(e).ok());
  }
  auto r = log.Verify().value();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 3);
  Exec(Db(), "UPDATE audit_log SET detail = 'x' WHERE seq = 2");
  r = log.Verify().value();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
}

}  // namespace
}  // namespace xq::testing
