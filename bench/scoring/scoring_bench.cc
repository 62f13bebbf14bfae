// Scoring engine benchmark (docs/performance.md, "Scoring engine"):
//   - single-response latency (the submission path) for PHQ-9 and UPI;
//   - batch throughput (re-scoring a campaign, column-wise) for PHQ-9 and UPI;
//   - the same batch scored by SQLite SQL (sum of CASE expressions, bands
//     and classes in SQL) over an in-memory table of answers: the baseline.
// Responses are random but fixed (seeded), identical for engine and SQL.
#include <sqlite3.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"

namespace {

using namespace xq::instruments;

const ScoringPlan& Plan(const char* id) {
  const auto* e = BundledDefinitions().Find(id);
  if (!e) {
    std::fprintf(stderr, "no bundled %s\n", id);
    std::abort();
  }
  return e->plan;
}

ColumnBatch RandomBatch(const ScoringPlan& plan, size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& items = plan.definition().items;
  ColumnBatch b;
  b.rows = rows;
  b.answers.assign(items.size(), std::vector<int32_t>(rows));
  for (size_t i = 0; i < items.size(); ++i) {
    size_t n = items[i].options.size();
    // Mostly low answers, as in a real campaign (most students score low).
    for (size_t r = 0; r < rows; ++r) b.answers[i][r] = static_cast<int32_t>((rng() % 4 == 0) ? rng() % n : 0);
  }
  return b;
}

std::vector<Response> ToResponses(const ColumnBatch& b, size_t n) {
  std::vector<Response> out(n);
  for (size_t r = 0; r < n; ++r) {
    out[r].answers.resize(b.answers.size());
    for (size_t i = 0; i < b.answers.size(); ++i) out[r].answers[i] = b.answers[i][r];
  }
  return out;
}

void Single(benchmark::State& state, const char* id) {
  const ScoringPlan& plan = Plan(id);
  std::vector<Response> rs = ToResponses(RandomBatch(plan, 4096, 1), 4096);
  size_t i = 0;
  for (auto _ : state) {
    auto res = plan.Score(rs[i++ & 4095]);
    benchmark::DoNotOptimize(res);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void Batch(benchmark::State& state, const char* id) {
  const ScoringPlan& plan = Plan(id);
  const size_t rows = static_cast<size_t>(state.range(0));
  ColumnBatch b = RandomBatch(plan, rows, 2);
  BatchResult br;  // reused across iterations, as when re-scoring a campaign in chunks
  for (auto _ : state) {
    plan.ScoreBatch(b, br);
    benchmark::DoNotOptimize(br.score_num.data());
    if (!br.errors.empty()) state.SkipWithError("unexpected row errors");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
}

// SQLite baseline: the same answers in a table (option index per column),
// scored by one SELECT that sums CASE expressions mapping option index to
// value, then computes the band / class with CASE as the engine does.
struct SqliteBaseline {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;

  SqliteBaseline(const ScoringPlan& plan, const ColumnBatch& b, const std::string& select) {
    sqlite3_open(":memory:", &db);
    const auto& items = plan.definition().items;
    std::string create = "CREATE TABLE answers(respondent INTEGER PRIMARY KEY";
    std::string insert = "INSERT INTO answers VALUES(?";
    for (const auto& it : items) {
      create += ", \"" + it.id + "\" INTEGER";
      insert += ",?";
    }
    sqlite3_exec(db, (create + ")").c_str(), nullptr, nullptr, nullptr);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, (insert + ")").c_str(), -1, &ins, nullptr);
    for (size_t r = 0; r < b.rows; ++r) {
      sqlite3_bind_int64(ins, 1, static_cast<int64_t>(r));
      for (size_t i = 0; i < items.size(); ++i) sqlite3_bind_int(ins, static_cast<int>(i + 2), b.answers[i][r]);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (sqlite3_prepare_v2(db, select.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
      std::abort();
    }
  }
  ~SqliteBaseline() {
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  int64_t Run() {
    int64_t checksum = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      checksum += sqlite3_column_int64(stmt, 1) + sqlite3_column_int64(stmt, 2) + sqlite3_column_int64(stmt, 3);
    sqlite3_reset(stmt);
    return checksum;
  }
};

// value of item `id` through a CASE over its option indices.
std::string CaseOf(const Item& it) {
  std::string s = "(CASE \"" + it.id + "\"";
  int64_t lo = it.options.front().value, hi = lo;
  for (const auto& o : it.options) {
    lo = std::min(lo, o.value);
    hi = std::max(hi, o.value);
  }
  for (size_t k = 0; k < it.options.size(); ++k) {
    int64_t v = it.reverse ? lo + hi - it.options[k].value : it.options[k].value;
    s += " WHEN " + std::to_string(k) + " THEN " + std::to_string(v);
  }
  return s + " END)";
}

std::string Phq9Sql(const ScoringPlan& plan) {
  const auto& items = plan.definition().items;
  std::string total;
  for (int i = 0; i < 9; ++i) total += (i ? " + " : "") + CaseOf(items[i]);
  return "SELECT respondent, total, CASE WHEN total <= 4 THEN 0 WHEN total <= 9 THEN 1 WHEN total <= 14 THEN 2 "
         "WHEN total <= 19 THEN 3 ELSE 4 END, (q9 >= 1) FROM (SELECT respondent, q9, " +
         total + " AS total FROM answers)";
}

std::string UpiSql(const ScoringPlan& plan) {
  const Definition& d = plan.definition();
  std::string total;
  for (const auto& id : d.scores[d.ScoreIndex("total")].items) {
    total += (total.empty() ? "" : " + ") + CaseOf(d.items[d.ItemIndex(id)]);
  }
  std::string aux = "(q61 + q62 + q63 + q64)";  // yes = option index 1 = value 1
  return "SELECT respondent, total, CASE WHEN total >= 25 OR q25 = 1 OR " + aux +
         " >= 2 OR q64 = 1 THEN 0 "
         "WHEN total >= 20 OR q8 + q16 + q26 >= 1 OR " +
         aux +
         " = 1 THEN 1 ELSE 2 END, (q25 = 1) "
         "FROM (SELECT respondent, q8, q16, q25, q26, q61, q62, q63, q64, " +
         total + " AS total FROM answers)";
}

void Sqlite(benchmark::State& state, const char* id) {
  const ScoringPlan& plan = Plan(id);
  const size_t rows = static_cast<size_t>(state.range(0));
  ColumnBatch b = RandomBatch(plan, rows, 2);
  SqliteBaseline base(plan, b, std::string(id) == "phq9" ? Phq9Sql(plan) : UpiSql(plan));
  for (auto _ : state) benchmark::DoNotOptimize(base.Run());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
}

BENCHMARK_CAPTURE(Single, phq9, "phq9");
BENCHMARK_CAPTURE(Single, upi, "upi");
BENCHMARK_CAPTURE(Batch, phq9, "phq9")->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Batch, upi, "upi")->Arg(1 << 18)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Sqlite, phq9, "phq9")->Arg(1 << 18)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Sqlite, upi, "upi")->Arg(1 << 16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
