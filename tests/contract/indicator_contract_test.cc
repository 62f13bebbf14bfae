// Contract of IndicatorStore on every backend: the units that take part,
// facts written over and read back, values built from deltas (numerator,
// denominator and contributing units summed in the database), the league
// table's values of many units, the years with values, a year cleared for a
// recompute, and sign-offs with their frozen snapshot and steps.
#include <map>

#include "contract/fixture.h"
#include "indicators/indicator_store.h"

namespace xq::testing {
namespace {

constexpr int64_t kNow = 1'790'000'000'000'000;

// City 100 with district 101 and its schools 1 and 2, and a university 5
// directly under the city.
void Seed(db::Database& db) {
  ASSERT_TRUE(
      db.InTransaction([](soci::session& s) -> absl::Status {
          InsertRows(
              s, "org_units (id, parent_id, kind, name, school_id, path, created_at)",
              {"(100, NULL, 'city', '天津市', 0, '/100/', 0)", "(101, 100, 'district', '和平区', 0, '/100/101/', 0)",
               "(1, 101, 'school', '一中', 1, '/100/101/1/', 0)", "(2, 101, 'school', '二中', 2, '/100/101/2/', 0)",
               "(3, 1, 'class', '1班', 1, '/100/101/1/3/', 0)", "(5, 100, 'school', '大学', 5, '/100/5/', 0)"});
          s << "UPDATE org_units SET district_id = 101 WHERE id IN (1, 2, 3)";
          return absl::OkStatus();
        }).ok());
}

const indicators::Value* Find(const std::vector<indicators::Value>& v, const std::string& id) {
  for (const auto& x : v)
    if (x.indicator_id == id) return &x;
  return nullptr;
}

TEST_P(ContractTest, IndicatorUnitsFactsAndValuesFromDeltas) {
  Seed(Db());
  auto store = indicators::NewSociIndicatorStore();
  auto& db = Db();
  auto city = On(db, [&](soci::session& s) { return store->Unit(s, 100); });
  ASSERT_TRUE(city.ok() && city->has_value()) << city.status();
  EXPECT_EQ((*city)->kind, "city");
  auto school = On(db, [&](soci::session& s) { return store->Unit(s, 1); });
  ASSERT_TRUE(school.ok() && school->has_value());
  EXPECT_EQ((*school)->district_id, 101);
  EXPECT_EQ((*school)->parent_id, 101);
  auto kids = On(db, [&](soci::session& s) { return store->Children(s, 100); });
  ASSERT_TRUE(kids.ok()) << kids.status();
  ASSERT_EQ(kids->size(), 2u);  // the district and the university, not the class
  auto schools = On(db, [&](soci::session& s) { return store->UnitsUnder(s, "/100/", true, 0, 10); });
  ASSERT_TRUE(schools.ok());
  ASSERT_EQ(schools->size(), 3u);
  EXPECT_EQ((*schools)[0].id, 1);
  auto next = On(db, [&](soci::session& s) { return store->UnitsUnder(s, "/100/", true, 1, 1); });
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, 2);

  // Facts are written over, per unit and year.
  const indicators::Facts f1 = {{"students", 1200}, {"psych_teachers", 2}};
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) { return store->WriteFacts(s, 1, 1, 2026, f1, kNow); }).ok());
  const indicators::Facts f2 = {{"students", 1250}, {"psych_teachers", 3}};
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) { return store->WriteFacts(s, 1, 1, 2026, f2, kNow + 1); }).ok());
  auto facts = On(db, [&](soci::session& s) { return store->ReadFacts(s, 1, 2026); });
  ASSERT_TRUE(facts.ok()) << facts.status();
  EXPECT_EQ(facts->at("students"), 1250);
  EXPECT_EQ(facts->at("psych_teachers"), 3);
  EXPECT_TRUE(On(db, [&](soci::session& s) { return store->ReadFacts(s, 1, 2025); })->empty());

  // Values are sums of deltas, fractions kept.
  auto add = [&](int64_t unit, int64_t school_id, int year, const char* id, double dn, double dd, int64_t du) {
    ASSERT_TRUE(db.InTransaction([&](soci::session& s) {
                    return store->AddValue(s, unit, school_id, year, id, dn, dd, du, kNow);
                  }).ok());
  };
  add(1, 1, 2026, "screening_coverage", 600.5, 1200, 1);
  add(1, 1, 2026, "screening_coverage", 599.5, 50, 0);
  add(1, 1, 2026, "psych_ratio", 3, 1250, 1);
  add(2, 2, 2026, "screening_coverage", 10, 20, 1);
  add(101, 0, 2026, "screening_coverage", 1210, 1270, 2);
  add(1, 1, 2025, "screening_coverage", 1, 2, 1);
  auto values = On(db, [&](soci::session& s) { return store->Values(s, 1, 2026); });
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 2u);
  const auto* cov = Find(*values, "screening_coverage");
  ASSERT_NE(cov, nullptr);
  EXPECT_DOUBLE_EQ(cov->num, 1200);
  EXPECT_DOUBLE_EQ(cov->den, 1250);
  EXPECT_EQ(cov->units, 1);
  auto many = On(db, [&](soci::session& s) { return store->ValuesOf(s, {1, 2, 5}, 2026); });
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->at(1).size(), 2u);
  EXPECT_EQ(many->at(2).size(), 1u);
  EXPECT_FALSE(many->contains(5));  // no data is no row
  auto years = On(db, [&](soci::session& s) { return store->Years(s, 1); });
  ASSERT_TRUE(years.ok());
  EXPECT_EQ(*years, (std::vector<int>{2025, 2026}));

  // A recompute clears one year and keeps the others.
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) { return store->ClearYear(s, 2026); }).ok());
  EXPECT_TRUE(On(db, [&](soci::session& s) { return store->AllValues(s, 2026); })->empty());
  EXPECT_TRUE(On(db, [&](soci::session& s) { return store->ReadFacts(s, 1, 2026); })->empty());
  EXPECT_EQ(On(db, [&](soci::session& s) { return store->AllValues(s, 2025); })->size(), 1u);
}

