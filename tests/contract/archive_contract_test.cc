// Contract of the archive and plans stores on both databases: the
// timeline (idempotent per event id, the union with screening's
// submissions paged by keyset), talks and visits with quota counts,
// transfers moving where the archive is held, plans and review meetings
// writing the attention level and its expiry.
#include "archive/archive_store.h"
#include "contract/fixture.h"
#include "plans/plans_store.h"

namespace xq::testing {
namespace {

void Seed(db::Database& db) {
  ASSERT_TRUE(db.InTransaction([](soci::session& s) -> absl::Status {
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(1, NULL, 'school', '一中', 1, '/1/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(2, 1, 'class', '1班', 1, '/1/2/', 0)";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) VALUES "
                       "(5, NULL, 'school', '大学', 5, '/5/', 0)";
                  s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, created_at, "
                       "updated_at) VALUES (42, 1, 'S1', '张三', 'M', 2, '/1/2/', 0, 0)";
                  s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, "
                       "updated_at) VALUES (9, 'ht', 'x', '王老师', 'staff', 0, 0)";
                  s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, created_at) VALUES "
                       "(1, 9, 'head_teacher', 2, 1, 0)";
                  return absl::OkStatus();
                }).ok());
}

TEST_P(ContractTest, ArchiveTimelineContactsTransfers) {
  Seed(Db());
  auto store = archive::NewSociArchiveStore(Db());
  for (int64_t id : {5000000000LL, 5000000001LL, 5000000002LL})
    for (int rep = 0; rep < 2; ++rep)
      ASSERT_TRUE(Db().InTransaction([&](soci::session& s) -> absl::Status {
                        archive::TimelineEntry t{.event_id = id,
                                                 .school_id = 1,
                                                 .student_id = 42,
                                                 .kind = "plans.created",
                                                 .data_class = id == 5000000002LL ? "D5" : "D4",
                                                 .summary_zh = "记录",
                                                 .ref_type = "plan",
                                                 .ref_id = "1",
                                                 .occurred_at = 7'000'000'000'000'000};
                        auto ins = archive::InsertTimelineIn(s, t);
                        if (!ins.ok()) return ins.status();
                        EXPECT_EQ(*ins, rep == 0);
                        return absl::OkStatus();
                      })
                      .ok());
  archive::TimelineQuery q{.student_id = 42, .classes = {"D4"}, .limit = 1};
  auto p1 = store->ListTimeline(q);
  ASSERT_TRUE(p1.ok()) << p1.status();
  ASSERT_EQ(p1->size(), 1u);
  EXPECT_EQ((*p1)[0].event_id, 5000000001LL);  // 64-bit ids survive the union
  q.before_at = (*p1)[0].occurred_at;
  q.before_id = (*p1)[0].event_id;
  auto p2 = store->ListTimeline(q);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->size(), 1u);
  EXPECT_EQ((*p2)[0].event_id, 5000000000LL);
  q.module = "warning";
  EXPECT_EQ(store->ListTimeline(q)->size(), 0u);

  archive::Contact c{.id = 77,
                     .school_id = 1,
                     .student_id = 42,
                     .unit_path = "/1/2/",
                     .kind = "home_visit",
                     .contact_date = "2026-09-10",
                     .mode = "phone",
                     .summary = "s",
                     .follow_up = "",
                     .author_account_id = 9,
                     .author_role = "head_teacher",
                     .author_name = "王老师",
                     .school_year = 2026,
                     .created_at = 1};
  ASSERT_TRUE(store->InsertContact(c, nullptr).ok());
  auto list = store->ListContacts({.student_id = 42, .kind = "home_visit", .limit = 10});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].student_name, "张三");
  auto counts = store->CountsOf(9, 2026);
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].class_students, 1);
  EXPECT_EQ((*counts)[0].class_students_visited, 1);
  EXPECT_EQ((*counts)[0].first_semester_start, 1);

  auto before = store->FindStudent(42, 0);
  ASSERT_TRUE(before.ok() && before->has_value());
  EXPECT_EQ((*before)->archive_path, "/1/2/");
  ASSERT_TRUE(store
                  ->InsertTransfer({.id = 1,
                                    .school_id = 1,
                                    .student_id = 42,
                                    .to_school_id = 5,
                                    .consent = "refused",
                                    .consented_by = "guardian",
                                    .consenter_name = "家长",
                                    .consented_on = "2026-09-10",
                                    .recorded_by = 9,
                                    .created_at = 10},
                                   nullptr)
                  .ok());
  EXPECT_EQ((*store->FindStudent(42, 0))->archive_path, "/1/2/");
  ASSERT_TRUE(store
                  ->InsertTransfer({.id = 2,
                                    .school_id = 1,
                                    .student_id = 42,
                                    .to_school_id = 5,
                                    .consent = "given",
                                    .consented_by = "guardian",
                                    .consenter_name = "家长",
                                    .consented_on = "2026-09-11",
                                    .recorded_by = 9,
                                    .created_at = 20},
                                   nullptr)
                  .ok());
  auto after = store->FindStudent(42, 0);
  EXPECT_EQ((*after)->archive_path, "/5/");
  EXPECT_TRUE((*after)->transferred_in);
  EXPECT_EQ(store->ListTransfers(42)->size(), 2u);
}

