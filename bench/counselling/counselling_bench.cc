// counselling_bench: the cost of sealing session records (issue 20).
//
//   counselling_bench seal [--records N] [--db URL]
//     Per session record (three sealed fields: presenting concern, notes,
//     next steps, as CounsellingService writes them): the time to seal and
//     to open the three with the real key ring (XChaCha20-Poly1305), and
//     the time of the store's write (one transaction) and read of the
//     sealed record, so the share of the crypto in a note write and read
//     shows. Default database: a new SQLite file in a temporary folder.
//
//   counselling_bench seed --db URL --key-file F --records N
//     Fills counselling_records with N sealed records (the key file is
//     created when missing), in batches of 5,000 rows per transaction, for
//     `xinqiao keys rotate` to re-seal (bench/counselling/run.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/ids.h"
#include "counselling/counselling_store.h"
#include "crypto/keyring.h"
#include "db/database.h"
#include "fmt/format.h"
#include "soci/soci.h"

namespace {

using namespace xq;
using Clock = std::chrono::steady_clock;

int Fail(const std::string& what) {
  std::fprintf(stderr, "counselling_bench: %s\n", what.c_str());
  return 1;
}

// A record of the usual size: a short concern, a few hundred characters of
// notes, a line of next steps.
struct Texts {
  std::string concern = "学业压力，入睡困难";
  std::string notes;
  std::string next_steps = "一周后回访；与班主任沟通作业量；必要时转介心理门诊。";
};
Texts MakeTexts(int notes_chars) {
  Texts t;
  const std::string piece = "来访者自述近两周情绪低落，";  // 13 characters, 39 bytes
  while (static_cast<int>(t.notes.size()) < notes_chars * 3) t.notes += piece;
  return t;
}

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

absl::Status None(soci::session&) { return absl::OkStatus(); }

int Seal(const std::string& url_in, int records, int notes_chars) {
  std::string url = url_in;
  std::filesystem::path dir;
  if (url.empty()) {
    dir = std::filesystem::temp_directory_path() / ("xq-counselling-bench-" + RandomHex(6));
    std::filesystem::create_directories(dir);
    url = "sqlite:" + (dir / "bench.db").string();
  }
  auto db = db::Database::Open(url);
  if (!db.ok()) return Fail(db.status().ToString());
  if (auto st = db::Migrate(**db); !st.ok()) return Fail(st.ToString());
  auto store = counselling::NewSociCounsellingStore(**db);
  const crypto::KeyRing ring = crypto::KeyRing::Ephemeral();
  const Texts t = MakeTexts(notes_chars);

  std::vector<double> seal, open, write, read;
  std::vector<int64_t> ids;
  for (int i = 0; i < records; ++i) {
    counselling::SealedRecord r;
    r.id = NewId();
    r.school_id = 1;
    r.student_id = 2;
    r.unit_path = "/1/2/";
    r.author_account_id = 3;
    r.risk = "low";
    r.held_at = r.created_at = r.updated_at = 1;
    const std::string ad = "counselling_records:" + std::to_string(r.id);
    auto t0 = Clock::now();
    r.concern_sealed = *ring.Seal(t.concern, ad);
    r.notes_sealed = *ring.Seal(t.notes, ad);
    r.next_steps_sealed = *ring.Seal(t.next_steps, ad);
    auto t1 = Clock::now();
    if (auto st = store->InsertRecord(r, None); !st.ok()) return Fail(st.ToString());
    auto t2 = Clock::now();
    seal.push_back(Us(t1 - t0));
    write.push_back(Us(t2 - t1));
    ids.push_back(r.id);
  }
  for (int64_t id : ids) {
    auto t0 = Clock::now();
    auto rec = store->GetRecord(id);
    auto t1 = Clock::now();
    if (!rec.ok() || !*rec) return Fail("a record did not read back");
    const std::string ad = "counselling_records:" + std::to_string(id);
    auto c = ring.Open((*rec)->concern_sealed, ad);
    auto n = ring.Open((*rec)->notes_sealed, ad);
    auto x = ring.Open((*rec)->next_steps_sealed, ad);
    auto t2 = Clock::now();
    if (!c.ok() || !n.ok() || !x.ok() || *n != t.notes) return Fail("a record did not open");
    read.push_back(Us(t1 - t0));
    open.push_back(Us(t2 - t1));
  }
  // The crypto alone, many times over, median per call (the machine is
  // shared: medians, not means).
  const int reps = 20000;
  std::vector<double> seal1, open1;
  const std::string one = *ring.Seal(t.notes, "counselling_records:1");
  for (int i = 0; i < reps; ++i) {
    auto a = Clock::now();
    auto sealed = ring.Seal(t.notes, "counselling_records:1");
    auto b = Clock::now();
    auto opened = ring.Open(one, "counselling_records:1");
    auto c = Clock::now();
    if (!sealed.ok() || !opened.ok()) return Fail("seal/open failed");
    seal1.push_back(Us(b - a));
    open1.push_back(Us(c - b));
  }
  const double seal_notes = Median(seal1), open_notes = Median(open1);

  const double ms = Median(seal), mo = Median(open), mw = Median(write), mr = Median(read);
  std::printf(
      "{\"db\":\"%s\",\"records\":%d,\"notes_bytes\":%zu,\"sealed_bytes\":%zu,"
      "\"seal_3_fields_us\":%.1f,\"store_write_us\":%.1f,\"seal_share_of_write\":%.3f,"
      "\"open_3_fields_us\":%.1f,\"store_read_us\":%.1f,\"open_share_of_read\":%.3f,"
      "\"seal_notes_us\":%.2f,\"open_notes_us\":%.2f}\n",
      url.substr(0, url.find(':')).c_str(), records, t.notes.size(), ring.Seal(t.notes, "x")->size(), ms, mw,
      ms / (ms + mw), mo, mr, mo / (mo + mr), seal_notes, open_notes);
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}

int Seed(const std::string& url, const std::string& key_file, int64_t records, int notes_chars) {
  auto db = db::Database::Open(url);
  if (!db.ok()) return Fail(db.status().ToString());
  if (auto st = db::Migrate(**db); !st.ok()) return Fail(st.ToString());
  auto ring = crypto::KeyRing::LoadOrCreate(key_file);
  if (!ring.ok()) return Fail(ring.status().ToString());
  const Texts t = MakeTexts(notes_chars);
  const int64_t batch = 5000;
  auto start = Clock::now();
  for (int64_t from = 0; from < records; from += batch) {
    auto st = (*db)->InTransaction([&](soci::session& s) -> absl::Status {
      long long id = 0, held = 0;
      std::string c, n, x;
      soci::statement ins =
          (s.prepare << "INSERT INTO counselling_records (id, school_id, student_id, unit_path, booking_id, "
                        "author_account_id, risk, concern_sealed, notes_sealed, next_steps_sealed, held_at, "
                        "created_at, updated_at) VALUES (:id, 1, 2, '/1/2/', NULL, 3, 'low', :c, :n, :x, :h, :h2, :h3)",
           soci::use(id), soci::use(c), soci::use(n), soci::use(x), soci::use(held), soci::use(held), soci::use(held));
      for (int64_t i = from; i < std::min(records, from + batch); ++i) {
        id = NewId();
        held = 1'700'000'000'000'000 + i;
        const std::string ad = "counselling_records:" + std::to_string(id);
        c = *ring->Seal(t.concern, ad);
        n = *ring->Seal(t.notes, ad);
        x = *ring->Seal(t.next_steps, ad);
        ins.execute(true);
      }
      return absl::OkStatus();
    });
    if (!st.ok()) return Fail(st.ToString());
    if ((from / batch) % 20 == 0)
      std::fprintf(stderr, "seeded %lld\n", static_cast<long long>(std::min(records, from + batch)));
  }
  std::printf("{\"seeded\":%lld,\"key\":%u,\"seconds\":%.1f}\n", static_cast<long long>(records), ring->current_id(),
              std::chrono::duration<double>(Clock::now() - start).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Fail("usage: counselling_bench seal|seed [--db URL] [--key-file F] [--records N]");
  const std::string mode = argv[1];
  std::string db, key_file;
  int64_t records = mode == "seal" ? 2000 : 1'000'000;
  int notes_chars = 300;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--db")
      db = v;
    else if (k == "--key-file")
      key_file = v;
    else if (k == "--records")
      records = std::stoll(v);
    else if (k == "--notes-chars")
      notes_chars = std::stoi(v);
    else
      return Fail("unknown option " + k);
  }
  if (mode == "seal") return Seal(db, static_cast<int>(records), notes_chars);
  if (mode == "seed") {
    if (db.empty() || key_file.empty()) return Fail("seed needs --db and --key-file");
    return Seed(db, key_file, records, notes_chars);
  }
  return Fail("unknown mode " + mode);
}
