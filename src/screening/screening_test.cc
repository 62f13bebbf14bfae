// Unit tests: small-cell suppression, the screen-positive rule, and the
// group-commit writer (idempotent repeats; warnings raised once from the log).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/status.h"
#include "db/database.h"
#include "gtest/gtest.h"
#include "demo/demo.h"
#include "events/dispatcher.h"
#include "screening/campaign_tallies.h"
#include "screening/context_cache.h"
#include "screening/events.h"
#include "screening/json.h"
#include "screening/routes.h"
#include "screening/demo_data.h"
#include "screening/screening_service.h"
#include "screening/soci_screening_store.h"
#include "screening/submission_writer.h"
#include "warning/subscriptions.h"
#include "warning/warning_service.h"
#include "audit/audit.h"
#include "counselling/hotlines.h"
#include "instruments/registry.h"
#include "db/row.h"

namespace xq::screening {
namespace {

TEST(Suppress, PrimaryAndComplementaryInOneColumn) {
  // 3 is below k; alone it would be recoverable from the column total.
  auto s = Suppress({{3}, {40}, {25}}, 10);
  EXPECT_TRUE(s.cell[0][0]);
  EXPECT_TRUE(s.cell[2][0]);  // the smallest other cell
  EXPECT_FALSE(s.cell[1][0]);
  EXPECT_FALSE(s.col_total[0]);
}

TEST(Suppress, NoLineHasExactlyOneHiddenCell) {
  std::vector<std::vector<int64_t>> t = {{12, 4, 30}, {20, 25, 11}, {15, 16, 2}};
  auto s = Suppress(t, 10);
  EXPECT_TRUE(s.cell[0][1]);
  EXPECT_TRUE(s.cell[2][2]);
  for (size_t r = 0; r < 3; ++r) {
    int hidden = 0;
    for (size_t c = 0; c < 3; ++c) hidden += s.cell[r][c];
    if (!s.row_total[r]) {
      EXPECT_NE(hidden, 1) << "row " << r;
    }
  }
  for (size_t c = 0; c < 3; ++c) {
    int hidden = 0;
    for (size_t r = 0; r < 3; ++r) hidden += s.cell[r][c];
    if (!s.col_total[c]) {
      EXPECT_NE(hidden, 1) << "column " << c;
    }
  }
}

TEST(Suppress, ZeroCellsAndLargeCellsStay) {
  auto s = Suppress({{0}, {50}}, 10);
  EXPECT_FALSE(s.cell[0][0]);
  EXPECT_FALSE(s.cell[1][0]);
  EXPECT_FALSE(s.grand_total);
}

instruments::Result ScorePhq9(std::vector<int32_t> answers) {
  const auto& plan = instruments::BundledDefinitions().Find("phq9")->plan;
  instruments::Response r = plan.NewResponse();
  for (size_t i = 0; i < answers.size(); ++i) r.answers[i] = answers[i];
  return *plan.Score(r);
}

TEST(IsPositive, CriticalAndUpperBands) {
  const auto& plan = instruments::BundledDefinitions().Find("phq9")->plan;
  EXPECT_FALSE(IsPositive(plan, ScorePhq9({0, 0, 0, 0, 0, 0, 0, 0, 0})));
  EXPECT_FALSE(IsPositive(plan, ScorePhq9({1, 1, 1, 1, 1, 1, 1, 1, 0})));  // 8: mild
  EXPECT_TRUE(IsPositive(plan, ScorePhq9({2, 2, 1, 1, 1, 1, 1, 1, 0})));   // 10: moderate
  EXPECT_TRUE(IsPositive(plan, ScorePhq9({0, 0, 0, 0, 0, 0, 0, 0, 1})));   // item 9: critical
}

// The rule as read from the stored result document: it must agree with
// the rule over the scored result for every bundled scale.
bool IsPositiveDocument(const Json& result) {
  static const std::set<std::string> kBands = {"moderate", "moderately_severe", "severe",
                                               "high",     "very_high",         "at_or_above_cutoff"};
  static const std::set<std::string> kLevels = {"I", "high", "moderate"};
  if (!result["critical"].empty()) return true;
  for (const auto& [name, b] : result["bands"].items())
    if (name.find('.') == std::string::npos && kBands.count(b["id"].get<std::string>())) return true;
  for (const auto& [name, c] : result["classes"].items())
    if (kLevels.count(c["id"].get<std::string>())) return true;
  return false;
}

TEST(IsPositive, AgreesWithTheStoredDocumentOnEveryBundledScale) {
  std::mt19937_64 rng(5);
  int positives = 0, negatives = 0;
  for (const auto& e : instruments::BundledDefinitions().entries()) {
    SCOPED_TRACE(e.definition.id);
    for (int n = 0; n < 400; ++n) {
      instruments::Response r = e.plan.NewResponse();
      for (size_t i = 0; i < e.definition.items.size(); ++i) {
        const auto& item = e.definition.items[i];
        if (item.type == instruments::ItemType::kText) continue;
        // Skewed to low options, so that both outcomes occur.
        uint64_t n_opt = item.options.size();
        r.answers[i] = item.type == instruments::ItemType::kMulti ? static_cast<int32_t>(rng() % (uint64_t{1} << n_opt))
                                                                  : static_cast<int32_t>((rng() % n_opt) * (rng() % 2));
      }
      auto res = e.plan.Score(r);
      if (!res.ok()) continue;
      bool positive = IsPositive(e.plan, *res);
      ASSERT_EQ(positive, IsPositiveDocument(Json::parse(instruments::ResultJsonText(e.plan, *res))));
      (positive ? positives : negatives) += 1;
    }
  }
  EXPECT_GT(positives, 100);
  EXPECT_GT(negatives, 100);
}

TEST(SubmitAnswer, SameBytesAsTheJsonDom) {
  SubmitOutcome out;
  out.submission.assignment_id = 123456789012345;
  out.submission.client_key = "key \"quoted\" \\ \x01 \xff";  // escapes and invalid UTF-8
  out.submission.submitted_at = 1'790'000'000'000'000;
  out.feedback = {"谢谢你认真完成这份问卷。", "line\nbreak"};
  counselling::UnitHotlines unit;
  unit.lines = {{"阳光心理热线", "4001060525", "city", "24小时"}, {"School \"A\"", "1", "school", ""}};
  unit.json = counselling::HotlinesJsonText(unit.lines);
  out.hotlines = std::make_shared<const counselling::UnitHotlines>(unit);
  Json hotlines = Json::array();
  for (const auto& h : unit.lines)
    hotlines.push_back({{"name", h.name}, {"number", h.number}, {"scope", h.scope}, {"hours", h.hours}});
  Json dom = {{"assignment_id", IdToString(out.submission.assignment_id)},
              {"submission_id", out.submission.client_key},
              {"submitted_at", FormatRfc3339(out.submission.submitted_at)},
              {"feedback", out.feedback},
              {"hotlines", hotlines}};
  EXPECT_EQ(SubmitAnswer(out), dom.dump(-1, ' ', false, Json::error_handler_t::replace));
  out.feedback.clear();
  out.hotlines = std::make_shared<const counselling::UnitHotlines>(counselling::UnitHotlines{{}, "[]"});
  dom["feedback"] = Json::array();
  dom["hotlines"] = Json::array();
  EXPECT_EQ(SubmitAnswer(out), dom.dump(-1, ' ', false, Json::error_handler_t::replace));
}

SubmitInput Input(std::string key, const Json& answers) {
  return SubmitInput{std::move(key), GivenAnswersOf(answers).value(), std::nullopt};
}

// The submission body read through the DOM: ParseJsonObject, JsonReader
// and GivenAnswersOf, as the route read it before it had a scanner.
absl::StatusOr<SubmitInput> ParseSubmitInputByDom(std::string_view body) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(body));
  JsonReader r(std::move(j));
  SubmitInput in;
  Json answers;
  std::optional<Json> elapsed;
  r.Required("submission_id", &in.submission_id);
  r.Required("answers", &answers);
  r.Optional("elapsed_seconds", &elapsed);
  XQ_RETURN_IF_ERROR(r.Finish());
  if (elapsed) {
    if (!elapsed->is_number()) return InvalidArgument("elapsed_seconds must be a number", "elapsed_seconds");
    in.elapsed_seconds = elapsed->get<double>();
  }
  XQ_ASSIGN_OR_RETURN(in.answers, GivenAnswersOf(answers));
  return in;
}