// Refresh marks: one per unit and year, its first time kept and its
// version bumped by a later mark; oldest first; settled only at the version
// read, else it waits again.
TEST_P(ContractTest, IndicatorRefreshMarksKeepTheirFirstTimeAndVersion) {
  Seed(Db());
  auto store = indicators::NewSociIndicatorStore();
  auto& db = Db();
  auto mark = [&](int64_t unit, int64_t school, int year, int64_t at) {
    ASSERT_TRUE(db.InTransaction([&](soci::session& s) { return store->Mark(s, unit, school, year, at, false); }).ok());
  };
  auto marked = [&](int64_t before) {
    auto m = On(db, [&](soci::session& s) { return store->Marked(s, before, 10); });
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : std::vector<indicators::RefreshMark>{};
  };
  mark(2, 2, 2026, kNow + 10);
  mark(1, 1, 2026, kNow + 20);
  mark(2, 2, 2026, kNow + 30);  // again: keeps kNow + 10, version 2
  mark(101, 0, 2026, kNow + 40);
  mark(1, 1, 2025, kNow + 50);
  auto all = marked(kNow + 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].unit_id, 2);
  EXPECT_EQ(all[0].school_id, 2);
  EXPECT_EQ(all[0].year, 2026);
  EXPECT_EQ(all[0].marked_at, kNow + 10);
  EXPECT_EQ(all[0].version, 2);
  EXPECT_EQ(all[1].unit_id, 1);
  EXPECT_EQ(all[1].version, 1);
  EXPECT_EQ(all[2].school_id, 0);
  EXPECT_EQ(all[3].year, 2025);
  EXPECT_EQ(marked(kNow + 20).size(), 2u);  // made at or before
  EXPECT_TRUE(marked(kNow + 9).empty());
  auto lim = On(db, [&](soci::session& s) { return store->Marked(s, kNow + 100, 1); });
  ASSERT_TRUE(lim.ok());
  EXPECT_EQ(lim->size(), 1u);

  // The hourly catch-up marks every school, district and the city (not the
  // class), bumping the marks already there.
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) { return store->MarkAll(s, 2026, kNow + 55); }).ok());
  std::map<int64_t, indicators::RefreshMark> by_unit;
  for (const auto& m : marked(kNow + 100))
    if (m.year == 2026) by_unit[m.unit_id] = m;
  std::vector<int64_t> units;
  for (const auto& [unit, m] : by_unit) units.push_back(unit);
  EXPECT_EQ(units, (std::vector<int64_t>{1, 2, 5, 100, 101}));
  EXPECT_EQ(by_unit.at(100).school_id, 0);        // the city
  EXPECT_EQ(by_unit.at(101).school_id, 0);        // the district
  EXPECT_EQ(by_unit.at(5).school_id, 5);          // a university under the city
  EXPECT_EQ(by_unit.at(5).marked_at, kNow + 55);  // new: waits from now
  EXPECT_EQ(by_unit.at(5).version, 1);
  EXPECT_EQ(by_unit.at(1).marked_at, kNow + 20);  // kept
  EXPECT_EQ(by_unit.at(1).version, 2);
  EXPECT_EQ(by_unit.at(2).version, 3);
  // Back as before, for what follows.
  ASSERT_TRUE(db.Run([&](soci::session& s) {
                  long long t = kNow + 55;
                  s << "DELETE FROM indicator_refresh_marks WHERE marked_at = :t", soci::use(t);
                  s << "UPDATE indicator_refresh_marks SET version = version - 1 WHERE school_year = 2026";
                  return absl::OkStatus();
                }).ok());

  // Settled at an older version: the mark stays and waits from now.
  auto settled = On(db, [&](soci::session& s) {
    return store->Unmark(s, {.unit_id = 2, .school_id = 2, .year = 2026, .marked_at = kNow + 10, .version = 1},
                         kNow + 60);
  });
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_FALSE(*settled);
  all = marked(kNow + 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().unit_id, 2);
  EXPECT_EQ(all.back().marked_at, kNow + 60);
  // At its version: gone; the same unit's other year stays.
  settled = On(db, [&](soci::session& s) {
    return store->Unmark(s, {.unit_id = 1, .school_id = 1, .year = 2026, .marked_at = kNow + 20, .version = 1},
                         kNow + 70);
  });
  ASSERT_TRUE(settled.ok());
  EXPECT_TRUE(*settled);
  all = marked(kNow + 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].unit_id, 101);
  EXPECT_EQ(all[1].unit_id, 1);
  EXPECT_EQ(all[1].year, 2025);

  // A prompt mark is due before any other, new or over a waiting one; a
  // later waiting mark leaves it prompt.
  auto prompt = [&](int64_t unit, int64_t school) {
    ASSERT_TRUE(
        db.InTransaction([&](soci::session& s) { return store->Mark(s, unit, school, 2026, kNow + 80, true); }).ok());
  };
  prompt(5, 5);
  prompt(101, 0);
  mark(101, 0, 2026, kNow + 90);
  all = marked(kNow - 1'000'000);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].marked_at, indicators::RefreshMark::kPrompt);
  EXPECT_EQ(all[1].marked_at, indicators::RefreshMark::kPrompt);
  std::map<int64_t, indicators::RefreshMark> prompt_marks;
  for (const auto& m : all) prompt_marks[m.unit_id] = m;
  EXPECT_EQ(prompt_marks.at(101).version, 3);  // its first mark, the prompt one, the waiting one
  // Settled at an older version, a prompt mark stays prompt.
  indicators::RefreshMark read = prompt_marks.at(101);
  read.version -= 1;
  settled = On(db, [&](soci::session& s) { return store->Unmark(s, read, kNow + 95); });
  ASSERT_TRUE(settled.ok());
  EXPECT_FALSE(*settled);
  EXPECT_EQ(marked(kNow - 1'000'000).size(), 2u);
  // A waiting mark read before a prompt one came stays prompt too.
  mark(2, 2, 2026, kNow + 96);
  const indicators::RefreshMark waiting = marked(kNow + 100).back();
  ASSERT_EQ(waiting.unit_id, 2);
  prompt(2, 2);
  settled = On(db, [&](soci::session& s) { return store->Unmark(s, waiting, kNow + 97); });
  ASSERT_TRUE(settled.ok());
  EXPECT_FALSE(*settled);
  EXPECT_EQ(marked(kNow - 1'000'000).size(), 3u);
}

