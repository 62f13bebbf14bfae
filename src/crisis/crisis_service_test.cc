// CrisisService against a migrated SQLite file with a tiny city, driven by
// FakeClock: step deadlines (notify, escalate to the district, then the
// city), a referral without an answer, break-glass expiry, the case opened
// once per imminent counselling record, and sealed storage.
#include "crisis/crisis_service.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "audit/audit.h"
#include "core/ids.h"
#include "core/status.h"
#include "crisis/sealed_columns.h"
#include "crisis/subscriptions.h"
#include "crypto/reseal.h"
#include "db/row.h"
#include "events/events.h"
#include "gtest/gtest.h"
#include "jobs/jobs.h"

namespace xq::crisis {
namespace {

using policy::Role;

constexpr int64_t kStart = int64_t{1'780'000'000} * 1'000'000;

class CrisisServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("xq_crisis_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    auto db = db::Database::Open("sqlite:" + path_, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(*db_).ok());
    ASSERT_TRUE(db_->InTransaction([&](soci::session& s) {
                     Unit(s, 1, 0, "city", "/1/", 0);
                     Unit(s, 2, 1, "district", "/1/2/", 0);
                     Unit(s, 3, 2, "school", "/1/2/3/", 3);
                     Unit(s, 4, 3, "class", "/1/2/3/4/", 3);
                     Unit(s, 5, 2, "school", "/1/2/5/", 5);
                     s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, "
                          "created_at, updated_at) VALUES (100, 3, 'S1', '学生甲', 'M', 4, '/1/2/3/4/', 0, 0)";
                     // Psychology teacher who also heads the class.
                     Account(s, 10, "psych", 3, {{"psych_staff", 3}, {"head_teacher", 4}});
                     Account(s, 11, "leader", 3, {{"school_leader", 3}});
                     Account(s, 12, "district_group", 0, {{"crisis_group", 2}});
                     Account(s, 13, "city_group", 0, {{"crisis_group", 1}});
                     Account(s, 14, "other_psych", 5, {{"psych_staff", 5}});
                     Account(s, 15, "auditor", 0, {{"auditor", 1}});
                     Account(s, 16, "liaison", 0, {{"hospital_liaison", 1}});
                     Account(s, 17, "city_admin", 0, {{"city_admin", 1}});
                     return absl::OkStatus();
                   })
                    .ok());
    store_ = NewSociCrisisStore(*db_);
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    svc_ = std::make_unique<CrisisService>(*store_, *audit_, source_, clock_);
    runner_ = std::make_unique<jobs::JobRunner>(*db_, clock_);
    HandleCrisisJobs(*runner_, *svc_);
  }
  void TearDown() override {
    runner_.reset();
    svc_.reset();
    audit_.reset();
    store_.reset();
    db_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }

  static void Unit(soci::session& s, long long id, long long parent, std::string kind, std::string path,
                   long long school) {
    soci::indicator pi = parent ? soci::i_ok : soci::i_null, si = school ? soci::i_ok : soci::i_null;
    std::string name = kind + std::to_string(id);
    s << "INSERT INTO org_units (id, parent_id, kind, name, school_id, path, created_at) "
         "VALUES (:a, :b, :c, :d, :e, :f, 0)",
        soci::use(id), soci::use(parent, pi), soci::use(kind), soci::use(name), soci::use(school, si), soci::use(path);
  }
  void Account(soci::session& s, long long id, std::string user, long long school,
               std::vector<std::pair<std::string, long long>> roles) {
    soci::indicator si = school ? soci::i_ok : soci::i_null;
    s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, school_id, created_at, "
         "updated_at) VALUES (:a, :b, 'x', :c, 'staff', :d, 0, 0)",
        soci::use(id), soci::use(user), soci::use(user), soci::use(school, si);
    policy::Actor a;
    a.account_id = id;
    for (auto& [role, unit] : roles) {
      long long rid = id * 100 + unit;
      std::string r = role;
      s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, created_at) "
           "VALUES (:a, :b, :c, :d, :e, 0)",
          soci::use(rid), soci::use(id), soci::use(r), soci::use(unit), soci::use(school, si);
      std::string path;
      s << "SELECT path FROM org_units WHERE id = :u", soci::use(unit), soci::into(path);
      a.grants.push_back({*policy::RoleFromName(role), unit, path});
    }
    actors_[user] = a;
  }
  int64_t Count(const std::string& sql) {
    long long n = 0;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << sql, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  int64_t NoticesOf(int64_t account, const std::string& kind) {
    return Count("SELECT COUNT(*) FROM notices WHERE account_id = " + std::to_string(account) + " AND kind = '" + kind +
                 "'");
  }
  int64_t OpenCase(int level = 2) {
    auto c = svc_->OpenCase(actors_["psych"],
                            {.student_id = 100, .source = "hotline", .level = level, .record = "夜间来电 SECRET-NOTE"});
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? c->c.id : 0;
  }

  std::string path_;
  FakeClock clock_{kStart};
  // Key 1 of a key file; KeyRotationResealsEveryCrisisValue adds key 2.
  const std::string key1_ = std::string(32, 'a');
  crypto::KeyRing keys_ = crypto::KeyRing::FromKeys({{1, key1_}});
  crypto::KeySource source_{keys_, ""};
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<CrisisStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<CrisisService> svc_;
  std::unique_ptr<jobs::JobRunner> runner_;
  std::map<std::string, policy::Actor> actors_;
};

TEST_F(CrisisServiceTest, MissedStepDeadlineNotifiesAndEscalatesDistrictThenCity) {
  const int64_t id = OpenCase();
  auto& group = actors_["district_group"];
  EXPECT_FALSE(svc_->GetCase(group, id).ok());
  // Before the report deadline (1 h) nothing happens.
  clock_.Advance(59 * 60 * int64_t{1'000'000});
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(NoticesOf(10, "crisis_step_overdue"), 0);
  EXPECT_FALSE(svc_->GetCase(group, id).ok());
  clock_.Advance(2 * 60 * int64_t{1'000'000});
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(NoticesOf(10, "crisis_step_overdue"), 1);  // owner and centre (one account here)
  EXPECT_EQ(NoticesOf(15, "crisis_step_overdue"), 1);  // the auditor
  EXPECT_EQ(NoticesOf(12, "crisis_escalated"), 1);
  auto seen = svc_->GetCase(group, id);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->view, policy::View::kSummary);
  EXPECT_TRUE(seen->items.empty());
  EXPECT_FALSE(svc_->GetCase(actors_["city_group"], id).ok());
  // Still not reported a step's time later: the city group.
  clock_.Advance(kHour + 1);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_TRUE(svc_->GetCase(actors_["city_group"], id).ok());
  EXPECT_EQ(NoticesOf(13, "crisis_escalated"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'crisis.case_escalated'"), 2);
}

TEST_F(CrisisServiceTest, StepDoneInTimeCancelsItsDeadline) {
  const int64_t id = OpenCase();
  auto adv = svc_->Advance(actors_["psych"], id, {.to = "assess", .record = "已报告"});
  ASSERT_TRUE(adv.ok()) << adv.status();
  EXPECT_EQ(adv->c.step, "assess");
  EXPECT_EQ(adv->c.step_due_at, kStart + 24 * kHour);
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(NoticesOf(10, "crisis_step_overdue"), 0);
  EXPECT_FALSE(svc_->GetCase(actors_["district_group"], id).ok());
  // The assess deadline still runs.
  clock_.Advance(23 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(NoticesOf(10, "crisis_step_overdue"), 1);
  EXPECT_TRUE(svc_->GetCase(actors_["district_group"], id).ok());
}

TEST_F(CrisisServiceTest, LeaderSeesSummaryOnlyAndCannotWrite) {
  const int64_t id = OpenCase();
  auto v = svc_->GetCase(actors_["leader"], id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->view, policy::View::kSummary);
  EXPECT_TRUE(v->items.empty());
  EXPECT_EQ(svc_->Advance(actors_["leader"], id, {.to = "assess", .record = "x"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  // The psychology teacher who heads the class reads it in full.
  auto full = svc_->GetCase(actors_["psych"], id);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->items.size(), 1u);
  EXPECT_EQ(full->items[0].body, "夜间来电 SECRET-NOTE");
}

TEST_F(CrisisServiceTest, RecordsAreSealedBoundToTheirRow) {
  OpenCase();
  std::string body;
  long long id = 0;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT id, body FROM crisis_items", soci::into(id), soci::into(body);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_TRUE(crypto::LooksSealed(body));
  EXPECT_EQ(body.find("SECRET-NOTE"), std::string::npos);
  EXPECT_TRUE(keys_.Open(body, "crisis_items:" + std::to_string(id)).ok());
  EXPECT_FALSE(keys_.Open(body, "crisis_items:" + std::to_string(id + 1)).ok());
}

TEST_F(CrisisServiceTest, ReferralWithoutAnswerSurfacesAndEscalates) {
  auto h = svc_->CreateHospital(actors_["city_admin"], "市精神卫生中心", 1, {16});
  ASSERT_TRUE(h.ok()) << h.status();
  const int64_t id = OpenCase();
  ASSERT_TRUE(svc_->Advance(actors_["psych"], id, {.to = "assess", .record = "r"}).ok());
  ASSERT_TRUE(svc_->Advance(actors_["psych"], id, {.to = "intervene", .record = "a"}).ok());
  auto r = svc_->Refer(actors_["psych"], id, h->id, "最少摘要");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(NoticesOf(16, "crisis_referral"), 1);
  // Keep the step deadline out of the way: intervene is due in 24 h, the
  // referral in 72 h; complete intervene first.
  ASSERT_TRUE(svc_->AddItem(actors_["psych"], id,
                            {.kind = "watch", .text = "张老师", .starts_at = kStart, .ends_at = kStart + 24 * kHour})
                  .ok());
  ASSERT_TRUE(svc_->AddItem(actors_["psych"], id, {.kind = "guardian_notified", .text = "电话"}).ok());
  ASSERT_TRUE(svc_->AttachGuardianNotice(actors_["psych"], id,
                                         {.name = "n.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4 x"})
                  .ok());
  ASSERT_TRUE(svc_->AddItem(actors_["psych"], id, {.kind = "safety_plan", .text = "计划"}).ok());
  ASSERT_TRUE(svc_->Advance(actors_["psych"], id, {.to = "refer", .record = "转介"}).ok());
  clock_.Advance(71 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());  // the refer step (72 h) is not due either
  EXPECT_EQ(NoticesOf(10, "crisis_referral_overdue"), 0);
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(NoticesOf(10, "crisis_referral_overdue"), 1);
  EXPECT_EQ(NoticesOf(15, "crisis_referral_overdue"), 1);
  EXPECT_TRUE(svc_->GetCase(actors_["district_group"], id).ok());
  auto listed = svc_->ListReferrals(actors_["psych"], id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].escalated_path.empty());
  // An answered referral raises nothing.
  auto r2 = svc_->Refer(actors_["psych"], id, h->id, "第二次");
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(svc_->AcceptReferral(actors_["liaison"], r2->id).ok());
  clock_.Advance(80 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'crisis_referral_overdue' AND params LIKE '%" +
                  IdToString(r2->id) + "%'"),
            0);
}

TEST_F(CrisisServiceTest, BreakGlassExpiresAfterFourHours) {
  const int64_t id = OpenCase();
  auto& other = actors_["other_psych"];
  EXPECT_EQ(svc_->GetCase(other, id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->BreakGlassOpen(other, id, "太短").status().code(), absl::StatusCode::kInvalidArgument);
  auto bg = svc_->BreakGlassOpen(other, id, "学生在本校活动中突发情况需要了解处置");
  ASSERT_TRUE(bg.ok()) << bg.status();
  EXPECT_EQ(NoticesOf(10, "crisis_break_glass"), 1);
  EXPECT_EQ(NoticesOf(15, "crisis_break_glass"), 1);
  // The notices name who opened the case.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'crisis_break_glass' AND actor_id = 14 AND "
                  "actor_name = 'other_psych'"),
            NoticesOf(10, "crisis_break_glass") + NoticesOf(15, "crisis_break_glass"));
  auto v = svc_->GetCase(other, id);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->break_glass);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'break_glass_read'"), 1);
  clock_.Advance(4 * kHour - 1);
  EXPECT_TRUE(svc_->GetCase(other, id).ok());
  clock_.Advance(2);
  EXPECT_EQ(svc_->GetCase(other, id).status().code(), absl::StatusCode::kNotFound);
  auto list = svc_->BreakGlassList(actors_["auditor"], true);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE(svc_->BreakGlassList(actors_["psych"], true)->empty());
  ASSERT_TRUE(svc_->BreakGlassReview(actors_["auditor"], bg->id, "已核实").ok());
  EXPECT_TRUE(svc_->BreakGlassList(actors_["auditor"], true)->empty());
}

TEST_F(CrisisServiceTest, ImminentRiskOpensOneCasePerRecord) {
  events::Subscription sub = RiskRecordedSubscription(clock_);
  auto deliver = [&](std::string payload, int64_t event_id) {
    events::Event e;
    e.id = event_id;
    e.school_id = 3;
    e.kind = "counselling.risk_recorded";
    e.subject = "student:100";
    e.payload = std::move(payload);
    return db_->InTransaction([&](soci::session& s) { return sub.handler(s, e); });
  };
  const std::string imminent =
      R"({"student_id":100,"record_id":555,"risk":"imminent","counsellor_account_id":10,"data_class":"D5"})";
  ASSERT_TRUE(deliver(imminent, 1).ok());
  ASSERT_TRUE(deliver(imminent, 2).ok());  // the same record again
  ASSERT_TRUE(deliver(R"({"student_id":100,"record_id":556,"risk":"high"})", 3).ok());
  ASSERT_TRUE(deliver("not json", 4).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_cases WHERE source = 'counselling'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_cases WHERE source_id = 555 AND level = 1 AND escalated_path = '/1/2/'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'crisis.case_opened'"), 1);
}

TEST_F(CrisisServiceTest, BadInputIsRejectedWithoutWriting) {
  auto& p = actors_["psych"];
  EXPECT_EQ(svc_->OpenCase(p, {.student_id = 100, .source = "x"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->OpenCase(p, {.student_id = 100, .source = "hotline", .level = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->OpenCase(p, {.student_id = 999, .source = "hotline"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->OpenCase(actors_["other_psych"], {.student_id = 100, .source = "hotline"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_cases"), 0);
  const int64_t id = OpenCase();
  EXPECT_EQ(svc_->Advance(p, id, {.to = "close", .record = "x"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->AttachGuardianNotice(p, id, {.content_type = "application/pdf", .bytes = "%PDF-1.4"}).status().code(),
            absl::StatusCode::kAlreadyExists);  // not at intervene yet (conflict)
}

// A case from a warning asks the warning module whose warning it is (the
// lookup app composes from the warning store), never its table.
TEST_F(CrisisServiceTest, CaseFromWarningNeedsAWarningOfThatStudent) {
  std::vector<int64_t> asked;
  CrisisService svc(*store_, *audit_, source_, clock_, [&](int64_t id) -> absl::StatusOr<std::optional<int64_t>> {
    asked.push_back(id);
    if (id == 700) return 100;                                      // about student 100
    if (id == 701) return 101;                                      // another student's
    if (id == 702) return absl::UnavailableError("warnings down");  // the lookup fails
    return std::nullopt;
  });
  auto& p = actors_["psych"];
  auto from = [&](int64_t warning) {
    return svc.OpenCase(p, {.student_id = 100, .source = "warning", .source_id = warning, .level = 2});
  };
  auto other = from(701);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(other.status()), "source_id");
  EXPECT_EQ(from(799).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(from(702).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_cases"), 0);
  auto opened = from(700);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->c.source, "warning");
  EXPECT_EQ(opened->c.source_id, 700);
  EXPECT_EQ(asked, (std::vector<int64_t>{701, 799, 702, 700}));
  // Without a warning module nothing is a warning.
  EXPECT_EQ(svc_->OpenCase(p, {.student_id = 100, .source = "warning", .source_id = 700, .level = 2}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_cases"), 1);
}

TEST_F(CrisisServiceTest, ReturnPlanIsNeutralPublishedAndFollowedUpAt1w1m3m) {
  const int64_t id = OpenCase();
  auto& p = actors_["psych"];
  EXPECT_EQ(svc_->WriteReturnPlan(p, id, "评估", "计划").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      svc_->AttachCertificate(p, id, {.name = "c.png", .content_type = "image/png", .bytes = "GIF89a"}).status().code(),
      absl::StatusCode::kInvalidArgument);  // unsupported_media_type (415)
  ASSERT_TRUE(svc_->AttachCertificate(
                      p, id, {.name = "c.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4 CERT-SECRET"})
                  .ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_returns WHERE certificate LIKE '%CERT-SECRET%'"), 0);
  EXPECT_EQ(svc_->WriteReturnPlan(p, id, "评估", "每周与心理老师谈话，留意抑郁情绪").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto r =
      svc_->WriteReturnPlan(p, id, "住院两周后复诊，状态平稳 ASSESS-SECRET", "每周与心理老师谈心一次，班主任多鼓励");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'crisis.return_plan_written' AND payload LIKE "
                  "'%plan_text_neutral%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM crisis_returns WHERE assessment LIKE '%ASSESS-SECRET%'"), 0);
  // The head teacher (here the same psychology teacher heads the class) and
  // the leader: the leader has no names, so no guidance.
  EXPECT_EQ(svc_->Guidance(p)->size(), 1u);
  EXPECT_TRUE(svc_->Guidance(actors_["leader"])->empty());
  auto todos = [&] { return NoticesOf(10, "crisis_return_checkpoint"); };
  clock_.Advance(7 * 24 * kHour - 1);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(todos(), 0);
  clock_.Advance(2);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(todos(), 1);
  clock_.Advance(23 * 24 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(todos(), 2);
  clock_.Advance(61 * 24 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(todos(), 3);
  clock_.Advance(365 * 24 * kHour);
  ASSERT_TRUE(runner_->RunDue().ok());
  EXPECT_EQ(todos(), 3);
}

// `xinqiao keys rotate` re-seals every sealed crisis value (step records,
// notes, the scanned guardian notice, the referral summary and clinical
// summary, the certificate and the return assessment) under the new key,
// and the case reads back the same with a ring that has only the new key.
TEST_F(CrisisServiceTest, KeyRotationResealsEveryCrisisValue) {
  auto& p = actors_["psych"];
  auto h = svc_->CreateHospital(actors_["city_admin"], "市精神卫生中心", 1, {16});
  ASSERT_TRUE(h.ok()) << h.status();
  const int64_t id = OpenCase();
  ASSERT_TRUE(svc_->Advance(p, id, {.to = "assess", .record = "评估记录"}).ok());
  ASSERT_TRUE(svc_->Advance(p, id, {.to = "intervene", .record = "干预记录"}).ok());
  ASSERT_TRUE(svc_->AddItem(p, id, {.kind = "guardian_notified", .text = "电话告知 NOTE-SECRET"}).ok());
  auto scan = svc_->AttachGuardianNotice(
      p, id, {.name = "n.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4 NOTICE-SCAN"});
  ASSERT_TRUE(scan.ok()) << scan.status();
  auto ref = svc_->Refer(p, id, h->id, "转介摘要 SUMMARY-SECRET");
  ASSERT_TRUE(ref.ok()) << ref.status();
  auto unanswered = svc_->Refer(p, id, h->id, "第二次转介");  // its clinical summary stays empty
  ASSERT_TRUE(unanswered.ok()) << unanswered.status();
  ASSERT_TRUE(svc_->AcceptReferral(actors_["liaison"], ref->id).ok());
  ASSERT_TRUE(svc_->AnswerReferral(actors_["liaison"], ref->id, "诊断 CLINICAL-SECRET", "建议家校配合").ok());
  ASSERT_TRUE(svc_->AttachCertificate(
                      p, id, {.name = "c.pdf", .content_type = "application/pdf", .bytes = "%PDF-1.4 CERT-SECRET"})
                  .ok());
  ASSERT_TRUE(svc_->WriteReturnPlan(p, id, "状态平稳 ASSESS-SECRET", "每周与心理老师谈心一次，班主任多鼓励").ok());

  // Every sealed crisis column is registered for rotation.
  RegisterSealedColumns();
  auto registered = crypto::RegisteredSealedColumns();
  for (const auto& want : SealedColumns())
    EXPECT_TRUE(
        std::any_of(registered.begin(), registered.end(),
                    [&](const crypto::SealedColumn& c) { return c.table == want.table && c.column == want.column; }))
        << want.table << "." << want.column;

  const int64_t sealed_values = Count("SELECT COUNT(*) FROM crisis_items WHERE body <> ''") +
                                Count("SELECT COUNT(*) FROM crisis_referrals WHERE summary <> ''") +
                                Count("SELECT COUNT(*) FROM crisis_referrals WHERE clinical <> ''") +
                                Count("SELECT COUNT(*) FROM crisis_returns WHERE certificate <> ''") +
                                Count("SELECT COUNT(*) FROM crisis_returns WHERE assessment <> ''");
  ASSERT_GE(sealed_values, 10);

  // Key 2 joins key 1 and becomes current; small batches.
  const std::string key2 = std::string(32, 'b');
  crypto::KeyRing both = crypto::KeyRing::FromKeys({{1, key1_}, {2, key2}});
  ASSERT_EQ(both.current_id(), 2u);
  crypto::ResealOptions o;
  o.batch_rows = 3;
  auto report = crypto::Reseal(*db_, both, SealedColumns(), o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->complete);
  EXPECT_EQ(report->scanned, sealed_values);
  EXPECT_EQ(report->resealed, sealed_values);
  // Run again: nothing left under key 1.
  auto again = crypto::Reseal(*db_, both, SealedColumns(), o);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->resealed, 0);
  EXPECT_EQ(again->current, sealed_values);

  // Every stored value is under key 2 and still holds no plain text.
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   for (const auto& col : SealedColumns()) {
                     soci::rowset<soci::row> rows = (s.prepare << "SELECT " + col.column + " FROM " + col.table +
                                                                      " WHERE " + col.column + " <> ''");
                     for (const auto& r : rows) {
                       const std::string v = db::GetStr(r, std::size_t{0});
                       auto kid = crypto::SealedKeyId(v);
                       EXPECT_TRUE(kid.ok() && *kid == 2u) << col.table << "." << col.column;
                       EXPECT_EQ(v.find("SECRET"), std::string::npos);
                     }
                   }
                   return absl::OkStatus();
                 })
                  .ok());

  // With key 1 gone the case still opens, whole.
  crypto::KeyRing only_new = crypto::KeyRing::FromKeys({{2, key2}});
  crypto::KeySource only_new_source(only_new, "");
  CrisisService after(*store_, *audit_, only_new_source, clock_);
  auto view = after.GetCase(p, id);
  ASSERT_TRUE(view.ok()) << view.status();
  bool note = false, record = false;
  for (const auto& i : view->items) {
    if (i.body.find("NOTE-SECRET") != std::string::npos) note = true;
    if (i.body == "干预记录") record = true;
  }
  EXPECT_TRUE(note);
  EXPECT_TRUE(record);
  auto file = after.GuardianNoticeFile(p, id, scan->id);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->bytes, "%PDF-1.4 NOTICE-SCAN");
  auto got = after.GetReferral(p, ref->id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->summary, "转介摘要 SUMMARY-SECRET");
  EXPECT_EQ(got->clinical, "诊断 CLINICAL-SECRET");
  auto other = after.GetReferral(p, unanswered->id);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->clinical, "");
  auto cert = after.CertificateFile(p, id);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->bytes, "%PDF-1.4 CERT-SECRET");
  auto ret = after.GetReturn(p, id);
  ASSERT_TRUE(ret.ok()) << ret.status();
  EXPECT_EQ(ret->assessment, "状态平稳 ASSESS-SECRET");
  // The old ring alone no longer opens them.
  EXPECT_FALSE(svc_->CertificateFile(p, id).ok());
}

}  // namespace
}  // namespace xq::crisis
