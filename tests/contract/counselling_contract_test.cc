// Contract of CounsellingStore on every backend: the booking race (many
// threads of two servers booking one slot: exactly one wins, the others
// get conflict "slot_taken"), the waitlist handing a freed slot to the
// first in line, no plaintext of a session note in the stored bytes, and
// key rotation (crypto::Reseal) stopped after one batch and run again.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <thread>

#include "contract/fixture.h"
#include "core/ids.h"
#include "core/status.h"
#include "counselling/counselling_store.h"
#include "counselling/sealed_columns.h"
#include "crypto/keyring.h"
#include "crypto/reseal.h"
#include "soci/soci.h"

namespace xq::testing {
namespace {

using counselling::Booking;
using counselling::SealedRecord;
using counselling::Slot;

absl::Status None(soci::session&) { return absl::OkStatus(); }

Slot NewSlot(int64_t school, int64_t starts_at) {
  Slot s;
  s.id = NewId();
  s.school_id = school;
  s.counsellor_account_id = 7;
  s.room = "心理辅导室 1";
  s.starts_at = starts_at;
  s.ends_at = starts_at + 3'000'000'000;
  s.created_at = 1;
  return s;
}

Booking NewBooking(int64_t slot, int64_t student) {
  Booking b;
  b.id = NewId();
  b.school_id = 1;
  b.slot_id = slot;
  b.student_id = student;
  b.unit_path = "/1/2/";
  b.source = "self";
  b.state = "booked";
  b.created_by = student;
  b.created_at = b.updated_at = 5;
  return b;
}

TEST_P(ContractTest, CounsellingBookingRaceHasOneWinner) {
  auto second = db::Database::Open(Url(), {.pool_size = 8});
  ASSERT_TRUE(second.ok()) << second.status();
  auto a = db::Database::Open(Url(), {.pool_size = 8});
  ASSERT_TRUE(a.ok()) << a.status();
  auto store_a = counselling::NewSociCounsellingStore(**a);
  auto store_b = counselling::NewSociCounsellingStore(**second);
  for (int round = 0; round < 3; ++round) {
    Slot slot = NewSlot(1, 1'000'000 + round);
    ASSERT_TRUE(store_a->CreateSlots({slot}, None).ok());
    constexpr int kThreads = 16;
    std::latch go(kThreads);
    std::atomic<int> won{0}, taken{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        counselling::CounsellingStore& store = i % 2 ? *store_a : *store_b;
        Booking b = NewBooking(slot.id, 100 + i);
        go.arrive_and_wait();
        absl::Status st = store.InsertBooking(b, None);
        if (st.ok()) {
          ++won;
        } else if (absl::IsAlreadyExists(st) && CodeOf(st).value_or("") == counselling::kSlotTaken) {
          ++taken;
        } else {
          ++other;
          ADD_FAILURE() << st;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(taken.load(), kThreads - 1);
    EXPECT_EQ(other.load(), 0);
    auto got = store_a->GetSlot(slot.id);
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_TRUE((*got)->taken);
  }
}

// What a booking reads before it writes, in one query: the student, and
// the slot with whether an active booking holds it.
TEST_P(ContractTest, CounsellingBookingFactsReadStudentAndSlotTogether) {
  ASSERT_TRUE(Db().InTransaction([](soci::session& s) -> absl::Status {
                    s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                         "(1, NULL, 'school', '一中', 1, '/1/', 0)";
                    s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                         "(2, 1, 'class', '1班', 1, '/1/2/', 0)";
                    s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, "
                         "created_at, updated_at) VALUES (42, 1, 'S1', '张三', 'M', 2, '/1/2/', 0, 0)";
                    return absl::OkStatus();
                  })
                  .ok());
  auto store = counselling::NewSociCounsellingStore(Db());
  Slot slot = NewSlot(1, 3'000'000);
  ASSERT_TRUE(store->CreateSlots({slot}, None).ok());

  auto nobody = store->GetBookingFacts(43, slot.id);
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_FALSE(nobody->student.has_value());

  auto no_slot = store->GetBookingFacts(42, slot.id + 1);
  ASSERT_TRUE(no_slot.ok()) << no_slot.status();
  ASSERT_TRUE(no_slot->student.has_value());
  EXPECT_EQ(no_slot->student->school_id, 1);
  EXPECT_EQ(no_slot->student->unit_path, "/1/2/");
  EXPECT_FALSE(no_slot->slot.has_value());

  auto free = store->GetBookingFacts(42, slot.id);
  ASSERT_TRUE(free.ok()) << free.status();
  ASSERT_TRUE(free->student.has_value() && free->slot.has_value());
  EXPECT_EQ(free->slot->school_id, 1);
  EXPECT_EQ(free->slot->state, "open");
  EXPECT_EQ(free->slot->starts_at, slot.starts_at);
  EXPECT_FALSE(free->slot->taken);

  Booking b = NewBooking(slot.id, 77);
  ASSERT_TRUE(store->InsertBooking(b, None).ok());
  auto taken = store->GetBookingFacts(42, slot.id);
  ASSERT_TRUE(taken.ok() && taken->slot.has_value());
  EXPECT_TRUE(taken->slot->taken);
  EXPECT_EQ(taken->slot->student_id, 77);
  EXPECT_EQ(taken->student->id, 42);

  ASSERT_TRUE(store
                  ->CancelBooking(b.id, 77, 9, NewId(),
                                  [](soci::session&, const std::optional<Booking>&) { return absl::OkStatus(); })
                  .ok());
  auto again = store->GetBookingFacts(42, slot.id);
  ASSERT_TRUE(again.ok() && again->slot.has_value());
  EXPECT_FALSE(again->slot->taken);
}

TEST_P(ContractTest, CounsellingCancelHandsTheSlotToTheFirstWaiting) {
  auto store = counselling::NewSociCounsellingStore(Db());
  Slot slot = NewSlot(1, 2'000'000);
  ASSERT_TRUE(store->CreateSlots({slot}, None).ok());
  Booking b = NewBooking(slot.id, 10);
  ASSERT_TRUE(store->InsertBooking(b, None).ok());
  for (int64_t student : {11, 12}) {
    counselling::WaitlistEntry w{.id = NewId(),
                                 .school_id = 1,
                                 .slot_id = slot.id,
                                 .student_id = student,
                                 .unit_path = "/1/2/",
                                 .state = "waiting",
                                 .created_at = student};
    ASSERT_TRUE(store->InsertWaitlist(w, None).ok());
  }
  // Waiting twice for one slot is refused by the database too.
  counselling::WaitlistEntry twice{.id = NewId(),
                                   .school_id = 1,
                                   .slot_id = slot.id,
                                   .student_id = 11,
                                   .unit_path = "/1/2/",
                                   .state = "waiting",
                                   .created_at = 20};
  EXPECT_FALSE(store->InsertWaitlist(twice, None).ok());
  std::optional<Booking> promoted;
  const int64_t new_id = NewId();
  auto changed = store->CancelBooking(b.id, 10, 50, new_id, [&](soci::session&, const std::optional<Booking>& p) {
    promoted = p;
    return absl::OkStatus();
  });
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_TRUE(promoted.has_value());
  EXPECT_EQ(promoted->student_id, 11);
  EXPECT_EQ(promoted->id, new_id);
  EXPECT_EQ(promoted->source, "waitlist");
  // Cancelling again changes nothing; the slot stays the promoted student's.
  auto again = store->CancelBooking(b.id, 10, 60, NewId(),
                                    [](soci::session&, const std::optional<Booking>&) { return absl::OkStatus(); });
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto got = store->GetSlot(slot.id);
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ((*got)->student_id, 11);
  EXPECT_EQ((*got)->waiting, 1);
  // A failing step after the change rolls the cancellation back.
  auto failed = store->CancelBooking(new_id, 11, 70, NewId(), [](soci::session&, const std::optional<Booking>&) {
    return absl::UnavailableError("audit down");
  });
  EXPECT_FALSE(failed.ok());
  got = store->GetSlot(slot.id);
  EXPECT_EQ((*got)->student_id, 11);
  EXPECT_EQ((*got)->waiting, 1);
}

SealedRecord Sealed(const crypto::KeyRing& ring, int64_t id, const std::string& notes) {
  SealedRecord r;
  r.id = id;
  r.school_id = 1;
  r.student_id = 10;
  r.unit_path = "/1/2/";
  r.author_account_id = 7;
  r.risk = "low";
  const std::string ad = "counselling_records:" + std::to_string(id);
  r.concern_sealed = *ring.Seal("concern " + notes, ad);
  r.notes_sealed = *ring.Seal(notes, ad);
  r.next_steps_sealed = *ring.Seal("next " + notes, ad);
  r.held_at = r.created_at = r.updated_at = 3;
  return r;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_P(ContractTest, CounsellingNotesHoldNoPlaintext) {
  auto store = counselling::NewSociCounsellingStore(Db());
  crypto::KeyRing ring = crypto::KeyRing::Ephemeral();
  const std::string marker = "MARKER-私密-6b1e-" + std::to_string(NewId());
  ASSERT_TRUE(store->InsertRecord(Sealed(ring, NewId(), marker), None).ok());
  // Every text column of the table, as the database returns it.
  std::string all;
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    soci::rowset<soci::row> rows =
                        (s.prepare << "SELECT unit_path, risk, concern_sealed, notes_sealed, next_steps_sealed "
                                      "FROM counselling_records");
                    for (const auto& r : rows)
                      for (std::size_t i = 0; i < r.size(); ++i) all += r.get<std::string>(i) + "\n";
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(all.find(marker), std::string::npos);
  EXPECT_NE(all.find("xq1:"), std::string::npos);
  if (!IsPostgres()) {
    const std::string file = Url().substr(std::string("sqlite:").size());
    for (const std::string& f : {file, file + "-wal"}) {
      if (!std::filesystem::exists(f)) continue;
      EXPECT_EQ(FileBytes(f).find(marker), std::string::npos) << f;
    }
  }
}

TEST_P(ContractTest, CounsellingRotationResumesAfterAnInterruption) {
  auto store = counselling::NewSociCounsellingStore(Db());
  crypto::KeyRing one = crypto::KeyRing::Ephemeral();
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(NewId());
    ASSERT_TRUE(store->InsertRecord(Sealed(one, ids.back(), "note " + std::to_string(i)), None).ok());
  }
  // Key 2 joins key 1 (as `keys rotate` appends it to the file).
  std::map<uint32_t, std::string> keys = {{1, std::string(32, 'a')}, {2, std::string(32, 'b')}};
  crypto::KeyRing before = crypto::KeyRing::FromKeys({{1, keys[1]}});
  crypto::KeyRing after = crypto::KeyRing::FromKeys(keys);
  // Re-create the rows under the known key 1.
  ASSERT_TRUE(Db().InTransaction([&](soci::session& s) {
                    s << "DELETE FROM counselling_records";
                    return absl::OkStatus();
                  })
                  .ok());
  for (size_t i = 0; i < ids.size(); ++i)
    ASSERT_TRUE(store->InsertRecord(Sealed(before, ids[i], "note " + std::to_string(i)), None).ok());

  crypto::ResealOptions o;
  o.batch_rows = 3;
  o.max_batches = 1;  // interrupted after one batch
  auto cols = counselling::SealedColumns();
  auto first = crypto::Reseal(Db(), after, cols, o);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->complete);
  EXPECT_EQ(first->resealed, 3);
  // Mixed keys meanwhile: every row still opens with the new ring.
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = store->GetRecord(ids[i]);
    ASSERT_TRUE(r.ok() && *r);
    auto notes = after.Open((*r)->notes_sealed, "counselling_records:" + std::to_string(ids[i]));
    ASSERT_TRUE(notes.ok()) << notes.status();
    EXPECT_EQ(*notes, "note " + std::to_string(i));
  }
  o.max_batches = 0;
  auto second = crypto::Reseal(Db(), after, cols, o);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->complete);
  EXPECT_EQ(second->resealed, 7 * 3 - 3);  // the rest of the three columns
  EXPECT_EQ(second->current, 3);           // the first batch is skipped
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = store->GetRecord(ids[i]);
    for (const std::string* v : {&(*r)->concern_sealed, &(*r)->notes_sealed, &(*r)->next_steps_sealed})
      EXPECT_EQ(*crypto::SealedKeyId(*v), 2u);
    EXPECT_EQ(*after.Open((*r)->notes_sealed, "counselling_records:" + std::to_string(ids[i])),
              "note " + std::to_string(i));
    // The old key alone no longer opens them.
    EXPECT_FALSE(before.Open((*r)->notes_sealed, "counselling_records:" + std::to_string(ids[i])).ok());
  }
  // A third run has nothing to do.
  auto third = crypto::Reseal(Db(), after, cols, o);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->resealed, 0);
  // A value that does not open (tampered) stops the rotation, naming it.
  ASSERT_TRUE(Db().InTransaction([&](soci::session& s) {
                    long long id = ids[0];
                    std::string bad = *before.Seal("x", "counselling_records:0");
                    s << "UPDATE counselling_records SET notes_sealed = :v WHERE id = :id", soci::use(bad),
                        soci::use(id);
                    return absl::OkStatus();
                  })
                  .ok());
  auto broken = crypto::Reseal(Db(), after, cols, o);
  EXPECT_TRUE(absl::IsDataLoss(broken.status())) << broken.status();
}

}  // namespace
}  // namespace xq::testing
