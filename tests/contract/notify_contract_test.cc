// Contract of NotifyStore and its session helpers on every backend: channel
// settings written over and read back whole (recipients by role), none kept
// when the audit entry fails, the unit whose channels tell an account (the
// notice's school first, then the account's grants deepest first and their
// ancestors), the roles an account holds, and what was sent.
#include "contract/fixture.h"
#include "core/status.h"
#include "notify/notify_store.h"

namespace xq::testing {
namespace {

constexpr int64_t kNow = 1'790'000'000'000'000;

// City 100, district 101, school 1 with class 2, school 3; account 9 heads
// class 2 and teaches psychology at school 1; account 10 is the district's
// crisis group.
void Seed(db::Database& db) {
  ASSERT_TRUE(
      db.InTransaction([](soci::session& s) -> absl::Status {
          InsertRows(
              s, "org_units (id, parent_id, kind, name, school_id, path, created_at)",
              {"(100, NULL, 'city', '天津市', 0, '/100/', 0)", "(101, 100, 'district', '和平区', 0, '/100/101/', 0)",
               "(1, 101, 'school', '一中', 1, '/100/101/1/', 0)", "(2, 1, 'class', '1班', 1, '/100/101/1/2/', 0)",
               "(3, 101, 'school', '二中', 3, '/100/101/3/', 0)"});
          InsertRows(s, "accounts (id, username, password_hash, display_name, person_type, created_at, updated_at)",
                     {"(9, 'psych', 'x', '蔡老师', 'staff', 0, 0)", "(10, 'crisis', 'x', '赵老师', 'staff', 0, 0)"});
          InsertRows(s, "role_assignments (id, account_id, role, org_unit_id, school_id, created_at)",
                     {"(1, 9, 'head_teacher', 2, 1, 0)", "(2, 9, 'psych_staff', 1, 1, 0)",
                      "(3, 10, 'crisis_group', 101, NULL, 0)"});
          return absl::OkStatus();
        }).ok());
}

notify::ChannelSettings At(int64_t unit, int64_t school, const std::string& hook) {
  notify::ChannelSettings c;
  c.unit_id = unit;
  c.school_id = school;
  c.site_url = "http://xinqiao.school.local";
  c.webhook_url = hook;
  c.smtp_host = "127.0.0.1";
  c.smtp_port = 2525;
  c.smtp_from = "xinqiao@school.local";
  c.recipients = {{"psych_staff", {"centre@school.local", "duty@school.local"}}, {"school_leader", {}}};
  c.updated_at = kNow;
  c.updated_by = 9;
  return c;
}

TEST_P(ContractTest, NotifySettingsRoundTripAndTheUnitThatTellsAnAccount) {
  Seed(Db());
  auto store = notify::NewSociNotifyStore(Db());
  auto unit = store->Unit(1);
  ASSERT_TRUE(unit.ok() && unit->has_value()) << unit.status();
  EXPECT_EQ((*unit)->kind, "school");
  EXPECT_EQ((*unit)->path, "/100/101/1/");
  EXPECT_FALSE(store->Unit(99)->has_value());
  EXPECT_FALSE(store->Settings(1)->has_value());

  ASSERT_TRUE(store->PutSettings(At(1, 1, "http://127.0.0.1:9/robot?key=a"), kNothingElse).ok());
  auto failing = At(1, 1, "http://127.0.0.1:9/robot?key=b");
  EXPECT_FALSE(store->PutSettings(failing, [](soci::session&) { return Internal("audit unavailable"); }).ok());
  auto read = store->Settings(1);
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status();
  EXPECT_EQ((*read)->webhook_url, "http://127.0.0.1:9/robot?key=a");  // the refused write left nothing
  EXPECT_EQ((*read)->smtp_port, 2525);
  EXPECT_EQ((*read)->recipients.at("psych_staff"),
            (std::vector<std::string>{"centre@school.local", "duty@school.local"}));
  auto over = At(1, 1, "");
  over.recipients = {{"school_leader", {"leader@school.local"}}};
  ASSERT_TRUE(store->PutSettings(over, kNothingElse).ok());
  read = store->Settings(1);
  EXPECT_EQ((*read)->webhook_url, "");
  EXPECT_FALSE((*read)->recipients.contains("psych_staff"));  // written over, not merged

  auto& db = Db();
  // The notice's school first; a school without channels: the account's
  // grants, deepest first, then their ancestors.
  auto by_school = On(db, [](soci::session& s) { return notify::ChannelsForAccount(s, 9, 1); });
  ASSERT_TRUE(by_school.has_value());
  EXPECT_EQ(by_school->unit_id, 1);
  EXPECT_FALSE(On(db, [](soci::session& s) { return notify::ChannelsForAccount(s, 10, 3); }).has_value());
  ASSERT_TRUE(store->PutSettings(At(101, 0, "http://127.0.0.1:9/district"), kNothingElse).ok());
  auto district = On(db, [](soci::session& s) { return notify::ChannelsForAccount(s, 10, 3); });
  ASSERT_TRUE(district.has_value());
  EXPECT_EQ(district->unit_id, 101);
  auto own = On(db, [](soci::session& s) { return notify::ChannelsForAccount(s, 9, 0); });
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->unit_id, 1);  // class 2 has none: its school's
  EXPECT_EQ(On(db, [](soci::session& s) { return notify::RolesOf(s, 9); }),
            (std::vector<std::string>{"head_teacher", "psych_staff"}));
  EXPECT_EQ(On(db, [](soci::session& s) { return notify::UnreadUrgent(s, 9); }), 0);

  ASSERT_TRUE(db.InTransaction([&](soci::session& s) {
                  notify::RecordSent(s, *own, "webhook", 9, 0, 1, kNow);
                  notify::RecordSent(s, *own, "smtp", 9, 0, 1, kNow);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(On(db,
               [](soci::session& s) {
                 long long n = 0;
                 s << "SELECT COUNT(*) FROM notify_sent WHERE account_id = 9 AND unit_id = 1", soci::into(n);
                 return n;
               }),
            2);
}

}  // namespace
}  // namespace xq::testing
