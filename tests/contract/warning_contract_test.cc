// Contract of WarningStore on every backend: warnings and follow-ups
// listed within scope paths, newest (resp. soonest due) first, counted and
// paged by keyset without loss or repeat; a warning read whole with its
// student's and acknowledger's names; acknowledgement once, with its audit
// entry in the same transaction; an interview closing its follow-up once
// and setting or clearing the student's attention level, which lapses.
#include <string>
#include <type_traits>
#include <vector>

#include "contract/fixture.h"
#include "core/clock.h"
#include "core/ids.h"
#include "org/org_store.h"
#include "warning/warning_store.h"

namespace xq::testing {
namespace {

// A city with one district, school 一中 (grade 七年级, classes 1班 and 2班)
// and school 二中 (one class); two students in each class.
struct Town {
  std::string class1, class2, other;  // the classes' paths
  std::string school;                 // 一中's path
  int64_t school_id = 0, other_school_id = 0;
  std::vector<int64_t> in_class1, in_class2, in_other;
};

Town Build(db::Database& db) {
  FakeClock clock;
  auto org = org::NewSociOrgStore(db, clock);
  auto unit = [&](int64_t parent, std::string kind, std::string name, std::string school_kind = "") {
    org::OrgUnit u;
    u.parent_id = parent;
    u.kind = std::move(kind);
    u.name = std::move(name);
    u.school_kind = std::move(school_kind);
    if (u.kind == "grade") u.grade_year = 7;
    auto made = org->CreateUnit(u);
    EXPECT_TRUE(made.ok()) << made.status();
    return made.value_or(org::OrgUnit{});
  };
  auto student = [&](const org::OrgUnit& cls, const std::string& no) {
    org::Student st;
    st.school_id = cls.school_id;
    st.student_no = no;
    st.name = "学生" + no;
    st.sex = "F";
    st.class_id = cls.id;
    auto made = org->CreateStudent(st, "2026-09-01");
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? made->id : 0;
  };
  const auto city = unit(0, "city", "天津市");
  const auto district = unit(city.id, "district", "和平区");
  const auto school = unit(district.id, "school", "一中", "junior");
  const auto grade = unit(school.id, "grade", "七年级");
  const auto c1 = unit(grade.id, "class", "1班"), c2 = unit(grade.id, "class", "2班");
  const auto other = unit(district.id, "school", "二中", "junior");
  const auto other_grade = unit(other.id, "grade", "七年级");
  const auto c3 = unit(other_grade.id, "class", "1班");
  Town t{c1.path, c2.path, c3.path, school.path, school.id, other.id};
  for (int i = 0; i < 2; ++i) {
    t.in_class1.push_back(student(c1, "A" + std::to_string(i)));
    t.in_class2.push_back(student(c2, "B" + std::to_string(i)));
    t.in_other.push_back(student(c3, "C" + std::to_string(i)));
  }
  return t;
}

warning::Warning NewWarning(int64_t school, int64_t student, const std::string& path, int64_t at) {
  warning::Warning w;
  w.id = NewId();
  w.school_id = school;
  w.student_id = student;
  w.unit_path = path;
  w.instrument_id = "phq9";
  w.item_id = "q9";
  w.critical_id = "q9_self_harm";
  w.urgency = "urgent";
  w.label = "自伤意念";
  w.created_at = at;
  w.source = "observation";
  w.level = 2;
  w.owner_step = "class";
  w.ack_due_at = at + 100;
  w.action_due_at = at + 200;
  w.summary = "观察报告提示需要关心";
  return w;
}

warning::FollowUp NewFollowUp(int64_t school, int64_t student, const std::string& path, int64_t due) {
  warning::FollowUp f;
  f.id = NewId();
  f.school_id = school;
  f.student_id = student;
  f.unit_path = path;
  f.submission_id = NewId();
  f.campaign_id = NewId();
  f.instrument_id = "phq9";
  f.reason = "positive";
  f.due_at = due;
  f.created_at = 1;
  return f;
}

template <typename T>
void InsertAll(db::Database& db, const std::vector<T>& rows) {
  std::vector<const T*> ptrs;
  for (const T& r : rows) ptrs.push_back(&r);
  ASSERT_TRUE(db.InTransaction([&](soci::session& s) {
                  if constexpr (std::is_same_v<T, warning::Warning>) {
                    warning::InsertWarningsIn(s, ptrs);
                  } else {
                    warning::InsertFollowUpsIn(s, ptrs);
                  }
                  return absl::OkStatus();
                }).ok());
}

absl::Status Audited(soci::session&) { return absl::OkStatus(); }
absl::Status AuditAway(soci::session&) { return absl::UnavailableError("the audit log is away"); }

TEST_P(ContractTest, WarningsAreListedCountedAndPagedWithinTheirScope) {
  const Town t = Build(Db());
  auto store = warning::NewSociWarningStore(Db());
  // Five in 一中 (two at the same time: the id breaks the tie), one in 二中.
  std::vector<warning::Warning> ws = {NewWarning(t.school_id, t.in_class1[0], t.class1, 1000),
                                      NewWarning(t.school_id, t.in_class1[1], t.class1, 2000),
                                      NewWarning(t.school_id, t.in_class2[0], t.class2, 2000),
                                      NewWarning(t.school_id, t.in_class2[1], t.class2, 3000),
                                      NewWarning(t.school_id, t.in_class2[1], t.class2, 4000),
                                      NewWarning(t.other_school_id, t.in_other[0], t.other, 5000)};
  InsertAll(Db(), ws);
  ASSERT_TRUE(store->Acknowledge(ws[4].id, 9, 4500, Audited).value());

  auto all = store->ListWarnings({t.school}, "", 50).value();
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(all[i - 1].created_at > all[i].created_at ||
                (all[i - 1].created_at == all[i].created_at && all[i - 1].id > all[i].id))
        << "newest first, then by id";
  }
  EXPECT_EQ(store->CountWarnings({t.school}, "").value(), 5);
  EXPECT_EQ(store->CountWarnings({t.school}, "open").value(), 4);
  EXPECT_EQ(store->ListWarnings({t.school}, "acknowledged", 50).value().size(), 1u);
  EXPECT_EQ(store->ListWarnings({t.class1}, "", 50).value().size(), 2u);
  EXPECT_EQ(store->CountWarnings({t.class1, t.other}, "").value(), 3);
  EXPECT_TRUE(store->ListWarnings({t.other + "9/"}, "", 50).value().empty());
  EXPECT_EQ(store->ListWarnings({t.school}, "", 2).value().size(), 2u);

