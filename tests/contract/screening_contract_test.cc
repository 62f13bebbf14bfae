// ScreeningStore, SubmissionWriter and WarningStore contract on every backend:
// campaigns with assignments, consent and draft upserts, idempotent group
// commit, the warning and follow-up raised once from the submissions log,
// scoped listings, progress, acknowledgement once, interviews setting
// attention levels.
#include "contract/fixture.h"
#include "audit/audit.h"
#include "core/ids.h"
#include "core/clock.h"
#include "events/dispatcher.h"
#include "screening/events.h"
#include "screening/screening_store.h"
#include "screening/submission_writer.h"
#include "warning/subscriptions.h"
#include "warning/warning_store.h"

namespace xq::testing {
namespace {

void Exec(db::Database& db, const std::string& sql) {
  ASSERT_TRUE(db.Run([&](soci::session& s) {
                  s << sql;
                  return absl::OkStatus();
                }).ok())
      << sql;
}

// City 1; schools 2 and 3; school 2 has grade 4 with classes 5 and 6.
void Seed(db::Database& db) {
  Exec(db, "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', '天津市', '/1/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, path, created_at) "
       "VALUES (2, 1, 'school', '一中', 'junior', 2, '/1/2/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, path, created_at) "
       "VALUES (3, 1, 'school', '二中', 'junior', 3, '/1/3/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, grade_year, created_at) "
       "VALUES (4, 2, 'grade', '七年级', 2, '/1/2/4/', 7, 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) "
       "VALUES (5, 4, 'class', '1班', 2, '/1/2/4/5/', 0)");
  Exec(db,
       "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) "
       "VALUES (6, 4, 'class', '2班', 2, '/1/2/4/6/', 0)");
  for (int i = 0; i < 6; ++i) {
    int cls = i < 4 ? 5 : 6;
    Exec(db,
         "INSERT INTO students (id, school_id, student_no, name, sex, birth_date, grade_id, class_id, "
         "unit_path, created_at, updated_at) VALUES (" +
             std::to_string(100 + i) + ", 2, 'S" + std::to_string(i) + "', '学生" + std::to_string(i) + "', '" +
             (i % 2 ? "M" : "F") + "', '2012-03-01', 4, " + std::to_string(cls) + ", '/1/2/4/" + std::to_string(cls) +
             "/', 0, 0)");
  }
}

screening::Campaign NewCampaign() {
  screening::Campaign c;
  c.id = NewId();
  c.name = "年度筛查";
  c.owner_unit_id = 2;
  c.owner_path = "/1/2/";
  c.grades = {7};
  c.opens_on = "2026-09-01";
  c.closes_on = "2026-09-30";
  c.created_by = 1;
  c.created_at = 10;
  c.scales = {{"phq9", "1.0.0"}, {"gad7", "1.0.0"}};
  c.units = {{2, "/1/2/", "一中"}};
  return c;
}

screening::WriteRequest Request(const screening::Assignment& a, const std::string& key, bool critical) {
  screening::WriteRequest w;
  auto& x = w.submission;
  x.id = NewId();
  x.assignment_id = a.id;
  x.client_key = key;
  x.campaign_id = a.campaign_id;
  x.student_id = a.student_id;
  x.school_id = a.school_id;
  x.unit_path = a.unit_path;
  x.instrument_id = "phq9";
  x.version = "1.0.0";
  x.answers = R"({"q9":"1"})";
  x.result = R"({"scores":{"total":12}})";
  x.positive = critical;  // a positive result without a critical item would have a follow-up too
  x.critical = critical;
  x.sex = "F";
  x.grade_year = 7;
  x.school_kind = "junior";
  x.submitted_at = 1000;
  if (critical) {
    x.result = R"({"scores":{"total":12},"critical":[{"id":"q9_self_harm","item":"q9","urgency":"urgent"}]})";
    w.urgent_warnings = 1;
  }
  return w;
}

TEST_P(ContractTest, ScreeningCampaignsConsentDraftsAndGroupCommit) {
  Seed(Db());
  auto owned = screening::NewSociScreeningStore(Db());
  screening::ScreeningStore& store = *owned;
  auto students = store.StudentsUnder({"/1/2/"}).value();
  ASSERT_EQ(students.size(), 6u);
  EXPECT_EQ(students[0].grade_year, 7);
  EXPECT_EQ(students[0].school_kind, "junior");
  EXPECT_TRUE(store.StudentsUnder({"/1/3/"}).value().empty());
  EXPECT_TRUE(store.StudentsUnder({"/1/2/' OR '1'='1"}).value().empty());

  auto c = NewCampaign();
  ASSERT_TRUE(store.CreateCampaign(c, students).ok());
  auto got = store.GetCampaign(c.id).value();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->grades, std::vector<int>{7});
  ASSERT_EQ(got->scales.size(), 2u);
  EXPECT_EQ(got->scales[1].instrument_id, "gad7");
  ASSERT_EQ(got->units.size(), 1u);
  EXPECT_EQ(got->units[0].name, "一中");
  EXPECT_EQ(store.ListCampaigns().value().size(), 1u);