TEST_P(ContractTest, PlansAndReviewsWriteLevelsWithExpiry) {
  Seed(Db());
  auto store = plans::NewSociPlansStore(Db());
  auto archive = archive::NewSociArchiveStore(Db());
  plans::Plan p{.id = 100,
                .school_id = 1,
                .student_id = 42,
                .level = 2,
                .goals = "g",
                .measures = "m",
                .responsible = {{"head_teacher", "王老师"}, {"guardian", "家长"}},
                .next_review_date = "2026-09-01",
                .created_by = 9,
                .created_at = 1,
                .updated_at = 1};
  ASSERT_TRUE(store->InsertPlan(p, nullptr).ok());
  p.id = 101;
  EXPECT_FALSE(store->InsertPlan(p, nullptr).ok());  // one open plan per student
  ASSERT_TRUE(
      store
          ->AddNote(100, 1, {.id = 5, .note = "n", .source = "staff", .author_account_id = 9, .created_at = 2}, nullptr)
          .ok());
  auto got = store->CurrentPlan(42);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->responsible.size(), 2u);
  EXPECT_EQ((*got)->notes.size(), 1u);
  auto overdue = store->ListOverdue({"/1/"}, "2026-09-02", "", 0, 10);
  ASSERT_TRUE(overdue.ok()) << overdue.status();
  EXPECT_EQ(overdue->size(), 1u);
  EXPECT_EQ(store->ListOverdue({"/1/"}, "2026-09-01", "", 0, 10)->size(), 0u);
  EXPECT_EQ(store->ListOverdue({"/5/"}, "2026-09-02", "", 0, 10)->size(), 0u);

  plans::ReviewMeeting m{.id = 1,
                         .school_id = 1,
                         .unit_id = 2,
                         .unit_path = "/1/2/",
                         .held_on = "2026-09-10",
                         .attendees = {"a", "b"},
                         .next_review_date = "2026-10-10",
                         .recorded_by = 9,
                         .created_at = 50};
  m.decisions.push_back({.student_id = 42, .decision = "raise", .level_after = 3, .student_path = "/1/2/"});
  ASSERT_TRUE(store->InsertReview(m, 1000, nullptr).ok());
  EXPECT_EQ((*archive->FindStudent(42, 999))->attention_level, 3);
  EXPECT_EQ((*archive->FindStudent(42, 1000))->attention_level, 0);  // lapsed at expiry
  EXPECT_EQ((*store->CurrentPlan(42))->next_review_date, "2026-10-10");
  m.id = 2;
  m.decisions[0].decision = "keep";
  ASSERT_TRUE(store->InsertReview(m, 5000, nullptr).ok());  // renewed
  EXPECT_EQ((*archive->FindStudent(42, 1000))->attention_level, 3);
  m.id = 3;
  m.decisions[0].decision = "clear";
  m.decisions[0].level_after = 0;
  ASSERT_TRUE(store->InsertReview(m, 5000, nullptr).ok());
  EXPECT_EQ((*archive->FindStudent(42, 1000))->attention_level, 0);
  auto reviews = store->ListReviews({"/1/"}, 0, 10);
  ASSERT_TRUE(reviews.ok());
  ASSERT_EQ(reviews->size(), 3u);
  EXPECT_EQ((*reviews)[0].attendees.size(), 2u);
  ASSERT_TRUE(store->ClosePlan(100, "r", 60, nullptr).ok());
  EXPECT_FALSE(store->ClosePlan(100, "r", 61, nullptr).ok());
}

}  // namespace
}  // namespace xq::testing
