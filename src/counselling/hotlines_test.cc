#include "counselling/hotlines.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/json.h"
#include "gtest/gtest.h"

namespace xq::counselling {
namespace {

TEST(Hotlines, CityLinesAlwaysFirstThenAncestors) {
  auto path = (std::filesystem::temp_directory_path() / ("xq_hot_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  auto db = db::Database::Open("sqlite:" + path).value();
  ASSERT_TRUE(db::Migrate(*db).ok());
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'c', '/1/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, path, created_at) VALUES (2, 1, 'district', "
                       "'d', '/1/2/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, path, created_at) VALUES (3, 1, 'district', "
                       "'e', '/1/3/', 0)";
                  s << "INSERT INTO hotlines (id, org_unit_id, name, number, hours, created_at) VALUES (10, 2, "
                       "'和平区心理热线', '022-1', '', 0)";
                  s << "INSERT INTO hotlines (id, org_unit_id, name, number, hours, created_at) VALUES (11, 3, "
                       "'河西区心理热线', '022-2', '', 0)";
                  return absl::OkStatus();
                }).ok());
  HotlineService svc(*db);
  auto none = svc.ForUnits({}).value();
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0].number, "4001060525");
  EXPECT_EQ(none[1].number, "4000716515");
  auto mine = svc.ForUnits({"/1/2/"}).value();
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[2].number, "022-1");
  EXPECT_EQ(mine[2].scope, "district");

  // The table is held in memory until it is older than refresh_after.
  HotlineService fresh(*db, std::chrono::seconds(0));
  ASSERT_EQ(fresh.ForUnits({"/1/2/"}).value().size(), 3u);
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "INSERT INTO hotlines (id, org_unit_id, name, number, hours, created_at) VALUES (12, 2, "
                       "'区第二热线', '022-3', '', 0)";
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(svc.ForUnits({"/1/2/"}).value().size(), 3u);  // within a minute: as loaded
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto now = fresh.ForUnits({"/1/2/", "/1/3/"}).value();
  ASSERT_EQ(now.size(), 5u);
  EXPECT_EQ(now[2].number, "022-3");  // unit 2 first, by name within a unit
  EXPECT_EQ(now[3].number, "022-1");
  EXPECT_EQ(now[4].number, "022-2");

  // One unit's lines, shared until the table is read again, with their JSON.
  auto unit = fresh.ForUnit("/1/3/").value();
  ASSERT_EQ(unit->lines.size(), 3u);
  EXPECT_EQ(unit->lines[2].number, "022-2");
  Json items = Json::parse(unit->json);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2], Json({{"name", "河西区心理热线"}, {"number", "022-2"}, {"scope", "district"}, {"hours", ""}}));
  EXPECT_EQ(unit->json, items.dump());
  EXPECT_EQ(svc.ForUnit("/1/3/").value(), svc.ForUnit("/1/3/").value()) << "held while the table is";
  db.reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace xq::counselling