  // Keyset pages of two give every warning once, in the listing's order.
  std::vector<int64_t> paged;
  auto page = store->ListWarnings({t.school}, "", 2).value();
  while (!page.empty()) {
    for (const auto& w : page) paged.push_back(w.id);
    page = store->ListWarningsAfter({t.school}, "", page.back().created_at, page.back().id, 2).value();
  }
  std::vector<int64_t> listed;
  for (const auto& w : all) listed.push_back(w.id);
  EXPECT_EQ(paged, listed);

  // Read whole.
  auto got = store->GetWarning(ws[0].id).value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->student_id, t.in_class1[0]);
  EXPECT_EQ(got->student_name, "学生A0");
  EXPECT_EQ(got->student_no, "A0");
  EXPECT_EQ(got->unit_path, t.class1);
  EXPECT_EQ(got->critical_id, "q9_self_harm");
  EXPECT_EQ(got->label, "自伤意念");
  EXPECT_EQ(got->source, "observation");
  EXPECT_EQ(got->level, 2);
  EXPECT_EQ(got->owner_step, "class");
  EXPECT_EQ(got->ack_due_at, 1100);
  EXPECT_EQ(got->action_due_at, 1200);
  EXPECT_EQ(got->summary, "观察报告提示需要关心");
  EXPECT_EQ(got->state, "open");
  EXPECT_FALSE(store->GetWarning(NewId()).value().has_value());
}

