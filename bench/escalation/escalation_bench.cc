// How long the job runner takes to escalate the warnings that fall due in
// the same minute, among many open ones (docs/performance.md "Escalation").
//
//   escalation_bench [--scale district|city] [--open N] [--due M]
//                    [--batch B] [--db URL] [--pause SECONDS]
//
// Generates the demo city of the scale into a fresh database (a temporary
// SQLite file unless --db names an empty one), raises N open warnings on
// as many students at t0 through warning::RaiseIn — M of them 一级 (acknowledge
// within 1 h), spread over one minute, the rest 三级 (72 h) — then moves a
// fake clock to t0 + 1 h + 1 min and times JobRunner::RunDue(), which
// escalates the M due ones from the class to the grade (notices to the
// grade heads, audit entries, warning.escalated events, the next step's
// jobs). The database is opened as the server opens it (the SQLite log
// checkpointed in the background, here between the phases). Prints one
// line of figures (wall and CPU time) and checks that exactly M escalated.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "common/warning_demo.h"
#include "core/clock.h"
#include "core/ids.h"
#include "db/database.h"
#include "db/row.h"
#include "demo/demo.h"
#include "fmt/format.h"
#include "jobs/jobs.h"
#include "warning/escalation.h"

namespace {

using namespace xq;

struct Args {
  std::string scale = "district";
  int64_t open = 100'000;
  int64_t due = 1'000;
  int batch = jobs::RunnerOptions{}.batch;
  std::string db;
  int pause = 0;  // seconds before the timed run, to attach a profiler
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "escalation_bench: %s\n", what.c_str());
  return 1;
}

struct Student {
  int64_t id, school_id;
  std::string path;
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--scale")
      a.scale = v;
    else if (k == "--open")
      a.open = std::stoll(v);
    else if (k == "--due")
      a.due = std::stoll(v);
    else if (k == "--batch")
      a.batch = std::stoi(v);
    else if (k == "--db")
      a.db = v;
    else if (k == "--pause")
      a.pause = std::stoi(v);
    else
      return Fail("unknown option " + k);
  }
  if (a.due > a.open) return Fail("--due must not exceed --open");
  auto scale = demo::ScaleFromName(a.scale);
  if (!scale) return Fail("--scale is small, district or city");
  auto demo = bench::OpenDemo(a.db, *scale, a.scale, "escalation");
  if (!demo.ok()) return Fail(demo.status().ToString());
  auto* db = &demo->db;

  std::vector<Student> students;
  auto st = (*db)->Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << fmt::format(
             "SELECT st.id, st.school_id, st.unit_path FROM students st JOIN org_units u ON "
             "u.id = st.school_id WHERE st.status = 'active' AND st.class_id IS NOT NULL AND "
             "COALESCE(u.school_kind, '') NOT IN ('college', 'university') ORDER BY st.id LIMIT {}",
             a.open));
    for (const auto& r : rows) students.push_back({db::GetInt(r, 0), db::GetInt(r, 1), db::GetStr(r, 2)});
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());
  if (static_cast<int64_t>(students.size()) < a.open)
    return Fail(fmt::format("the demo has {} K-12 students in classes, fewer than --open", students.size()));

  // Raise: the due ones spread over the first minute, the others later.
  FakeClock clock;
  const int64_t t0 = clock.NowMicros(), minute = 60'000'000, hour = 60 * minute;
  const int64_t every = a.open / a.due;  // the due ones are spread among the others
  auto t = std::chrono::steady_clock::now();
  for (int64_t from = 0; from < a.open; from += 5'000) {
    st = (*db)->InTransaction([&](soci::session& s) -> absl::Status {
      for (int64_t i = from; i < std::min(a.open, from + 5'000); ++i) {
        const bool due = i % every == 0 && i / every < a.due;
        warning::Warning w;
        w.school_id = students[i].school_id;
        w.student_id = students[i].id;
        w.unit_path = students[i].path;
        w.source = "observation";
        w.level = due ? 1 : 3;
        w.owner_step = std::string(warning::kStepClass);
        w.urgency = due ? "immediate" : "record";
        w.summary = "观察报告提示需要关心";
        w.ref_type = "bench";
        const int64_t at = due ? t0 + (i / every) * minute / a.due : t0;
        if (auto r = warning::RaiseIn(s, w, at); !r.ok()) return r;
      }
      return absl::OkStatus();
    });
    if (!st.ok()) return Fail(st.ToString());
  }
  std::fprintf(stderr, "raised %lld open warnings in %.0f s\n", static_cast<long long>(a.open),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());

  // What the server's checkpoint thread would have copied by now.
  if (auto st = (*db)->Checkpoint(); !st.ok()) return Fail(st.ToString());
  audit::AuditLog audit(**db, clock);
  jobs::JobRunner runner(**db, clock, {.holder = "bench", .batch = a.batch});
  bench::HandleEscalations(runner, audit, clock);
  clock.Advance(hour + minute);
  // CPU time beside the wall time: on a shared machine the wall time also
  // holds the waits for the disk (one fsync per commit) and for the cores.
  auto cpu_ms = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
  };
  if (a.pause > 0) {
    std::fprintf(stderr, "pid %d: the timed run starts in %d s\n", static_cast<int>(getpid()), a.pause);
    std::this_thread::sleep_for(std::chrono::seconds(a.pause));
  }
  const double cpu0 = cpu_ms();
  t = std::chrono::steady_clock::now();
  auto ran = runner.RunDue();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  const double cpu = cpu_ms() - cpu0;
  if (!ran.ok()) return Fail(ran.status().ToString());

  long long escalated = 0;
  st = (*db)->Run([&](soci::session& s) {
    s << "SELECT COUNT(*) FROM warnings WHERE owner_step = 'grade' AND ref_type = 'bench'", soci::into(escalated);
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st.ToString());
  std::printf(
      "scale=%s open=%lld due=%lld batch=%d ran=%d escalated=%lld time_ms=%.1f cpu_ms=%.1f per_warning_us=%.0f\n",
      a.scale.c_str(), static_cast<long long>(a.open), static_cast<long long>(a.due), a.batch, *ran, escalated, ms, cpu,
      ms * 1000 / std::max<int64_t>(1, a.due));
  db->reset();
  if (!demo->dir.empty()) std::filesystem::remove_all(demo->dir);
  return escalated == a.due && *ran == a.due ? 0 : Fail("not every due warning escalated exactly once");
}
