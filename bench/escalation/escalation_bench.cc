// How long the job runner takes to escalate the warnings that fall due in
// the same minute, among many open ones (docs/performance.md "Escalation").
//
//   escalation_bench [--scale district|city] [--open N] [--due M]
//                    [--batch B] [--db URL] [--pause SECONDS] [--pages]
//                    [--cache-mib M] [--raised-together]
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
// --pages (SQLite): also prints which tables and indexes the timed run
// wrote, in pages and log frames, read from the write-ahead log (which
// holds the timed run alone: the log was checkpointed before it).
// --cache-mib (SQLite): each pooled connection's page cache (default: the
// server's, db::OpenOptions::sqlite_cache_kib).
// --raised-together: the others are raised first and the M due ones after
// them, in one run, as the server's time-ordered ids lay out warnings
// raised in the same minute; by default the due ones are raised among the
// others (one due every N/M), each on its own pages: the worst layout.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "common/warning_demo.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
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
  bool pages = false;
  bool raised_together = false;
  int cache_mib = db::OpenOptions{}.sqlite_cache_kib / 1024;
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "escalation_bench: %s\n", what.c_str());
  return 1;
}

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The pages written since the last checkpoint, by table or index: the
// valid frames of the SQLite write-ahead log `wal` (those whose salts are
// the header's), mapped to their owners through dbstat.
absl::Status PrintWrittenPages(db::Database& db, const std::string& wal) {
  std::ifstream in(wal, std::ios::binary);
  unsigned char header[32];
  if (!in.read(reinterpret_cast<char*>(header), sizeof(header))) return absl::NotFoundError("no log " + wal);
  const uint32_t page_size = BigEndian32(header + 8), salt1 = BigEndian32(header + 16),
                 salt2 = BigEndian32(header + 20);
  std::map<uint32_t, int> frames;  // page -> frames
  std::vector<char> page(page_size);
  unsigned char fh[24];
  while (in.read(reinterpret_cast<char*>(fh), sizeof(fh)) && in.read(page.data(), page_size)) {
    if (BigEndian32(fh + 8) != salt1 || BigEndian32(fh + 12) != salt2) break;  // left over from an earlier log
    ++frames[BigEndian32(fh)];
  }
  struct Owner {
    std::set<uint32_t> pages;
    int frames = 0;
  };
  std::map<std::string, Owner> by_owner;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows = (s.prepare << "SELECT name, pageno FROM dbstat");
    for (const auto& r : rows) {
      auto it = frames.find(static_cast<uint32_t>(db::GetInt(r, 1)));
      if (it == frames.end()) continue;
      Owner& o = by_owner[db::GetStr(r, 0)];
      if (o.pages.insert(it->first).second) o.frames += it->second;
    }
    return absl::OkStatus();
  }));
  int total = 0;
  for (const auto& [pg, n] : frames) total += n;
  std::vector<std::pair<std::string, Owner>> sorted(by_owner.begin(), by_owner.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& x, const auto& y) { return x.second.pages.size() > y.second.pages.size(); });
  std::printf("written: %zu pages in %d frames of %u bytes\n", frames.size(), total, page_size);
  for (const auto& [name, o] : sorted)
    std::printf("  %-32s %6zu pages %6d frames\n", name.c_str(), o.pages.size(), o.frames);
  return absl::OkStatus();
}

struct Student {
  int64_t id, school_id;
  std::string path;
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--pages") {
      a.pages = true;
      --i;
      continue;
    }
    if (k == "--raised-together") {
      a.raised_together = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) return Fail("option " + k + " needs a value");
    std::string v = argv[i + 1];
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
    else if (k == "--cache-mib")
      a.cache_mib = std::stoi(v);
    else
      return Fail("unknown option " + k);
  }
  if (a.due > a.open) return Fail("--due must not exceed --open");
  auto scale = demo::ScaleFromName(a.scale);
  if (!scale) return Fail("--scale is small, district or city");
  auto demo = bench::OpenDemo(a.db, *scale, a.scale, "escalation", a.cache_mib * 1024);
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
  // The students in raise order (indices into `students`, with whether the
  // warning falls due). By default the due ones are among the others, one
  // every N/M. --raised-together: the others first, then the due ones,
  // which are the same students whatever N (spread over the whole city),
  // so two sizes differ only in the warnings that do not fall due.
  std::vector<std::pair<int64_t, bool>> order;
  order.reserve(a.open);
  if (a.raised_together) {
    const int64_t stride = static_cast<int64_t>(students.size()) / a.due;
    std::set<int64_t> due_ones;
    for (int64_t j = 0; j < a.due; ++j) due_ones.insert(j * stride);
    for (int64_t i = 0; static_cast<int64_t>(order.size()) < a.open - a.due; ++i)
      if (!due_ones.contains(i)) order.push_back({i, false});
    for (int64_t i : due_ones) order.push_back({i, true});
  } else {
    for (int64_t i = 0; i < a.open; ++i) order.push_back({i, i % every == 0 && i / every < a.due});
  }
  for (int64_t from = 0; from < a.open; from += 5'000) {
    st = (*db)->InTransaction([&](soci::session& s) -> absl::Status {
      for (int64_t k = from; k < std::min(a.open, from + 5'000); ++k) {
        const auto [i, due] = order[k];
        const int64_t nth = a.raised_together ? k - (a.open - a.due) : i / every;  // of the due ones
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
        const int64_t at = due ? t0 + nth * minute / a.due : t0;
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
  if (a.pages && (*db)->dialect() == db::Dialect::kSqlite) {
    const std::string url = a.db.empty() ? "sqlite:" + (demo->dir / "bench.db").string() : a.db;
    const std::string file = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
    if (auto st = PrintWrittenPages(**db, file + "-wal"); !st.ok()) return Fail(st.ToString());
  }
  std::printf(
      "scale=%s open=%lld due=%lld batch=%d ran=%d escalated=%lld time_ms=%.1f cpu_ms=%.1f per_warning_us=%.0f\n",
      a.scale.c_str(), static_cast<long long>(a.open), static_cast<long long>(a.due), a.batch, *ran, escalated, ms, cpu,
      ms * 1000 / std::max<int64_t>(1, a.due));
  db->reset();
  if (!demo->dir.empty()) std::filesystem::remove_all(demo->dir);
  return escalated == a.due && *ran == a.due ? 0 : Fail("not every due warning escalated exactly once");
}