  auto assignments = store.AssignmentsOfStudent(100).value();
  ASSERT_EQ(assignments.size(), 2u);
  const auto a = assignments[0];
  EXPECT_EQ(a.state, "pending");

  // Consent: last decision wins.
  ASSERT_TRUE(store.PutConsent({c.id, 100, "decline", "student", 7, 1}).ok());
  ASSERT_TRUE(store.PutConsent({c.id, 100, "consent", "guardian", 8, 2}).ok());
  EXPECT_EQ(store.GetConsent(c.id, 100).value()->decision, "consent");
  EXPECT_FALSE(store.GetConsent(c.id, 101).value());

  ASSERT_TRUE(store.PutDraft(a.id, {R"({"q1":"1"})", 1, 5}).ok());
  ASSERT_TRUE(store.PutDraft(a.id, {R"({"q1":"2"})", 2, 6}).ok());
  EXPECT_EQ(store.GetDraft(a.id).value()->answers, R"({"q1":"2"})");

  {
    screening::SubmissionWriter writer(Db());
    auto first = writer.Write(Request(a, "k1", true));
    ASSERT_TRUE(first.ok()) << first.status();
    auto repeat = writer.Write(Request(a, "k1", true));
    ASSERT_TRUE(repeat.ok()) << repeat.status();
    EXPECT_EQ(repeat->id, first->id);
    EXPECT_EQ(writer.Write(Request(a, "k2", false)).status().code(), absl::StatusCode::kAlreadyExists);
    auto other = store.AssignmentsOfStudent(104).value()[0];
    ASSERT_TRUE(writer.Write(Request(other, "k3", false)).ok());
  }
  EXPECT_FALSE(store.GetDraft(a.id).value()) << "the draft goes with the submission";
  EXPECT_EQ(store.PutDraft(a.id, {"{}", 0, 7}).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store.GetAssignment(a.id).value()->state, "submitted");
  auto sub = store.SubmissionOfAssignment(a.id).value();
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->client_key, "k1");
  EXPECT_EQ(sub->student_name, "学生0");
  EXPECT_TRUE(sub->critical);
  EXPECT_EQ(store.SubmissionsOf(c.id, {"/1/2/4/5/"}).value().size(), 1u);
  EXPECT_EQ(store.SubmissionsOf(c.id, {"/1/2/"}).value().size(), 2u);
  EXPECT_TRUE(store.SubmissionsOf(c.id, {"/1/3/"}).value().empty());
  EXPECT_EQ(store.SubmissionsOfStudent(100).value().size(), 1u);

  auto progress = store.Progress(c.id, "/1/2/4/5/").value();
  ASSERT_EQ(progress.size(), 4u);
  for (const auto& p : progress) {
    EXPECT_EQ(p.assigned, 2);
    EXPECT_EQ(p.submitted, p.student_id == 100 ? 1 : 0);
    EXPECT_EQ(p.consent, p.student_id == 100 ? "consent" : "");
  }