std::string Describe(const absl::StatusOr<SubmitInput>& in) {
  if (!in.ok()) {
    std::string s(in.status().message());
    // The position of a syntax error is the scanner's own (the DOM's lexer
    // counts differently); that it is one, with a line and column, is compared.
    if (auto at = s.find("malformed JSON at line"); at != std::string::npos) s.resize(at + 22);
    return absl::StatusCodeToString(in.status().code()) + ": " + s + " field=" + FieldOf(in.status()).value_or("-");
  }
  Json a = Json::array();
  for (const auto& [k, v] : in->answers) {
    Json codes = Json::array();
    for (const auto& c : v.codes) codes.push_back(c ? Json(*c) : Json(nullptr));
    a.push_back({k, static_cast<int>(v.kind), v.text, codes});
  }
  return Json{in->submission_id, in->elapsed_seconds ? Json(*in->elapsed_seconds) : Json(nullptr), a}.dump();
}

TEST(ParseSubmitInput, ReadsTheBodyAsTheDomReaderDid) {
  const std::vector<std::string> fields = {R"("submission_id":"k-1")",
                                           R"("submission_id":7)",
                                           R"("submission_id":null)",
                                           R"("answers":{})",
                                           R"("answers":{"q2":"1","q1":"0"})",
                                           R"("answers":{"q1":"0","q1":"2"})",
                                           R"("answers":{"q3":["a",1,"b"]})",
                                           R"("answers":{"q4":null,"q5":5,"q6":{"x":[]}})",
                                           R"("answers":[])",
                                           R"("answers":null)",
                                           R"("elapsed_seconds":95)",
                                           R"("elapsed_seconds":1.5e2)",
                                           R"("elapsed_seconds":"9")",
                                           R"("elapsed_seconds":null)",
                                           R"("zeta":1)",
                                           R"("alpha":[1,{"b":2}])",
                                           R"("answers":{"t":"心\n\"x\"\u00e9"})",
                                           R"("submission_id":"\ud83d\ude00")",
                                           R"("answers":{"q1":"0",})",
                                           R"("answers":{"q1" "0"})"};
  std::mt19937 rng(5);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = "{";
    const int n = static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) body += (i ? "," : "") + fields[rng() % fields.size()];
    body += "}";
    if (round % 50 == 0) body = "[" + body + "]";
    if (round % 77 == 0) body += " x";
    if (round % 91 == 0) body = "{\"answers\":{\"q\":\"\xff\"}}";
    auto got = ParseSubmitInput(body);
    EXPECT_EQ(Describe(got), Describe(ParseSubmitInputByDom(body))) << body;
    accepted += got.ok();
  }
  EXPECT_GT(accepted, 500);  // well-formed bodies were compared too
  auto in = ParseSubmitInput(R"({"answers":{"q2":"1","q1":"0","q1":"2"},"submission_id":"k"})");
  ASSERT_TRUE(in.ok());
  ASSERT_EQ(in->answers.size(), 2u);
  EXPECT_EQ(in->answers[0].first, "q1");
  EXPECT_EQ(in->answers[0].second.text, "2");  // the last of a repeated item
  auto bad = ParseSubmitInput("{\n \"answers\": {,}}");
  EXPECT_EQ(bad.status().message(), "malformed JSON at line 2, column 14");
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xq-writer-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto db = db::Database::Open("sqlite:" + (dir_ / "t.db").string());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(db_->Run([](soci::session& s) {
                     s << "INSERT INTO org_units (id, kind, name, path, school_id, created_at) "
                          "VALUES (1, 'school', 'S', '/1/', 1, 0)";
                     s << "INSERT INTO students (id, school_id, student_no, name, sex, unit_path, "
                          "created_at, updated_at) VALUES (5, 1, '001', 'A', 'F', '/1/', 0, 0)";
                     s << "INSERT INTO screening_campaigns (id, name, owner_unit_id, owner_path, "
                          "opens_on, closes_on, created_by, created_at) VALUES (9, 'c', 1, '/1/', "
                          "'2026-01-01', '2026-12-31', 1, 0)";
                     for (int i = 0; i < 50; ++i) {
                       long long id = 100 + i;
                       s << "INSERT INTO screening_assignments (id, campaign_id, student_id, school_id, "
                            "unit_path, position) VALUES (:id, 9, 5, 1, '/1/', :p)",
                           soci::use(id), soci::use(i);
                     }
                     return absl::OkStatus();
                   })
                    .ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  WriteRequest Request(int64_t assignment, std::string key, bool critical = false) {
    WriteRequest w;
    w.submission.id = NewId();
    w.submission.assignment_id = assignment;
    w.submission.client_key = std::move(key);
    w.submission.campaign_id = 9;
    w.submission.student_id = 5;
    w.submission.school_id = 1;
    w.submission.unit_path = "/1/";
    w.submission.instrument_id = "phq9";
    w.submission.version = "1.0.0";
    w.submission.answers = "{}";
    w.submission.result = "{}";
    w.submission.source = "online";
    w.submission.submitted_at = 1;
    if (critical) {
      // A critical item: the warning module raises its warning from the
      // submissions log (DeliverEvents).
      w.submission.critical = true;
      w.submission.result = R"({"critical":[{"id":"q9_self_harm","item":"q9","urgency":"urgent"}]})";
      w.urgent_warnings = 1;
    }
    return w;
  }
  // What a server's dispatcher does after the writer wakes it.
  void DeliverEvents() {
    audit::AuditLog audit(*db_, SystemClock::Instance());
    events::Dispatcher d(*db_, SystemClock::Instance());
    d.AddLog(NewSubmissionLog(*db_));
    d.Subscribe(warning::ScreeningResultsSubscription(audit));
    ASSERT_TRUE(d.DeliverPending().ok());
  }
  int64_t Count(const std::string& table) {
    long long n = 0;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << "SELECT COUNT(*) FROM " + table, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Database> db_;
};

TEST_F(WriterTest, ConcurrentWritesCommitInBatchesAndRepeatsAreIdempotent) {
  SubmissionWriter writer(*db_);
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<Submission>> out(100, absl::InternalError("unset"));
  for (int i = 0; i < 100; ++i) {
    // Two identical requests per assignment with the same key (a client
    // retry): one row each, whichever commits first; assignment 100 carries
    // a critical item, so exactly one warning.
    threads.emplace_back(
        [&, i] { out[i] = writer.Write(Request(100 + i / 2, "k" + std::to_string(i / 2), i / 2 == 0)); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(out[i].ok()) << i << " " << out[i].status();
  for (int i = 0; i < 100; i += 2) EXPECT_EQ(out[i]->id, out[i + 1]->id);
  EXPECT_EQ(Count("screening_submissions"), 50);
  EXPECT_EQ(Count("warnings"), 0) << "the writer writes no other module's tables";
  DeliverEvents();
  EXPECT_EQ(Count("warnings"), 1);
  EXPECT_EQ(Count("follow_ups"), 1);
  DeliverEvents();
  EXPECT_EQ(Count("warnings"), 1) << "raised once";
  EXPECT_LE(writer.stats().batches, 100);
  // A different key for a submitted assignment is a conflict.
  auto again = writer.Write(Request(100, "other"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  auto same = writer.Write(Request(100, "k0"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->id, out[0]->id);
  EXPECT_EQ(Count("screening_submissions"), 50);
}

// As the server wires it: the writer wakes the dispatcher once a critical
// row is durable, and the warning is raised well within a second of the
// acknowledgement, without waiting for the dispatcher's poll.
TEST_F(WriterTest, ACriticalAnswersWarningFollowsItsAcknowledgementWithinASecond) {
  audit::AuditLog audit(*db_, SystemClock::Instance());
  events::Dispatcher d(*db_, SystemClock::Instance(), {.poll = std::chrono::milliseconds(60'000)});
  d.AddLog(NewSubmissionLog(*db_));
  d.Subscribe(warning::ScreeningResultsSubscription(audit));
  d.Start();
  SubmissionWriter writer(*db_, {.followed_durable = [&d] { d.Wake(); }});
  ASSERT_TRUE(writer.Write(Request(100, "k0")).ok());  // not critical, not positive: nothing to raise
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Count("follow_ups"), 0);
  ASSERT_TRUE(writer.Write(Request(101, "k1", true)).ok());
  const auto acknowledged = std::chrono::steady_clock::now();
  while (Count("warnings") == 0 && std::chrono::steady_clock::now() - acknowledged < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto took = std::chrono::steady_clock::now() - acknowledged;
  EXPECT_EQ(Count("warnings"), 1);
  EXPECT_EQ(Count("follow_ups"), 1);
  EXPECT_LT(took, std::chrono::seconds(1))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  d.Stop();
}

TEST_F(WriterTest, TheClaimChecksConsentAsCommitted) {
  SubmissionWriter writer(*db_);
  auto needing = Request(101, "k1");
  needing.needs_consent = true;
  auto r = writer.Write(needing);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("awaiting_consent"), std::string::npos) << r.status();
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "INSERT INTO screening_consents (campaign_id, student_id, decision, source, recorded_by, "
                        "recorded_at) VALUES (9, 5, 'decline', 'guardian', 1, 0)";
                   return absl::OkStatus();
                 })
                  .ok());
  r = writer.Write(Request(102, "k2"));  // no consent needed, but declined
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("declined"), std::string::npos) << r.status();
  EXPECT_EQ(Count("screening_submissions"), 0) << "nothing of a refused claim is written";
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "UPDATE screening_consents SET decision = 'consent'";
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_TRUE(writer.Write(needing).ok());
  EXPECT_EQ(Count("screening_submissions"), 1);
}

// A row is acknowledged only after the sync that follows its commit: the
// row is committed (visible) while the sync is held, and its writer is not
// answered until the sync returns. Meanwhile the writer commits the next
// batch instead of waiting.
TEST_F(WriterTest, AcknowledgesOnlyAfterTheSyncAndCommitsMeanwhile) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int syncs = 0;
  WriterOptions options;
  options.max_wait_us = 0;
  options.sync = [&] {
    std::unique_lock lk(mu);
    ++syncs;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    return db_->SyncCommitted();
  };
  SubmissionWriter writer(*db_, options);
  std::atomic<int> answered = 0;
  writer.WriteAsync(Request(100, "k0"), [&](absl::StatusOr<Submission> r) {
    EXPECT_TRUE(r.ok()) << r.status();
    ++answered;
  });
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return syncs == 1; }));
  }
  EXPECT_EQ(Count("screening_submissions"), 1) << "committed before the sync";
  writer.WriteAsync(Request(101, "k1"), [&](absl::StatusOr<Submission> r) {
    EXPECT_TRUE(r.ok()) << r.status();
    ++answered;
  });
  for (int i = 0; i < 3000 && Count("screening_submissions") < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Count("screening_submissions"), 2) << "the next batch commits while the sync waits";
  EXPECT_EQ(answered.load(), 0) << "nothing is acknowledged before its sync";
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  writer.Stop();
  EXPECT_EQ(answered.load(), 2);
  EXPECT_GE(syncs, 1);
  EXPECT_LE(syncs, 2) << "one sync may cover several batches";
}