TEST_P(ContractTest, IndicatorSignOffsKeepTheirSnapshotAndSteps) {
  Seed(Db());
  auto store = indicators::NewSociIndicatorStore();
  auto& db = Db();
  indicators::SignOff so;
  so.id = 900;
  so.school_id = 1;
  so.school_year = 2026;
  so.snapshot = {{"screening_coverage", 1199.5, 1250, 1}, {"psych_ratio", 3, 1250, 1}};
  so.submitted_by = 9;
  so.submitted_at = kNow;
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) {
                  return store->SaveSignOff(s, so, {"submit", 9, "school_leader", "", kNow});
                }).ok());
  so.state = indicators::SignOffState::kReturned;
  so.comment = "心理教师人数请核对";
  so.reviewed_by = 10;
  so.reviewed_at = kNow + 1;
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) {
                  return store->SaveSignOff(s, so, {"return", 10, "district_admin", so.comment, kNow + 1});
                }).ok());
  auto got = On(db, [&](soci::session& s) { return store->SignOffOf(s, 1, 2026); });
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->id, 900);
  EXPECT_EQ((*got)->state, indicators::SignOffState::kReturned);
  EXPECT_EQ((*got)->comment, "心理教师人数请核对");
  ASSERT_EQ((*got)->snapshot.size(), 2u);
  const auto* cov = Find((*got)->snapshot, "screening_coverage");
  ASSERT_NE(cov, nullptr);
  EXPECT_DOUBLE_EQ(cov->num, 1199.5);  // frozen as submitted
  ASSERT_EQ((*got)->steps.size(), 2u);
  EXPECT_EQ((*got)->steps[0].step, "submit");
  EXPECT_EQ((*got)->steps[1].step, "return");
  EXPECT_EQ((*got)->steps[1].actor_role, "district_admin");
  EXPECT_TRUE(On(db, [&](soci::session& s) { return store->SignOffById(s, 900); })->has_value());
  EXPECT_FALSE(On(db, [&](soci::session& s) { return store->SignOffOf(s, 2, 2026); })->has_value());
  EXPECT_EQ(On(db, [&](soci::session& s) { return store->SignOffsUnder(s, "/100/101/", 2026); })->size(), 1u);
  EXPECT_EQ(On(db, [&](soci::session& s) { return store->SignOffsUnder(s, "/100/5/", 2026); })->size(), 0u);
  EXPECT_EQ(On(db, [&](soci::session& s) { return store->SignOffsUnder(s, "/100/", 2025); })->size(), 0u);

  // The snapshot's text form round-trips; bad text is refused.
  auto back = indicators::DecodeSnapshot(indicators::EncodeSnapshot(so.snapshot));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_FALSE(indicators::DecodeSnapshot("not a snapshot").ok());
}

}  // namespace
}  // namespace xq::testing