TEST_P(ContractTest, AWarningIsAcknowledgedOnceAndOnlyWithItsAuditEntry) {
  const Town t = Build(Db());
  auto store = warning::NewSociWarningStore(Db());
  std::vector<warning::Warning> ws = {NewWarning(t.school_id, t.in_class1[0], t.class1, 1000)};
  InsertAll(Db(), ws);
  const int64_t teacher = NewId();
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    long long id = teacher;
                    s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, "
                         "updated_at) VALUES (:id, 'wang', 'x', '王老师', 'staff', 0, 0)",
                        soci::use(id);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(store->Acknowledge(ws[0].id, teacher, 1500, AuditAway).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->GetWarning(ws[0].id).value()->state, "open") << "no change without its audit entry";
  int audited = 0;
  auto audit = [&](soci::session&) {
    ++audited;
    return absl::OkStatus();
  };
  EXPECT_TRUE(store->Acknowledge(ws[0].id, teacher, 2000, audit).value());
  EXPECT_FALSE(store->Acknowledge(ws[0].id, NewId(), 3000, audit).value()) << "acknowledged once";
  EXPECT_FALSE(store->Acknowledge(NewId(), teacher, 3000, audit).value()) << "no such warning";
  EXPECT_EQ(audited, 1);
  auto w = store->GetWarning(ws[0].id).value();
  EXPECT_EQ(w->state, "acknowledged");
  EXPECT_EQ(w->acknowledged_by, teacher);
  EXPECT_EQ(w->acknowledged_at, 2000);
  EXPECT_EQ(w->acknowledged_by_name, "王老师");
  EXPECT_TRUE(store->ListWarnings({t.school}, "open", 50).value().empty());
}

TEST_P(ContractTest, FollowUpsAreListedByDueTimeAndAnInterviewClosesOneOnce) {
  const Town t = Build(Db());
  auto store = warning::NewSociWarningStore(Db());
  std::vector<warning::FollowUp> fs = {NewFollowUp(t.school_id, t.in_class1[0], t.class1, 3000),
                                       NewFollowUp(t.school_id, t.in_class1[1], t.class1, 1000),
                                       NewFollowUp(t.school_id, t.in_class2[0], t.class2, 1000),
                                       NewFollowUp(t.school_id, t.in_class2[1], t.class2, 2000),
                                       NewFollowUp(t.other_school_id, t.in_other[0], t.other, 500)};
  InsertAll(Db(), fs);

  auto open = store->ListFollowUps({t.school}, "open", std::nullopt, 50).value();
  ASSERT_EQ(open.size(), 4u);
  for (size_t i = 1; i < open.size(); ++i) {
    EXPECT_TRUE(open[i - 1].due_at < open[i].due_at ||
                (open[i - 1].due_at == open[i].due_at && open[i - 1].id < open[i].id))
        << "soonest due first, then by id";
  }
  EXPECT_EQ(open[0].id, fs[1].id) << "due at 1,000 and scheduled first";
  EXPECT_EQ(open[0].student_name, "学生A1");
  EXPECT_EQ(store->CountFollowUps({t.school}, "open", std::nullopt).value(), 4);
  EXPECT_EQ(store->CountFollowUps({t.school}, "open", 2000).value(), 2) << "due before 2000";
  EXPECT_EQ(store->ListFollowUps({t.school}, "", 2001, 50).value().size(), 3u);
  EXPECT_EQ(store->ListFollowUps({t.class2}, "", std::nullopt, 50).value().size(), 2u);
  std::vector<int64_t> paged;
  auto page = store->ListFollowUps({t.school}, "open", std::nullopt, 3).value();
  while (!page.empty()) {
    for (const auto& f : page) paged.push_back(f.id);
    page = store->ListFollowUpsAfter({t.school}, "open", std::nullopt, page.back().due_at, page.back().id, 3).value();
  }
  std::vector<int64_t> listed;
  for (const auto& f : open) listed.push_back(f.id);
  EXPECT_EQ(paged, listed);
  auto got = store->GetFollowUp(fs[0].id).value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->due_at, 3000);
  EXPECT_EQ(got->reason, "positive");
  EXPECT_EQ(got->student_no, "A0");
  EXPECT_FALSE(store->GetFollowUp(NewId()).value().has_value());

  // An interview without its audit entry changes nothing.
  EXPECT_EQ(store->RecordInterview(*got, NewId(), "confirmed", 2, "每周谈心", "", 9, 4000, 90000, AuditAway).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->GetFollowUp(fs[0].id).value()->state, "open");
  EXPECT_TRUE(store->ListLevels({t.school}, 5000).value().empty());
  ASSERT_TRUE(store->RecordInterview(*got, NewId(), "confirmed", 2, "每周谈心", "", 9, 4000, 90000, Audited).ok());
  EXPECT_EQ(store->RecordInterview(*got, NewId(), "cleared", 0, "", "", 9, 4001, 90000, Audited).code(),
            absl::StatusCode::kAlreadyExists)
      << "one interview closes a follow-up";
  auto closed = store->GetFollowUp(fs[0].id).value();
  EXPECT_EQ(closed->state, "done");
  EXPECT_EQ(closed->closed_at, 4000);
  EXPECT_EQ(store->CountFollowUps({t.school}, "open", std::nullopt).value(), 3);
}

