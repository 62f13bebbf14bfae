// Every declared indicator against a hand-computed fixture (boundaries,
// empty denominators, a school with no students of a cohort, a stage the
// indicator does not cover), kept incrementally from events and rebuilt by
// Recompute: both must agree.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "db/migrations.h"
#include "gtest/gtest.h"
#include "indicators/definitions.h"
#include "indicators/engine.h"
#include "indicators/indicator_store.h"

namespace xq::indicators {
namespace {

constexpr int kYear = 2026;

class IndicatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("xq_indicators_" + RandomHex(6) + ".db");
    db_ = db::Database::Open("sqlite:" + path_.string()).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(db_->InTransaction([](soci::session& s) {
                     auto unit = [&](long long id, long long parent, const char* kind, const char* name,
                                     const char* school_kind, long long district, const char* path) {
                       soci::indicator ip = parent ? soci::i_ok : soci::i_null;
                       soci::indicator isk = *school_kind ? soci::i_ok : soci::i_null;
                       soci::indicator id_ = district ? soci::i_ok : soci::i_null;
                       long long school = std::string(kind) == "school" ? id : 0;
                       soci::indicator isc = school ? soci::i_ok : soci::i_null;
                       std::string sk = school_kind;
                       s << "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, district_id, "
                            "path, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, 0)",
                           soci::use(id), soci::use(parent, ip), soci::use(std::string(kind)),
                           soci::use(std::string(name)), soci::use(sk, isk), soci::use(school, isc),
                           soci::use(district, id_), soci::use(std::string(path));
                     };
                     unit(1, 0, "city", "市", "", 0, "/1/");
                     unit(2, 1, "district", "甲区", "", 2, "/1/2/");
                     unit(3, 1, "district", "乙区", "", 3, "/1/3/");
                     unit(10, 2, "school", "甲区小学", "primary", 2, "/1/2/10/");
                     unit(11, 2, "school", "甲区初中", "junior", 2, "/1/2/11/");
                     unit(12, 3, "school", "乙区高中", "senior", 3, "/1/3/12/");
                     unit(13, 1, "school", "某大学", "university", 0, "/1/13/");
                     unit(14, 3, "school", "乙区幼儿园", "kindergarten", 3, "/1/3/14/");
                     return absl::OkStatus();
                   })
                    .ok());
    store_ = NewSociIndicatorStore();
    FactSource fake{
        .name = "fake",
        .event_kinds = {"fake.changed"},
        .school_facts = [this](soci::session&, int64_t id, int year) -> absl::StatusOr<Facts> {
          ++computed_[id];
          if (on_compute_) on_compute_(id);
          if (failing_.contains(id)) return absl::UnavailableError("facts unavailable");
          return facts_[{id, year}];
        },
        .unit_facts = [this](soci::session&, int64_t id, int year) -> absl::StatusOr<Facts> {
          return facts_[{id, year}];
        },
    };
    // A prompt source (a record saved): its marks do not wait.
    FactSource saved{
        .name = "saved",
        .event_kinds = {"fake.saved"},
        .school_facts = [](soci::session&, int64_t, int) -> absl::StatusOr<Facts> { return Facts{}; },
        .prompt = true,
    };
    engine_ = std::make_unique<Engine>(*store_, std::vector<FactSource>{fake, saved}, clock_);
  }
  void TearDown() override {
    engine_.reset();
    db_.reset();
    for (const auto& suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }

  // The hand-computed fixture's facts.
  void SetFixture() {
    facts_[{10, kYear}] = {
        {"psych_teachers_fulltime", 1}, {"students", 500},       {"paired_students", 500}, {"cohort_students_k12", 200},
        {"cohort_screened_k12", 150},   {"funding_yuan", 10000}, {"head_teachers", 0},     {"screen_positive", 4},
        {"followed_up_on_time", 3}};
    facts_[{11, kYear}] = {{"psych_teachers_fulltime", 1},
                           {"students", 1000},
                           {"paired_students", 900},
                           {"cohort_students_k12", 1000},
                           {"cohort_screened_k12", 1000},
                           {"funding_yuan", 19999},
                           {"head_teachers", 20},
                           {"head_teachers_trained", 20},
                           {"screen_positive", 30},
                           {"followed_up_on_time", 27},
                           {"course_periods_per_week_sum", 10},
                           {"classes_with_timetable", 20},
                           {"course_hours_resilience", 12},
                           {"course_hours_life", 11},
                           {"course_hours_total", 36}};
    facts_[{12, kYear}] = {{"psych_teachers_fulltime", 0}, {"students", 0}};  // no students of any cohort
    facts_[{13, kYear}] = {{"psych_teachers_fulltime", 3}, {"students", 8001},         {"cohort_students_he1", 2000},
                           {"cohort_screened_he1", 1900},  {"cohort_students_he2", 0}, {"cohort_screened_he2", 0},
                           {"university_course_ok", 1}};
    facts_[{14, kYear}] = {{"psych_teachers_fulltime", 0}, {"students", 300}};  // a stage no target covers
    facts_[{2, kYear}] = {{"community_stations", 10},
                          {"community_stations_public_service", 6},
                          {"research_psych_staff", 2},
                          {"district_training_hours_mh", 10},
                          {"district_training_hours_total", 100}};
    facts_[{3, kYear}] = {
        {"community_stations", 0}, {"community_stations_public_service", 0}, {"research_psych_staff", 1}};
  }

  absl::Status RefreshAll() {
    return db_->InTransaction([&](soci::session& s) -> absl::Status {
      for (int64_t id : {10, 11, 12, 13, 14, 2, 3, 1}) XQ_RETURN_IF_ERROR(engine_->RefreshId(s, id, kYear));
      return absl::OkStatus();
    });
  }
  // The event delivered (it marks its unit), then the marks refreshed.
  absl::Status Event(events::Event e) {
    XQ_RETURN_IF_ERROR(Deliver(e));
    return engine_->RefreshAllMarked(*db_);
  }
  absl::Status Deliver(const events::Event& e) {
    auto sub = engine_->Subscription();
    return db_->InTransaction([&](soci::session& s) { return sub.handler(s, e); });
  }
  std::vector<RefreshMark> Marks() {
    std::vector<RefreshMark> out;
    EXPECT_TRUE(db_->Run([&](soci::session& s) -> absl::Status {
                     XQ_ASSIGN_OR_RETURN(out, store_->Marked(s, std::numeric_limits<int64_t>::max(), 100));
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }
  std::map<int64_t, std::vector<Value>> All() {
    std::map<int64_t, std::vector<Value>> out;
    EXPECT_TRUE(db_->Run([&](soci::session& s) -> absl::Status {
                     XQ_ASSIGN_OR_RETURN(out, store_->AllValues(s, kYear));
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }
  Value Of(int64_t unit, const std::string& id) {
    auto all = All();
    for (const Value& v : all[unit])
      if (v.indicator_id == id) return v;
    return Value{.indicator_id = id};
  }
  void ExpectValue(int64_t unit, const std::string& id, double num, double den, int64_t units) {
    Value v = Of(unit, id);
    EXPECT_NEAR(v.num, num, 1e-9) << unit << " " << id;
    EXPECT_NEAR(v.den, den, 1e-9) << unit << " " << id;
    EXPECT_EQ(v.units, units) << unit << " " << id;
  }
  void ExpectNoData(int64_t unit, const std::string& id) {
    EXPECT_EQ(Of(unit, id).value(), std::nullopt) << unit << " " << id;
  }

  // The fixture's figures, computed by hand.
  void ExpectFixture() {
    // 95 %: schools 10, 11, 13 have one; 12 has none; 14 is a kindergarten.
    ExpectValue(1, "psych_teacher_schools", 3, 4, 4);
    ExpectValue(2, "psych_teacher_schools", 2, 2, 2);
    ExpectValue(3, "psych_teacher_schools", 0, 1, 1);
    ExpectValue(10, "psych_teacher_schools", 1, 1, 1);
    ExpectValue(12, "psych_teacher_schools", 0, 1, 1);
    ExpectNoData(14, "psych_teacher_schools");
    // 8,001 students need max(2, ceil(8001/4000)) = 3: met at the boundary.
    ExpectValue(1, "staffing_higher", 1, 1, 1);
    ExpectValue(1, "staffing_secondary", 0, 2, 2);
    ExpectValue(1, "staffing_primary", 1, 1, 1);
    // District level: 6/10 = 60 % (the target, met); 乙区 has no stations.
    ExpectValue(1, "family_sites_public", 6, 10, 1);
    ExpectValue(2, "family_sites_public", 6, 10, 1);
    ExpectNoData(3, "family_sites_public");
    // Coverage: 12 has no students of the cohort and counts nowhere.
    ExpectValue(1, "screening_k12", 1150, 1200, 2);
    ExpectNoData(12, "screening_k12");
    ExpectValue(1, "screening_he_first", 1900, 2000, 1);
    ExpectNoData(1, "screening_he_second");  // an empty denominator is 无数据, not 0
    ExpectValue(1, "follow_up_on_time", 30, 34, 2);
    ExpectValue(1, "pairing", 1400, 1500, 2);
    ExpectValue(1, "head_teacher_training", 20, 20, 1);  // 10 has no head teachers: no data
    ExpectNoData(10, "head_teacher_training");
    // 20 yuan per student exactly (10) meets; 19.999 (11) does not; 12 and 13 unknown.
    ExpectValue(1, "funding", 1, 2, 2);
    ExpectValue(10, "funding", 1, 1, 1);
    ExpectValue(11, "funding", 0, 1, 1);
    // Course hours 10/20 = 0.5 meets; content 12 and 11 of 36: 11 < 12 fails.
    ExpectValue(11, "course_hours", 1, 1, 1);
    ExpectValue(11, "course_content", 0, 1, 1);
    ExpectValue(1, "university_course", 1, 1, 1);
    ExpectValue(1, "research_staff", 1, 2, 2);
    ExpectValue(1, "district_training", 1, 1, 1);  // 10 % exactly meets
    // Facts no source gives are 无数据 everywhere.
    for (const char* id : {"hotline_awareness", "home_visit_staff", "home_visit_students", "guidance_stations",
                           "psych_rooms", "school_based_course"})
      ExpectNoData(1, id);
  }

  std::filesystem::path path_;
  std::unique_ptr<db::Database> db_;
  FakeClock clock_;
  std::unique_ptr<IndicatorStore> store_;
  std::unique_ptr<Engine> engine_;
  std::map<int64_t, int> computed_;          // school facts computed, per school
  std::function<void(int64_t)> on_compute_;  // runs as a school's facts are computed
  std::set<int64_t> failing_;                // schools whose facts cannot be computed
  std::map<std::pair<int64_t, int>, Facts> facts_;
};

TEST(DefinitionsTest, TheTableParsesAndIdsAreUnique) {
  EXPECT_GE(Indicators().size(), 20u);
  for (const auto& ind : Indicators()) {
    EXPECT_FALSE(ind.name_zh.empty()) << ind.id;
    EXPECT_FALSE(ind.name_en.empty()) << ind.id;
  }
  auto bad = ParseDefinitions({{"x", "x", "x", kAllStages, Level::kSchool, Kind::kShareOfUnits, "a >= (1", "", "", 1,
                                Direction::kAtLeast, false, ""}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "indicator x: condition: at 8: expected ')'");
  auto twice = ParseDefinitions(
      {{"x", "x", "x", kAllStages, Level::kSchool, Kind::kRatio, "", "a", "b", 1, Direction::kAtLeast, false, ""},
       {"x", "x", "x", kAllStages, Level::kSchool, Kind::kRatio, "", "a", "b", 1, Direction::kAtLeast, false, ""}});
  EXPECT_FALSE(twice.ok());
}

// A ratio is a coverage: a unit counts at most its own denominator.
TEST(DefinitionsTest, ARatioCountsAUnitAtMostWhole) {
  const Indicator* ind = FindIndicator("head_teacher_training");
  ASSERT_NE(ind, nullptr);
  Contribution over = Contribute(*ind, {{"head_teachers", 20}, {"head_teachers_trained", 50}}, kJunior);
  EXPECT_TRUE(over.known);
  EXPECT_EQ(over.num, 20);
  EXPECT_EQ(over.den, 20);
  Contribution under = Contribute(*ind, {{"head_teachers", 20}, {"head_teachers_trained", 5}}, kJunior);
  EXPECT_EQ(under.num, 5);
  EXPECT_EQ(under.den, 20);
}

TEST(DefinitionsTest, SchoolYears) {
  // 2026-09-01 00:00 +08:00 is 2026-08-31 16:00 UTC.
  auto [from, to] = SchoolYearRange(2026);
  EXPECT_EQ(from, 1'788'192'000'000'000LL);
  EXPECT_EQ(SchoolYearOf(from), 2026);
  EXPECT_EQ(SchoolYearOf(from - 1), 2025);
  EXPECT_EQ(SchoolYearOf(to - 1), 2026);
  EXPECT_EQ(SchoolYearOf(to), 2027);
}

TEST_F(IndicatorsTest, EveryIndicatorAgainstTheFixtureIncrementally) {
  SetFixture();
  ASSERT_TRUE(RefreshAll().ok());
  ExpectFixture();
}

TEST_F(IndicatorsTest, EveryIndicatorAgainstTheFixtureRecomputed) {
  SetFixture();
  auto stats = engine_->Recompute(*db_, kYear);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ExpectFixture();
}

TEST_F(IndicatorsTest, RecomputeEqualsIncrementalAfterAScriptedSequence) {
  // Facts arrive school by school, change, vanish and come back, through
  // the subscription's handler as events would bring them.
  SetFixture();
  auto full = facts_;
  facts_.clear();
  ASSERT_TRUE(RefreshAll().ok());
  for (int64_t id : {10, 11, 12, 13, 14}) {
    facts_[{id, kYear}] = full[{id, kYear}];
    ASSERT_TRUE(Event({.school_id = id,
                       .kind = "fake.changed",
                       .subject = "student:1",
                       .payload = R"({"student_id":1})",
                       .created_at = SchoolYearRange(kYear).first + 1})
                    .ok());
  }
  // District facts: subject "unit:<id>", school 0, the year in the payload.
  for (int64_t id : {2, 3}) {
    facts_[{id, kYear}] = full[{id, kYear}];
    ASSERT_TRUE(Event({.school_id = 0,
                       .kind = "fake.changed",
                       .subject = "unit:" + std::to_string(id),
                       .payload = R"({"school_year":2026})",
                       .created_at = SchoolYearRange(kYear + 1).first + 5})
                    .ok());
  }
  facts_[{11, kYear}]["psych_teachers_fulltime"] = 2;
  ASSERT_TRUE(
      Event({.school_id = 11, .kind = "fake.changed", .payload = "{}", .created_at = SchoolYearRange(kYear).first + 9})
          .ok());
  EXPECT_EQ(Of(1, "staffing_secondary").num, 1);
  facts_[{11, kYear}]["psych_teachers_fulltime"] = 1;
  facts_[{12, kYear}].clear();
  facts_[{2, kYear}].erase("community_stations");
  ASSERT_TRUE(RefreshAll().ok());
  ExpectNoData(1, "family_sites_public");
  facts_ = full;
  ASSERT_TRUE(RefreshAll().ok());
  ExpectFixture();

  auto incremental = All();
  auto stats = engine_->Recompute(*db_, kYear);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->units, 8);
  auto recomputed = All();
  ASSERT_EQ(incremental.size(), recomputed.size());
  for (const auto& [unit, values] : recomputed) {
    const auto& inc = incremental[unit];
    ASSERT_EQ(values.size(), inc.size()) << unit;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(values[i].indicator_id, inc[i].indicator_id);
      EXPECT_NEAR(values[i].num, inc[i].num, 1e-6) << unit << " " << values[i].indicator_id;
      EXPECT_NEAR(values[i].den, inc[i].den, 1e-6) << unit << " " << values[i].indicator_id;
      EXPECT_EQ(values[i].units, inc[i].units) << unit << " " << values[i].indicator_id;
    }
  }
  ExpectFixture();
}

TEST_F(IndicatorsTest, ABatchOfEventsRefreshesEachUnitOnce) {
  // Five events about school 10 and one about school 11 in one delivery
  // batch compute the facts as often as one event about each does, and
  // give the same figures.
  SetFixture();
  const int64_t at = SchoolYearRange(kYear).first + 1;
  const events::Event e10{.school_id = 10, .kind = "fake.changed", .payload = "{}", .created_at = at};
  const events::Event e11{.school_id = 11, .kind = "fake.changed", .payload = "{}", .created_at = at};
  computed_.clear();
  ASSERT_TRUE(Event(e10).ok());
  ASSERT_TRUE(Event(e11).ok());
  const auto singles = computed_;
  const auto single = All();
  ASSERT_GE(singles.at(10), 1);
  std::vector<const events::Event*> batch = {&e10, &e10, &e10, &e10, &e10, &e11};
  computed_.clear();
  facts_[{10, kYear}]["students"] += 1;  // so that the refresh has something to apply
  auto sub = engine_->Subscription();
  ASSERT_TRUE(sub.batch_handler);
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) { return sub.batch_handler(s, batch); }).ok());
  // The delivery only marks the two schools: nothing is computed in it.
  EXPECT_TRUE(computed_.empty());
  EXPECT_EQ(Marks().size(), 2u);
  facts_[{10, kYear}]["students"] -= 1;
  ASSERT_TRUE(engine_->RefreshAllMarked(*db_).ok());
  EXPECT_EQ(computed_, singles);
  EXPECT_TRUE(Marks().empty());
  auto batched = All();
  ASSERT_EQ(batched.size(), single.size());
  for (const auto& [unit, values] : single) {
    ASSERT_EQ(values.size(), batched[unit].size()) << unit;
    for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i].num, batched[unit][i].num, 1e-9) << unit;
  }
}

// A mark waits until `before` reaches it; a unit marked again while its
// facts are computed keeps its mark (what the second event changed may not
// be in the facts read), and is refreshed at the next round.
TEST_F(IndicatorsTest, AMarkWaitsAndAMarkMadeDuringTheRefreshStays) {
  SetFixture();
  const int64_t at = SchoolYearRange(kYear).first + 1;
  const events::Event e10{.school_id = 10, .kind = "fake.changed", .payload = "{}", .created_at = at};
  clock_.Set(at);
  ASSERT_TRUE(Deliver(e10).ok());
  auto n = engine_->RefreshMarked(*db_, at - 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_TRUE(computed_.empty());
  EXPECT_TRUE(All().empty());

  bool again = true;
  on_compute_ = [&](int64_t) {
    if (!std::exchange(again, false)) return;
    clock_.Set(at + 5);
    ASSERT_TRUE(Deliver(e10).ok());  // on another connection, while the facts are read
  };
  n = engine_->RefreshMarked(*db_, at);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ExpectValue(10, "screening_k12", 150, 200, 1);  // what was read is applied
  auto marks = Marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].unit_id, 10);
  EXPECT_EQ(marks[0].school_id, 10);
  EXPECT_GT(marks[0].marked_at, at);  // it waits again
  n = engine_->RefreshMarked(*db_, at);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  ASSERT_TRUE(engine_->RefreshAllMarked(*db_).ok());
  EXPECT_TRUE(Marks().empty());
}

// A prompt source's event is refreshed at the next round, whatever the
// wait; it makes a waiting mark of the unit prompt, and one that comes
// while the unit's facts are read keeps it prompt.
TEST_F(IndicatorsTest, APromptSourcesMarkDoesNotWait) {
  SetFixture();
  const int64_t at = SchoolYearRange(kYear).first + 1'000'000;
  clock_.Set(at);
  ASSERT_TRUE(Deliver({.school_id = 10, .kind = "fake.saved", .payload = "{}", .created_at = at}).ok());
  ASSERT_TRUE(Deliver({.school_id = 11, .kind = "fake.changed", .payload = "{}", .created_at = at}).ok());
  auto n = engine_->RefreshMarked(*db_, at - 1);  // a round before any mark would be due
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  ExpectValue(10, "screening_k12", 150, 200, 1);
  EXPECT_EQ(computed_[11], 0);
  ASSERT_EQ(Marks().size(), 1u);  // 11 still waits

  // 11 waits; a saved record there makes it prompt.
  ASSERT_TRUE(Deliver({.school_id = 11, .kind = "fake.saved", .payload = "{}", .created_at = at}).ok());
  ASSERT_EQ(Marks().size(), 1u);
  EXPECT_EQ(Marks()[0].marked_at, RefreshMark::kPrompt);
  n = engine_->RefreshMarked(*db_, at - 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(Marks().empty());

  // A waiting mark read by a round, and a record saved while its facts are
  // read: the unit stays prompt instead of waiting another minute.
  ASSERT_TRUE(Deliver({.school_id = 10, .kind = "fake.changed", .payload = "{}", .created_at = at}).ok());
  bool again = true;
  on_compute_ = [&](int64_t) {
    if (!std::exchange(again, false)) return;
    ASSERT_TRUE(Deliver({.school_id = 10, .kind = "fake.saved", .payload = "{}", .created_at = at}).ok());
  };
  n = engine_->RefreshMarked(*db_, at);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(Marks().size(), 1u);
  EXPECT_EQ(Marks()[0].marked_at, RefreshMark::kPrompt);
  // And a prompt mark read while another event comes stays prompt too.
  again = true;
  on_compute_ = [&](int64_t) {
    if (!std::exchange(again, false)) return;
    clock_.Set(at + 5);
    ASSERT_TRUE(Deliver({.school_id = 10, .kind = "fake.changed", .payload = "{}", .created_at = at}).ok());
  };
  n = engine_->RefreshMarked(*db_, at - 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(Marks().size(), 1u);
  EXPECT_EQ(Marks()[0].marked_at, RefreshMark::kPrompt);
  on_compute_ = nullptr;
  n = engine_->RefreshMarked(*db_, at - 1);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(Marks().empty());
}

// A school whose facts cannot be computed keeps its mark and reports the
// error; the other marked schools are refreshed.
TEST_F(IndicatorsTest, AFailingUnitKeepsItsMarkAndTheOthersGoOn) {
  SetFixture();
  const int64_t at = SchoolYearRange(kYear).first + 1;
  failing_ = {10};
  ASSERT_TRUE(Deliver({.school_id = 10, .kind = "fake.changed", .payload = "{}", .created_at = at}).ok());
  ASSERT_TRUE(Deliver({.school_id = 11, .kind = "fake.changed", .payload = "{}", .created_at = at}).ok());
  auto n = engine_->RefreshMarked(*db_, std::numeric_limits<int64_t>::max());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("facts unavailable"), std::string::npos) << n.status();
  EXPECT_TRUE(Of(10, "screening_k12").units == 0);
  EXPECT_EQ(Of(11, "screening_k12").units, 1);
  auto marks = Marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].unit_id, 10);
  failing_.clear();
  ASSERT_TRUE(engine_->RefreshAllMarked(*db_).ok());
  EXPECT_EQ(Of(10, "screening_k12").units, 1);
  EXPECT_TRUE(Marks().empty());
}