  // The warning and follow-up are raised from the submissions log, once.
  auto ws_store = warning::NewSociWarningStore(Db());
  warning::WarningStore& ws = *ws_store;
  EXPECT_TRUE(ws.ListWarnings({"/1/2/"}, "", 50).value().empty()) << "the writer writes no warning";
  for (int i = 0; i < 2; ++i) {
    audit::AuditLog audit(Db(), SystemClock::Instance());
    events::Dispatcher d(Db(), SystemClock::Instance());
    d.AddLog(screening::NewSubmissionLog(Db()));
    d.Subscribe(warning::ScreeningResultsSubscription(audit));
    ASSERT_TRUE(d.DeliverPending().ok());
  }
  auto open = ws.ListWarnings({"/1/2/"}, "open", 50).value();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].student_name, "学生0");
  EXPECT_EQ(open[0].submission_id, sub->id);
  EXPECT_TRUE(ws.ListWarnings({"/1/3/"}, "", 50).value().empty());
  EXPECT_EQ(open[0].critical_id, "q9_self_harm");
  EXPECT_EQ(open[0].item_id, "q9");
  EXPECT_EQ(open[0].urgency, "urgent");
  EXPECT_EQ(open[0].created_at, 1000);
  int audited = 0;
  auto audit = [&](soci::session&) {
    ++audited;
    return absl::OkStatus();
  };
  auto failing = [](soci::session&) { return absl::UnavailableError("the audit log is away"); };
  EXPECT_EQ(ws.Acknowledge(open[0].id, 1, 1500, failing).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ws.GetWarning(open[0].id).value()->state, "open") << "no change without its audit entry";
  EXPECT_TRUE(ws.Acknowledge(open[0].id, 1, 2000, audit).value());
  EXPECT_FALSE(ws.Acknowledge(open[0].id, 2, 3000, audit).value()) << "acknowledged once";
  EXPECT_EQ(audited, 1) << "the entry goes with the change only";
  auto w = ws.GetWarning(open[0].id).value();
  EXPECT_EQ(w->acknowledged_by, 1);
  EXPECT_EQ(w->acknowledged_at, 2000);
  EXPECT_TRUE(ws.ListWarnings({"/1/2/"}, "open", 50).value().empty());

  auto fus = ws.ListFollowUps({"/1/2/"}, "open", std::nullopt, 50).value();
  ASSERT_EQ(fus.size(), 1u);
  EXPECT_EQ(fus[0].reason, "critical");
  const int64_t due = 1000 + int64_t{24} * 3'600'000'000;  // the campaign's urgent_due_hours
  EXPECT_EQ(fus[0].due_at, due);
  EXPECT_EQ(ws.ListFollowUps({"/1/2/"}, "open", due + 1, 50).value().size(), 1u) << "overdue";
  EXPECT_TRUE(ws.ListFollowUps({"/1/2/"}, "open", due - 1, 50).value().empty());
  ASSERT_TRUE(ws.RecordInterview(fus[0], NewId(), "confirmed", 2, "每周谈心", "", 1, 7000, 90000, audit).ok());
  EXPECT_EQ(ws.RecordInterview(fus[0], NewId(), "cleared", 0, "", "", 1, 7001, 90000, audit).code(),
            absl::StatusCode::kAlreadyExists);

  auto levels = ws.ListLevels({"/1/2/4/5/"}, 8000).value();
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].level, 2);
  EXPECT_EQ(levels[0].guidance, "每周谈心");
  EXPECT_TRUE(ws.ListLevels({"/1/2/4/5/"}, 95000).value().empty()) << "levels lapse";
  EXPECT_TRUE(ws.ListLevels({"/1/2/4/6/"}, 8000).value().empty());
}

}  // namespace
}  // namespace xq::testing