TEST_P(ContractTest, AttentionLevelsFollowTheLastInterviewAndLapse) {
  const Town t = Build(Db());
  auto store = warning::NewSociWarningStore(Db());
  std::vector<warning::FollowUp> fs = {NewFollowUp(t.school_id, t.in_class1[0], t.class1, 1000),
                                       NewFollowUp(t.school_id, t.in_class2[0], t.class2, 1000),
                                       NewFollowUp(t.school_id, t.in_class2[0], t.class2, 2000),
                                       NewFollowUp(t.other_school_id, t.in_other[0], t.other, 1000)};
  InsertAll(Db(), fs);
  ASSERT_TRUE(store->RecordInterview(fs[0], NewId(), "confirmed", 3, "定期关注", "", 9, 100, 10'000, Audited).ok());
  ASSERT_TRUE(store->RecordInterview(fs[1], NewId(), "confirmed", 1, "每日关注", "", 9, 100, 20'000, Audited).ok());
  ASSERT_TRUE(store->RecordInterview(fs[3], NewId(), "confirmed", 2, "每周谈心", "", 9, 100, 20'000, Audited).ok());
  auto levels = store->ListLevels({t.school}, 5000).value();
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].level, 1) << "highest first";
  EXPECT_EQ(levels[0].student_id, t.in_class2[0]);
  EXPECT_EQ(levels[0].guidance, "每日关注");
  EXPECT_EQ(levels[0].student_name, "学生B0");
  EXPECT_EQ(levels[0].set_by, 9);
  EXPECT_EQ(levels[0].expires_at, 20'000);
  EXPECT_EQ(levels[1].level, 3);
  EXPECT_EQ(store->ListLevels({t.class1}, 5000).value().size(), 1u);
  EXPECT_EQ(store->ListLevels({t.school, t.other}, 5000).value().size(), 3u);
  EXPECT_EQ(store->ListLevels({t.school}, 15'000).value().size(), 1u) << "class 1's level lapsed at 10,000";
  // A later interview that clears the student replaces its level.
  ASSERT_TRUE(store->RecordInterview(fs[2], NewId(), "cleared", 0, "", "", 9, 6000, 20'000, Audited).ok());
  auto after = store->ListLevels({t.school}, 7000).value();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].student_id, t.in_class1[0]);
}

}  // namespace
}  // namespace xq::testing