// A failed sync: the rows waiting for it fail (unavailable) although they
// are committed, and the writer refuses every later row; a restarted
// writer answers a repeat with the committed row, once.
TEST_F(WriterTest, AFailedSyncStopsTheWriter) {
  std::atomic<int> calls = 0;
  WriterOptions options;
  options.sync = [&]() -> absl::Status {
    ++calls;
    return absl::UnavailableError("cannot sync the write-ahead log x: Input/output error");
  };
  {
    SubmissionWriter writer(*db_, options);
    auto r = writer.Write(Request(100, "k0", true));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    EXPECT_EQ(r.status().message().find("Input/output"), std::string::npos) << "no disk detail to the client";
    auto later = writer.Write(Request(101, "k1"));
    EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
    auto many = writer.WriteMany({Request(102, "k2"), Request(103, "k3")});
    for (const auto& m : many) EXPECT_EQ(m.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(calls.load(), 1) << "no sync is trusted after a failed one";
  }
  EXPECT_EQ(Count("screening_submissions"), 1);
  DeliverEvents();
  EXPECT_EQ(Count("warnings"), 1);
  SubmissionWriter restarted(*db_);
  auto again = restarted.Write(Request(100, "k0", true));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Count("screening_submissions"), 1);
  DeliverEvents();
  EXPECT_EQ(Count("warnings"), 1);
  EXPECT_TRUE(restarted.Write(Request(101, "k1")).ok());
  EXPECT_EQ(Count("screening_submissions"), 2);
}

