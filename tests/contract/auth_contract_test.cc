// AuthStore and AuditLog contract on every backend.
#include "audit/audit.h"
#include "auth/auth_store.h"
#include "contract/fixture.h"
#include "core/clock.h"
#include "core/ids.h"

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
  Exec(db, "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES (2, 1, 'school', '一中', 2, '/1/2/', 0)");
  Exec(db, "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES (3, 1, 'school', '二中', 3, '/1/3/', 0)");
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