TEST_F(IndicatorsTest, EventsOfOtherUnitsOrKindsChangeNothing) {
  SetFixture();
  // An event naming no unit, or an unknown one, is handled without effect.
  ASSERT_TRUE(Event({.school_id = 0, .kind = "fake.changed", .subject = "student:9", .payload = "not json"}).ok());
  ASSERT_TRUE(Event({.school_id = 999, .kind = "fake.changed", .payload = "{}"}).ok());
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(engine_->Subscription().kinds, (std::vector<std::string>{"fake.changed", "fake.saved"}));
}

// The hourly catch-up marks every school, district and the city; the
// refresh of the marks picks up facts that changed without an event and
// gives what Recompute gives.
TEST_F(IndicatorsTest, TheHourlyCatchUpMarksEveryUnitAndAgreesWithRecompute) {
  SetFixture();
  ASSERT_TRUE(RefreshAll().ok());
  // Facts change without an event (a roster, a grant): nothing is marked.
  facts_[{10, kYear}]["psych_teachers_fulltime"] = 3;
  facts_[{2, kYear}]["community_stations_public_service"] = 9;
  EXPECT_TRUE(Marks().empty());
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) { return engine_->MarkAllIn(s, kYear); }).ok());
  std::vector<int64_t> marked;
  for (const auto& m : Marks()) {
    EXPECT_EQ(m.year, kYear);
    EXPECT_EQ(m.school_id, m.unit_id >= 10 ? m.unit_id : 0) << m.unit_id;
    marked.push_back(m.unit_id);
  }
  std::sort(marked.begin(), marked.end());
  EXPECT_EQ(marked, (std::vector<int64_t>{1, 2, 3, 10, 11, 12, 13, 14}));
  ASSERT_TRUE(engine_->RefreshAllMarked(*db_).ok());
  EXPECT_TRUE(Marks().empty());
  auto incremental = All();
  ASSERT_TRUE(engine_->Recompute(*db_, kYear).ok());
  auto recomputed = All();
  ASSERT_EQ(incremental.size(), recomputed.size());
  for (const auto& [unit, values] : recomputed) {
    const auto& inc = incremental[unit];
    ASSERT_EQ(values.size(), inc.size()) << unit;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_NEAR(values[i].num, inc[i].num, 1e-6) << unit << " " << values[i].indicator_id;
      EXPECT_NEAR(values[i].den, inc[i].den, 1e-6) << unit << " " << values[i].indicator_id;
      EXPECT_EQ(values[i].units, inc[i].units) << unit << " " << values[i].indicator_id;
    }
  }
  EXPECT_EQ(Of(10, "psych_teacher_schools").num, 1);  // still one school with a full-time teacher
  // A second catch-up while marks wait bumps them, one per unit.
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) { return engine_->MarkAllIn(s, kYear); }).ok());
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) { return engine_->MarkAllIn(s, kYear); }).ok());
  auto twice = Marks();
  ASSERT_EQ(twice.size(), 8u);
  for (const auto& m : twice) EXPECT_EQ(m.version, 2) << m.unit_id;
}

}  // namespace
}  // namespace xq::indicators