// The demo seeding goes through campaign creation and the paper path.
TEST(DemoScreening, SeedsACampaignWithAnswers) {
  auto dir = std::filesystem::temp_directory_path() / ("xq-demo-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  {
    auto db = db::Database::Open("sqlite:" + (dir / "d.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db::Migrate(**db).ok());
    ASSERT_TRUE(demo::Generate(**db, {}).ok());
    auto res = SeedDemoScreening(**db, SystemClock::Instance());
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_GT(res->submissions, 100);
    EXPECT_GT(res->warnings, 0);
    SociScreeningStore store(**db);
    auto subs = store.SubmissionsOf(res->campaign_id, {"/1/"}).value();
    EXPECT_EQ(static_cast<int>(subs.size()), res->submissions);
    int positive = 0;
    for (const auto& x : subs) positive += x.positive;
    EXPECT_GT(positive, 0);
    EXPECT_LT(positive, res->submissions / 2);
  }
  std::filesystem::remove_all(dir);
}

// The service on a demo city with a fake clock: the answering window, the
// due date of an urgent follow-up, overdue listing and lapsing levels.
class ServiceClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xq-svc-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto db = db::Database::Open("sqlite:" + (dir_ / "s.db").string());
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(demo::Generate(*db_, {}).ok());
    int64_t t = 0;
    ASSERT_TRUE(ParseRfc3339("2026-09-01T08:00:00+08:00", &t));
    clock_.Set(t);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    hotlines_ = std::make_unique<counselling::HotlineService>(*db_);
    store_ = NewSociScreeningStore(*db_);
    writer_ = std::make_unique<SubmissionWriter>(*db_);
    svc_ = std::make_unique<ScreeningService>(*db_, *store_, *writer_, *audit_, *hotlines_, clock_);
  }
  void TearDown() override {
    svc_.reset();
    writer_.reset();
    store_.reset();
    hotlines_.reset();
    audit_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  policy::Principal As(const std::string& username) {
    policy::Principal p;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     soci::rowset<soci::row> rows =
                         (s.prepare << "SELECT a.id, a.person_type, a.person_id, r.role, r.org_unit_id, u.path "
                                       "FROM accounts a JOIN role_assignments r ON r.account_id = a.id "
                                       "JOIN org_units u ON u.id = r.org_unit_id WHERE a.username = :u",
                          soci::use(username));
                     for (const auto& r : rows) {
                       p.account_id = db::GetInt(r, 0);
                       if (db::GetStr(r, 1) == "student") p.actor.student_id = db::GetInt(r, 2);
                       if (auto role = policy::RoleFromName(db::GetStr(r, 3)))
                         p.actor.grants.push_back({*role, db::GetInt(r, 4), db::GetStr(r, 5)});
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    p.actor.account_id = p.account_id;
    p.username = username;
    return p;
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Database> db_;
  FakeClock clock_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<counselling::HotlineService> hotlines_;
  std::unique_ptr<ScreeningStore> store_;
  std::unique_ptr<SubmissionWriter> writer_;
  std::unique_ptr<ScreeningService> svc_;
};

TEST_F(ServiceClockTest, WindowDueDatesOverdueAndLapse) {
  ScreeningStore& store = *store_;
  ScreeningService& svc = *svc_;
  auto wstore = warning::NewSociWarningStore(*db_);
  warning::WarningService warnings(*wstore, *audit_, clock_);
  const auto psych = As("psych_staff"), student = As("student"), head = As("head_teacher");
  auto c = svc.CreateCampaign(psych, CampaignInputOf(Json{{"template", "k12_junior"},
                                                          {"opens_on", "2026-09-02"},
                                                          {"closes_on", "2026-09-10"},
                                                          {"scales", {{{"instrument_id", "phq9"}}}}})
                                         .value());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(svc.RecordConsent(psych, c->id, student.actor.student_id, "consent").ok());

  // Not open yet: nothing to answer.
  EXPECT_TRUE(svc.ListAssignments(student).value().empty());
  auto mine = store.AssignmentsOfStudent(student.actor.student_id).value();
  ASSERT_EQ(mine.size(), 1u);
  Json answers = {{"q1", "0"}, {"q2", "0"}, {"q3", "0"}, {"q4", "0"}, {"q5", "0"},
                  {"q6", "0"}, {"q7", "0"}, {"q8", "0"}, {"q9", "2"}};
  EXPECT_EQ(svc.Submit(student, mine[0].id, Input("k1", answers)).status().code(), absl::StatusCode::kPermissionDenied);

  clock_.Advance(int64_t{24} * 3600 * 1'000'000);
  ASSERT_EQ(svc.ListAssignments(student).value().size(), 1u);
  auto sub = svc.Submit(student, mine[0].id, Input("k1", answers));
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_TRUE(warnings.ListFollowUps(psych, "open", false).value().empty()) << "raised from the event path";
  {
    events::Dispatcher d(*db_, clock_);
    d.AddLog(NewSubmissionLog(*db_));
    d.Subscribe(warning::ScreeningResultsSubscription(*audit_));
    ASSERT_TRUE(d.DeliverPending().ok());
  }
  auto fus = warnings.ListFollowUps(psych, "open", false).value();
  ASSERT_EQ(fus.size(), 1u);
  EXPECT_EQ(fus[0].due_at - fus[0].created_at, int64_t{24} * 3600 * 1'000'000);
  EXPECT_TRUE(warnings.ListFollowUps(psych, "open", true).value().empty());
  clock_.Advance(int64_t{25} * 3600 * 1'000'000);
  ASSERT_EQ(warnings.ListFollowUps(psych, "open", true).value().size(), 1u) << "overdue";

  warning::InterviewInput in;
  in.outcome = "confirmed";
  in.level = 1;
  in.valid_days = 2;
  ASSERT_TRUE(warnings.RecordInterview(psych, fus[0].id, in).ok());
  EXPECT_EQ(warnings.ListLevels(head).value()["items"].size(), 1u);
  // School leaders are named only 一级.
  EXPECT_EQ(warnings.ListLevels(As("school_leader")).value()["items"].size(), 1u);
  clock_.Advance(int64_t{3} * 86400 * 1'000'000);
  EXPECT_TRUE(warnings.ListLevels(head).value()["items"].empty()) << "a level not renewed lapses";

  // After the window nothing is open to answer; what was submitted stays listed.
  clock_.Advance(int64_t{10} * 86400 * 1'000'000);
  auto listed = svc.ListAssignments(student);
  ASSERT_TRUE(listed.ok());
  for (const auto& item : *listed) EXPECT_EQ(item.state, "submitted");
}

TEST_F(ServiceClockTest, HeldContextsFollowConsentAndSubmission) {
  ScreeningStore& store = *store_;
  ScreeningService& svc = *svc_;
  const auto psych = As("psych_staff"), student = As("student");
  auto c = svc.CreateCampaign(psych, CampaignInputOf(Json{{"template", "k12_junior"},
                                                          {"opens_on", "2026-09-01"},
                                                          {"closes_on", "2026-09-10"},
                                                          {"scales", {{{"instrument_id", "phq9"}}}}})
                                         .value());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(svc.RecordConsent(psych, c->id, student.actor.student_id, "consent").ok());
  auto mine = store.AssignmentsOfStudent(student.actor.student_id).value();
  ASSERT_EQ(mine.size(), 1u);
  // A first, incomplete try reads the student's open assignments into memory.
  auto partial = svc.Submit(student, mine[0].id, Input("k0", Json{{"q1", "0"}}));
  ASSERT_EQ(partial.status().code(), absl::StatusCode::kInvalidArgument);
  // The guardian's decline, recorded afterwards, holds at once.
  ASSERT_TRUE(svc.RecordConsent(psych, c->id, student.actor.student_id, "decline").ok());
  Json answers = {{"q1", "0"}, {"q2", "0"}, {"q3", "0"}, {"q4", "0"}, {"q5", "0"},
                  {"q6", "0"}, {"q7", "0"}, {"q8", "0"}, {"q9", "0"}};
  EXPECT_EQ(svc.Submit(student, mine[0].id, Input("k1", answers)).status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(svc.RecordConsent(psych, c->id, student.actor.student_id, "consent").ok());
  auto first = svc.Submit(student, mine[0].id, Input("k1", answers));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->repeat);
  // Once submitted, a repeat returns the stored answer and another key conflicts.
  auto again = svc.Submit(student, mine[0].id, Input("k1", answers));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeat);
  EXPECT_EQ(again->submission.id, first->submission.id);
  EXPECT_EQ(svc.Submit(student, mine[0].id, Input("k2", answers)).status().code(), absl::StatusCode::kAlreadyExists);
}

// Consent recorded by another server (straight into the database here):
// memory never loosens what is committed, nor keeps refusing once allowed.
TEST_F(ServiceClockTest, ConsentChangedElsewhereHoldsAgainstHeldContexts) {
  ScreeningService& svc = *svc_;
  const auto psych = As("psych_staff"), student = As("student");
  auto c = svc.CreateCampaign(
      psych, CampaignInputOf(Json{{"template", "k12_junior"},
                                  {"opens_on", "2026-09-01"},
                                  {"closes_on", "2026-09-10"},
                                  {"consent_age", 18},
                                  {"scales", {{{"instrument_id", "phq9"}}, {{"instrument_id", "gad7"}}}}})
                 .value());
  ASSERT_TRUE(c.ok()) << c.status();
  auto mine = store_->AssignmentsOfStudent(student.actor.student_id).value();
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(svc.HoldOpenAssessments({student.actor.student_id}).value(), 2u);
  auto set_consent = [&](const std::string& decision) {
    ASSERT_TRUE(db_->Run([&](soci::session& s) {
                     long long camp = c->id, st = student.actor.student_id;
                     s << "DELETE FROM screening_consents WHERE campaign_id = :c AND student_id = :s", soci::use(camp),
                         soci::use(st);
                     s << "INSERT INTO screening_consents (campaign_id, student_id, decision, source, recorded_by, "
                          "recorded_at) VALUES (:c, :s, :d, 'guardian', 1, 0)",
                         soci::use(camp), soci::use(st), soci::use(decision);
                     return absl::OkStatus();
                   })
                    .ok());
  };
  Json phq = {{"q1", "0"}, {"q2", "0"}, {"q3", "0"}, {"q4", "0"}, {"q5", "0"},
              {"q6", "0"}, {"q7", "0"}, {"q8", "0"}, {"q9", "0"}};
  Json gad = {{"q1", "0"}, {"q2", "0"}, {"q3", "0"}, {"q4", "0"}, {"q5", "0"}, {"q6", "0"}, {"q7", "0"}};
  const int64_t phq_id = mine[0].position == 0 ? mine[0].id : mine[1].id;
  const int64_t gad_id = mine[0].position == 0 ? mine[1].id : mine[0].id;
  // Held without consent; the consent recorded since is read and honoured.
  set_consent("consent");
  auto first = svc.Submit(student, phq_id, Input("k1", phq));
  ASSERT_TRUE(first.ok()) << first.status();
  // The other scale is held with the consent; a decline recorded since is
  // refused by the writer's claim, and nothing is stored.
  ASSERT_TRUE(svc.ListAssignments(student).ok());
  set_consent("decline");
  auto refused = svc.Submit(student, gad_id, Input("k2", gad));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  EXPECT_FALSE(store_->SubmissionOfAssignment(gad_id).value());
  set_consent("consent");
  EXPECT_TRUE(svc.Submit(student, gad_id, Input("k2", gad)).ok());
}

TEST(CampaignTallies, ACampaignNobodyAskedForInHalfAnHourIsDroppedAndReadAgainWhenAsked) {
  const auto dir = std::filesystem::temp_directory_path() / ("xq-tallies-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  {
    auto db = db::Database::Open("sqlite:" + (dir / "t.db").string());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(db::Migrate(**db).ok());
    FakeClock clock;
    clock.Set(1'800'000'000'000'000);
    CampaignTallies tallies(**db, clock, [](int, const std::string&, const std::string&) { return false; });
    const std::vector<std::string> city = {"/1/"};
    ASSERT_TRUE(tallies.Aggregates(1, city).ok());
    ASSERT_TRUE(tallies.Aggregates(2, city).ok());
    EXPECT_EQ(tallies.Kept(), 2u);
    clock.Advance(20LL * 60 * 1'000'000);
    ASSERT_TRUE(tallies.Aggregates(2, city).ok());
    EXPECT_EQ(tallies.Kept(), 2u) << "20 minutes idle: kept";
    clock.Advance(15LL * 60 * 1'000'000);
    ASSERT_TRUE(tallies.Progress(3, 14, "/1/").ok());
    EXPECT_EQ(tallies.Kept(), 2u) << "campaign 1, 35 minutes idle, is dropped; 2 and 3 stay";
    auto again = tallies.Aggregates(1, city);
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE(again->has_value());
    EXPECT_TRUE((*again)->empty());
    EXPECT_EQ(tallies.Kept(), 3u);
  }
  std::filesystem::remove_all(dir);
}

TEST(ContextCache, ServesUnsubmittedAssignmentsUntilForgottenOrOld) {
  ContextCache cache(1'000'000);
  std::vector<SubmitContext> mine(3);
  for (int i = 0; i < 3; ++i) {
    mine[i].assignment.id = 10 + i;
    mine[i].assignment.campaign_id = 1 + i;
    mine[i].assignment.student_id = 100;
    mine[i].assignment.state = "pending";
    mine[i].student = std::make_shared<const StudentInfo>();
  }
  mine[2].assignment.state = "submitted";  // never served from memory
  EXPECT_FALSE(cache.StudentHeld(100, 0));
  cache.PutStudent(100, mine, 0);
  EXPECT_TRUE(cache.StudentHeld(100, 500'000));
  ASSERT_TRUE(cache.Find(10, 500'000));
  EXPECT_EQ(cache.Find(11, 500'000)->assignment.campaign_id, 2);
  EXPECT_FALSE(cache.Find(12, 500'000));
  cache.Forget(10);
  EXPECT_FALSE(cache.Find(10, 500'000));
  cache.ForgetStudent(100);
  EXPECT_FALSE(cache.Find(11, 500'000));
  EXPECT_FALSE(cache.StudentHeld(100, 500'000)) << "read again on the next submission";
  // Many students at once: each is held, with or without open assignments.
  cache.PutStudents({100, 200}, mine, 0);
  EXPECT_TRUE(cache.StudentHeld(200, 1));
  EXPECT_EQ(cache.size(), 2u);
  cache.PutStudent(100, mine, 0);
  EXPECT_FALSE(cache.Find(10, 1'000'000)) << "older than the bound";
  EXPECT_FALSE(cache.StudentHeld(100, 1'000'000));
}

// Throughput of the writer alone (run with --gtest_also_run_disabled_tests):
// XQ_WRITER_THREADS request threads (default 64), durable commits on a temp SQLite file.
TEST_F(WriterTest, DISABLED_Throughput) {
  constexpr int kRows = 40000;
  const int kThreads = std::getenv("XQ_WRITER_THREADS") ? std::atoi(std::getenv("XQ_WRITER_THREADS")) : 64;
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) {
                   std::vector<long long> ids;
                   std::vector<int> pos;
                   for (int i = 0; i < kRows; ++i) ids.push_back(1000 + i), pos.push_back(100 + i);
                   s << "INSERT INTO screening_assignments (id, campaign_id, student_id, school_id, "
                        "unit_path, position) VALUES (:id, 9, 5, 1, '/1/', :p)",
                       soci::use(ids), soci::use(pos);
                   return absl::OkStatus();
                 })
                  .ok());
  SubmissionWriter writer(*db_);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kRows; i += kThreads) {
        auto r = writer.Write(Request(1000 + i, "k" + std::to_string(i), i % 500 == 0));
        ASSERT_TRUE(r.ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d rows in %.2f s: %.0f rows/s, %lld batches\n", kRows, secs, kRows / secs,
              static_cast<long long>(writer.stats().batches));
  EXPECT_EQ(Count("screening_submissions"), kRows);
}

// After a critical answer the answer says so (reach_out_now), in the
// DOM's key order like every other field.
TEST(SubmitAnswer, ReachOutNowSameBytesAsTheJsonDom) {
  SubmitOutcome out;
  out.submission.assignment_id = 42;
  out.submission.client_key = "k";
  out.submission.submitted_at = 1'790'000'000'000'000;
  out.feedback = {"请现在就找人说一说。"};
  out.hotlines = std::make_shared<const counselling::UnitHotlines>(counselling::UnitHotlines{{}, "[]"});
  out.reach_out_now = true;
  Json dom = {{"assignment_id", "42"},
              {"submission_id", "k"},
              {"submitted_at", FormatRfc3339(out.submission.submitted_at)},
              {"feedback", out.feedback},
              {"hotlines", Json::array()},
              {"reach_out_now", true}};
  EXPECT_EQ(SubmitAnswer(out), dom.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace
}  // namespace xq::screening
