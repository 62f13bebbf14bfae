// The warning network: observations, weekly reports and the ledger
// (NetworkService), and warnings with owners, deadlines and escalation
// (warning/escalation.h, EscalationService), driven by a FakeClock and
// JobRunner::RunDue().
#include "network/network_service.h"

#include <filesystem>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/ids.h"
#include "db/row.h"
#include "events/dispatcher.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "jobs/jobs.h"
#include "network/events.h"
#include "network/network_store.h"
#include "warning/escalation.h"
#include "warning/escalation_service.h"
#include "warning/inform.h"
#include "warning/subscriptions.h"

namespace xq::network {
namespace {

using policy::Actor;
using policy::Grant;
using policy::Role;
constexpr int64_t kHour = int64_t{3600} * 1'000'000;

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xq-network-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    db_ = db::Database::Open("sqlite:" + (dir_ / "n.db").string()).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
    audit_ = std::make_unique<audit::AuditLog>(*db_, clock_);
    store_ = NewSociNetworkStore(*db_);
    svc_ = std::make_unique<NetworkService>(*store_, *audit_, clock_);
    esc_ = std::make_unique<warning::EscalationService>(*db_, *audit_, clock_);
    UseRunner(true);
    // 天津 /1/ → 和平区 /1/2/ → 一中 /1/2/3/ → 七年级 /1/2/3/4/ → 1班 /1/2/3/4/5/, 2班 …/6/;
    // 大学 /1/10/ → 学院 /1/10/11/ → 1班 /1/10/11/12/.
    Unit(1, 0, "city", "", "/1/", 0);
    Unit(2, 1, "district", "", "/1/2/", 0);
    Unit(3, 2, "school", "junior", "/1/2/3/", 3);
    Unit(4, 3, "grade", "", "/1/2/3/4/", 3);
    Unit(5, 4, "class", "", "/1/2/3/4/5/", 3);
    Unit(6, 4, "class", "", "/1/2/3/4/6/", 3);
    Unit(10, 1, "school", "university", "/1/10/", 10);
    Unit(11, 10, "department", "", "/1/10/11/", 10);
    Unit(12, 11, "class", "", "/1/10/11/12/", 10);
    a1_ = Student(101, 3, 5, "/1/2/3/4/5/", "甲一");
    a2_ = Student(102, 3, 5, "/1/2/3/4/5/", "甲二");
    b1_ = Student(201, 3, 6, "/1/2/3/4/6/", "乙一");
    u1_ = Student(301, 10, 12, "/1/10/11/12/", "丙一");
    // Accounts with their grants (the owners of each step).
    peer_ = Account(1001, "student", {{Role::kPeerReporter, 5, "/1/2/3/4/5/"}});
    peer_.student_id = a1_;
    head_ = Account(1002, "staff", {{Role::kHeadTeacher, 5, "/1/2/3/4/5/"}, {Role::kSubjectTeacher, 3, "/1/2/3/"}});
    head_b_ = Account(1003, "staff", {{Role::kHeadTeacher, 6, "/1/2/3/4/6/"}});
    grade_ = Account(1004, "staff", {{Role::kGradeHead, 4, "/1/2/3/4/"}});
    psych_ = Account(1005, "staff", {{Role::kPsychStaff, 3, "/1/2/3/"}});
    leader_ = Account(1006, "staff", {{Role::kSchoolLeader, 3, "/1/2/3/"}});
    district_crisis_ = Account(1007, "staff", {{Role::kCrisisGroup, 2, "/1/2/"}});
    city_crisis_ = Account(1008, "staff", {{Role::kCrisisGroup, 1, "/1/"}});
    dept_ = Account(1009, "staff", {{Role::kGradeHead, 11, "/1/10/11/"}});
    univ_leader_ = Account(1010, "staff", {{Role::kSchoolLeader, 10, "/1/10/"}});
  }
  void TearDown() override {
    runner_.reset();
    esc_.reset();
    svc_.reset();
    store_.reset();
    audit_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Unit(long long id, long long parent, std::string kind, std::string school_kind, std::string path,
            long long school) {
    ASSERT_TRUE(db_->Run([&](soci::session& s) {
                     soci::indicator pi = parent ? soci::i_ok : soci::i_null;
                     s << "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, path, created_at) "
                          "VALUES (:a, :b, :c, :d, :e, :f, :g, 0)",
                         soci::use(id), soci::use(parent, pi), soci::use(kind), soci::use(kind), soci::use(school_kind),
                         soci::use(school), soci::use(path);
                     return absl::OkStatus();
                   })
                    .ok());
  }
  int64_t Student(long long id, long long school, long long cls, std::string path, std::string name) {
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     std::string no = std::to_string(id);
                     s << "INSERT INTO students (id, school_id, student_no, name, sex, class_id, unit_path, "
                          "created_at, updated_at) VALUES (:a, :b, :c, :d, 'F', :e, :f, 0, 0)",
                         soci::use(id), soci::use(school), soci::use(no), soci::use(name), soci::use(cls),
                         soci::use(path);
                     return absl::OkStatus();
                   })
                    .ok());
    return id;
  }
  Actor Account(long long id, std::string type, std::vector<Grant> grants) {
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     std::string user = "u" + std::to_string(id);
                     s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, "
                          "updated_at) VALUES (:a, :b, 'x', :c, :d, 0, 0)",
                         soci::use(id), soci::use(user), soci::use(user), soci::use(type);
                     for (const auto& g : grants) {
                       long long rid = NewId(), unit = g.unit_id;
                       std::string role(policy::RoleName(g.role));
                       s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, created_at) "
                            "VALUES (:a, :b, :c, :d, 0)",
                           soci::use(rid), soci::use(id), soci::use(role), soci::use(unit);
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    Actor a;
    a.account_id = id;
    a.grants = std::move(grants);
    return a;
  }

  int64_t Raise(int64_t student, const std::string& path, long long school, int level, std::string_view step = "") {
    warning::Warning w;
    w.school_id = school;
    w.student_id = student;
    w.unit_path = path;
    w.source = "observation";
    w.level = level;
    w.owner_step = std::string(step);
    w.summary = "需要关心";
    EXPECT_TRUE(db_->InTransaction([&](soci::session& s) { return warning::RaiseIn(s, w, clock_.NowMicros()); }).ok());
    return w.id;
  }
  warning::Warning Get(int64_t id) {
    std::optional<warning::Warning> w;
    EXPECT_TRUE(db_->Run([&](soci::session& s) -> absl::Status {
                     w = warning::GetWarningIn(s, id).value();
                     return absl::OkStatus();
                   })
                    .ok());
    return *w;
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
  int Due() { return runner_->RunDue().value(); }
  // The runner as the server has it (a batch handler beside the one for a
  // single job), or with the single-job handler only.
  void UseRunner(bool batch) {
    runner_ = std::make_unique<jobs::JobRunner>(*db_, clock_);
    for (const char* kind : {warning::kAckDueJob, warning::kActionDueJob}) {
      auto one = [this](soci::session& s, const jobs::Job& job) {
        return warning::HandleDueIn(s, job, *audit_, clock_.NowMicros());
      };
      if (!batch) {
        runner_->Handle(kind, one);
        continue;
      }
      runner_->HandleBatch(kind, one, [this](soci::session& s, const std::vector<jobs::Job>& due) {
        absl::Status st = warning::HandleDueBatchIn(s, due, *audit_, clock_.NowMicros());
        if (st.ok()) batched_ += static_cast<int>(due.size());
        return st;
      });
    }
  }
  // Rows of a query, one string each (columns joined by '|').
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> out;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     soci::rowset<soci::row> rows = s.prepare << sql;
                     for (const auto& r : rows) {
                       std::string line;
                       for (std::size_t i = 0; i < r.size(); ++i)
                         line += (i ? "|" : "") + (r.get_indicator(i) == soci::i_null ? "NULL" : db::GetStr(r, i));
                       out.push_back(line);
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<NetworkStore> store_;
  std::unique_ptr<NetworkService> svc_;
  std::unique_ptr<warning::EscalationService> esc_;
  std::unique_ptr<jobs::JobRunner> runner_;
  int64_t a1_ = 0, a2_ = 0, b1_ = 0, u1_ = 0;
  int batched_ = 0;  // jobs the batch handler took
  Actor peer_, head_, head_b_, grade_, psych_, leader_, district_crisis_, city_crisis_, dept_, univ_leader_;
};

// --- escalation -----------------------------------------------------------

TEST_F(NetworkTest, AMissedAcknowledgementClimbsTheK12ChainOneStepAtATimeAndOnlyOnce) {
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  EXPECT_EQ(Get(id).owner_step, "class");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE account_id = 1002 AND kind = 'warning_raised'"), 1);
  const std::vector<std::string> expected = {"grade", "psych_centre", "school_leader", "district_crisis",
                                             "city_crisis"};
  const std::vector<int64_t> owners = {1004, 1005, 1006, 1007, 1008};
  clock_.Advance(kHour - 1);
  EXPECT_EQ(Due(), 0) << "not due a microsecond early";
  EXPECT_EQ(Get(id).owner_step, "class");
  clock_.Advance(1);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Due(), 1) << expected[i];
    EXPECT_EQ(Get(id).owner_step, expected[i]);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_escalated' AND account_id = " +
                    std::to_string(owners[i])),
              1)
        << "the owners of " << expected[i] << " are told";
    EXPECT_EQ(Due(), 0) << "a repeated sweep changes nothing";
    EXPECT_EQ(Get(id).owner_step, expected[i]);
    clock_.Advance(kHour);
  }
  EXPECT_EQ(Due(), 0) << "the top of the chain keeps it";
  EXPECT_EQ(Get(id).owner_step, "city_crisis");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'warning.escalated'"), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'escalate'"), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'warning.raised'"), 1);
}

TEST_F(NetworkTest, ABurstOfDueWarningsEscalatesAsABatchWithTheEffectOfOneJobAtATime) {
  // The same burst through the single-job handler and through the batch
  // handler: the same rows, warning ids aside (new at every run).
  auto run = [&](bool batch) {
    clock_.Set(1'788'000'000'000'000);
    UseRunner(batch);
    std::vector<std::pair<int64_t, std::string>> ids;  // warning id, its stand-in
    auto raise = [&](int64_t student, const std::string& path, long long school, int level, std::string_view step,
                     const std::string& name) { ids.emplace_back(Raise(student, path, school, level, step), name); };
    raise(a1_, "/1/2/3/4/5/", 3, 1, "", "W1");
    raise(a2_, "/1/2/3/4/5/", 3, 1, "", "W2");
    raise(b1_, "/1/2/3/4/6/", 3, 1, "", "W3");
    raise(u1_, "/1/10/11/12/", 10, 1, "", "W4");
    raise(b1_, "/1/2/3/4/6/", 3, 1, "school_leader", "W5");
    // Acknowledged without its job cancelled, and closed likewise: their
    // jobs fall due but must not escalate them.
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     long long w2 = ids[1].first, w3 = ids[2].first;
                     s << "UPDATE warnings SET state = 'acknowledged' WHERE id = :i", soci::use(w2);
                     s << "UPDATE warnings SET state = 'closed' WHERE id = :i", soci::use(w3);
                     return absl::OkStatus();
                   })
                    .ok());
    clock_.Advance(kHour + 1);
    EXPECT_EQ(Due(), 5) << "every due job completes";
    EXPECT_EQ(batched_, batch ? 5 : 0) << "the batch handler took them all at once";
    EXPECT_EQ(Due(), 0);
    std::vector<std::string> rows;
    for (const char* sql :
         {"SELECT student_id, owner_step, state, level, ack_due_at, action_due_at, escalated_at FROM warnings "
          "ORDER BY student_id, owner_step",
          "SELECT account_id, kind, params, link, urgent, created_at FROM notices ORDER BY account_id, kind, params",
          "SELECT actor_role, action, object_type, object_id, student_id, school_id, detail, at FROM audit_log "
          "ORDER BY seq",
          "SELECT kind, subject, CASE WHEN kind = 'notice.posted' THEN '' ELSE payload END FROM events "
          "ORDER BY kind, subject, 3",
          "SELECT kind, job_key, state, due_at, lease_holder FROM jobs WHERE kind LIKE 'warning.%' "
          "ORDER BY kind, job_key"}) {
      for (std::string row : Rows(sql)) {
        for (const auto& [id, name] : ids) {
          for (const std::string& form : {IdToString(id), std::to_string(id)}) {
            for (size_t at = row.find(form); at != std::string::npos; at = row.find(form, at))
              row.replace(at, form.size(), name);
          }
        }
        rows.push_back(row);
      }
    }
    TearDown();
    SetUp();
    batched_ = 0;
    return rows;
  };
  const std::vector<std::string> one_by_one = run(false);
  const std::vector<std::string> batched = run(true);
  EXPECT_EQ(batched, one_by_one);
  auto has = [&](const std::string& part) {
    return std::count_if(batched.begin(), batched.end(),
                         [&](const std::string& r) { return r.find(part) != std::string::npos; });
  };
  EXPECT_EQ(has("|grade|open|"), 1) << "甲一 climbed to the grade";
  EXPECT_EQ(has("|department|open|"), 1) << "丙一 climbed to the department";
  EXPECT_EQ(has("|district_crisis|open|"), 1) << "the leader's warning climbed to the district";
  EXPECT_EQ(has("|class|acknowledged|"), 1) << "acknowledged: stays";
  EXPECT_EQ(has("|class|closed|"), 1) << "closed: stays";
  EXPECT_EQ(has("\"missed\":\"acknowledge\""), 3) << "one audit entry per escalation";
  EXPECT_EQ(has("1004|warning_escalated|"), 1) << "the grade head is told";
  EXPECT_EQ(has("1009|warning_escalated|"), 1) << "the department head is told";
  EXPECT_EQ(has("1007|warning_escalated|"), 1) << "the district crisis group is told";
  EXPECT_EQ(has("warning.escalated|"), 3);
}

TEST_F(NetworkTest, HigherEducationClimbsDepartmentThenSkipsTheDistrict) {
  const int64_t id = Raise(u1_, "/1/10/11/12/", 10, 2);
  EXPECT_TRUE(Get(id).higher_ed);
  const std::vector<std::string> expected = {"department", "psych_centre", "school_leader", "city_crisis"};
  for (const auto& step : expected) {
    clock_.Advance(24 * kHour);
    EXPECT_EQ(Due(), 1) << step;
    EXPECT_EQ(Get(id).owner_step, step);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_escalated' AND account_id = 1009"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE account_id = 1007"), 0) << "no district step";
  clock_.Advance(24 * kHour);
  EXPECT_EQ(Due(), 0);
}

TEST_F(NetworkTest, AcknowledgingStopsTheAckDeadlineAndTheActionDeadlineStillEscalates) {
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  auto acked = esc_->Acknowledge(head_, id);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->warning.state, "acknowledged");
  EXPECT_EQ(esc_->Acknowledge(head_, id).status().code(), absl::StatusCode::kAlreadyExists);
  clock_.Advance(2 * kHour);
  EXPECT_EQ(Due(), 0) << "acknowledged: the ack deadline no longer escalates";
  EXPECT_EQ(Get(id).owner_step, "class");
  clock_.Advance(22 * kHour);  // 24 h action deadline of 一级
  EXPECT_EQ(Due(), 1);
  auto w = Get(id);
  EXPECT_EQ(w.owner_step, "grade");
  EXPECT_EQ(w.state, "open") << "the next owner acknowledges anew";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'warning.acknowledged'"), 1);
}

TEST_F(NetworkTest, ClosingNeedsAReasonAndThePsychologyCentreAndStopsEscalation) {
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  EXPECT_EQ(esc_->Close(psych_, id, "  ").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(esc_->Close(head_, id, "谈过了").status().code(), absl::StatusCode::kPermissionDenied)
      << "the head teacher sees it but may not close it";
  EXPECT_EQ(esc_->Close(head_b_, id, "x").status().code(), absl::StatusCode::kNotFound) << "another class";
  auto closed = esc_->Close(psych_, id, "已约谈，情况稳定");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->warning.state, "closed");
  clock_.Advance(30 * 24 * kHour);
  EXPECT_EQ(Due(), 0);
  EXPECT_EQ(Get(id).owner_step, "class");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'warning.closed'"), 1);
  EXPECT_EQ(esc_->Close(psych_, id, "again").status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(NetworkTest, LoweringNeedsAReasonAndRestartsTheDeadlineOfTheNewLevel) {
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  EXPECT_EQ(esc_->SetLevel(psych_, id, 3, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(esc_->SetLevel(psych_, id, 4, "x").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(esc_->SetLevel(psych_, id, 3, "家访后判断风险较低").ok());
  clock_.Advance(2 * kHour);
  EXPECT_EQ(Due(), 0) << "the old 1 h deadline was cancelled";
  clock_.Advance(70 * kHour);  // 三级: 72 h to acknowledge
  EXPECT_EQ(Due(), 1);
  EXPECT_EQ(Get(id).owner_step, "grade");
}

TEST_F(NetworkTest, BoardViewsFollowThePolicy) {
  const int64_t one = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  const int64_t two = Raise(b1_, "/1/2/3/4/6/", 3, 2);
  auto names = [](const warning::Board& b) {
    std::vector<int64_t> ids;
    for (const auto& i : b.items) ids.push_back(i.warning.id);
    return ids;
  };
  auto head = esc_->ListBoard(head_, {}).value();
  EXPECT_EQ(names(head), std::vector<int64_t>{one});
  EXPECT_FALSE(head.items[0].detailed);
  auto psych = esc_->ListBoard(psych_, {}).value();
  EXPECT_EQ(psych.items.size(), 2u);
  EXPECT_TRUE(psych.items[0].detailed);
  auto leader = esc_->ListBoard(leader_, {}).value();
  EXPECT_EQ(names(leader), std::vector<int64_t>{one}) << "names at 一级 only";
  EXPECT_EQ(leader.by_level["1"], 1);
  EXPECT_EQ(leader.by_level["2"], 1) << "二级 counted";
  EXPECT_EQ(esc_->Get(leader_, two).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(esc_->ListBoard(district_crisis_, {}).value().items.empty()) << "nothing escalated yet";
  EXPECT_EQ(esc_->ListBoard(peer_, {}).status().code(), absl::StatusCode::kPermissionDenied);
  // 一级 reaches the district after four missed hours, the city after five.
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(kHour);
    Due();
  }
  EXPECT_EQ(Get(one).owner_step, "district_crisis");
  EXPECT_EQ(names(esc_->ListBoard(district_crisis_, {}).value()), std::vector<int64_t>{one});
  EXPECT_TRUE(esc_->ListBoard(city_crisis_, {}).value().items.empty());
  EXPECT_EQ(esc_->Get(city_crisis_, one).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(esc_->Get(district_crisis_, two).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(esc_->Acknowledge(district_crisis_, one).ok());
  ASSERT_TRUE(esc_->Close(psych_, one, "转介完成").ok());
  EXPECT_TRUE(esc_->ListBoard(district_crisis_, {.state = "active"}).value().items.empty()) << "access ends";
  EXPECT_EQ(esc_->Get(district_crisis_, one).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(esc_->ListBoard(psych_, {.state = "bogus"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(NetworkTest, DeadlinesAreTheSchoolsAndEditableByThePsychologyCentreAndLeader) {
  warning::Deadlines d;
  d.ack = {600, 7200, 86400};
  EXPECT_EQ(esc_->SetDeadlines(head_, 3, d).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(esc_->SetDeadlines(univ_leader_, 3, d).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(esc_->SetDeadlines(leader_, 3, d).ok());
  warning::Deadlines bad = d;
  bad.ack[0] = 10;
  EXPECT_EQ(esc_->SetDeadlines(psych_, 3, bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(esc_->GetDeadlines(head_, 3).value().ack[0], 600);
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 1);
  clock_.Advance(600 * int64_t{1'000'000});
  EXPECT_EQ(Due(), 1);
  EXPECT_EQ(Get(id).owner_step, "grade");
}

// --- observations, weekly reports, ledger ---------------------------------

TEST_F(NetworkTest, PeersPickOnlyTheirClassAndReadOnlyTheirOwnReports) {
  auto pick = svc_->ListPickable(peer_, 200, "").value();
  std::vector<int64_t> ids;
  for (const auto& p : pick.items) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{a1_, a2_}));
  EXPECT_EQ(svc_->Report(peer_, {.student_id = b1_, .category = "bullying", .urgency = "soon", .what_seen = "x"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument)
      << "a student of another class";
  EXPECT_EQ(
      svc_->Report(peer_, {.student_id = a2_, .category = "nope", .urgency = "soon", .what_seen = "x"}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->Report(peer_, {.student_id = a2_, .category = "bullying", .urgency = "now", .what_seen = "x"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto mine =
      svc_->Report(peer_, {.student_id = a2_, .category = "bullying", .urgency = "soon", .what_seen = "课间被人推搡"});
  ASSERT_TRUE(mine.ok()) << mine.status();
  auto by_head = svc_->Report(
      head_, {.student_id = a1_, .category = "family_change", .urgency = "record", .what_seen = "家里有变故"});
  ASSERT_TRUE(by_head.ok()) << by_head.status();
  auto own = svc_->ListObservations(peer_, true, 50, "").value();
  ASSERT_EQ(own.items.size(), 1u);
  EXPECT_EQ(own.items[0].o.id, mine->o.id);
  EXPECT_EQ(svc_->ListObservations(peer_, false, 50, "").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->ListObservations(head_, false, 50, "").value().items.size(), 2u) << "the head teacher's class";
  EXPECT_TRUE(svc_->ListObservations(head_b_, false, 50, "").value().items.empty());
  EXPECT_EQ(svc_->ListObservations(grade_, false, 50, "").value().items.size(), 2u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'network.observation_reported'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM network_risk_factors WHERE source = 'observation'"), 1)
      << "a factor from the 'soon' report, none from the one for the record";
}

TEST_F(NetworkTest, AnImmediateReportRaisesAnUrgentWarningThroughItsEvent) {
  auto o = svc_->Report(peer_, {.student_id = a2_,
                                .category = "marked_abnormality",
                                .urgency = "immediate",
                                .what_seen = "站在楼顶边上不肯下来"});
  ASSERT_TRUE(o.ok()) << o.status();
  events::Dispatcher d(*db_, clock_);
  d.Subscribe(warning::ObservationsSubscription(*audit_));
  ASSERT_TRUE(d.DeliverPending().ok());
  ASSERT_TRUE(d.DeliverPending().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM warnings WHERE source = 'observation' AND level = 1 AND "
                  "owner_step = 'class' AND student_id = " +
                  std::to_string(a2_)),
            1)
      << "once, however often delivered";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE kind = 'warning.ack_due' AND state = 'pending'"), 1);
}

// 知会 (warning/inform.h): a 一级 warning is made known at once beyond its
// first owners; whoever is told may acknowledge, and the first
// acknowledgement stops the escalation.
TEST_F(NetworkTest, A1stLevelWarningIsMadeKnownAbovePsychologyCentreAndLeadersOnlyAtOnce) {
  warning::Warning w;
  w.level = 1;
  w.owner_step = "class";
  EXPECT_EQ(warning::InformedSteps(w), (std::vector<std::string_view>{"psych_centre", "school_leader"}));
  w.owner_step = "department";
  EXPECT_EQ(warning::InformedSteps(w), (std::vector<std::string_view>{"psych_centre", "school_leader"}));
  w.owner_step = "psych_centre";
  EXPECT_EQ(warning::InformedSteps(w), (std::vector<std::string_view>{"school_leader"}));
  w.owner_step = "school_leader";
  EXPECT_TRUE(warning::InformedSteps(w).empty()) << "nobody below the owner is told";
  w.owner_step = "class";
  w.level = 2;
  EXPECT_TRUE(warning::InformedSteps(w).empty()) << "二级 and 三级 go to their owners only";
}

TEST_F(NetworkTest, TheInformedLeadersAcknowledgementStopsTheEscalationOfAnImmediateReport) {
  ASSERT_TRUE(svc_->Report(peer_, {.student_id = a2_,
                                   .category = "marked_abnormality",
                                   .urgency = "immediate",
                                   .what_seen = "站在楼顶边上不肯下来"})
                  .ok());
  events::Dispatcher d(*db_, clock_);
  d.Subscribe(warning::ObservationsSubscription(*audit_));
  ASSERT_TRUE(d.DeliverPending().ok());
  ASSERT_TRUE(d.DeliverPending().ok());
  const auto ids = Rows("SELECT id FROM warnings WHERE student_id = " + std::to_string(a2_));
  ASSERT_EQ(ids.size(), 1u);
  const int64_t id = std::stoll(ids[0]);
  EXPECT_EQ(Get(id).owner_step, "class") << "the class still owns it";
  auto told = [&](long long account, std::string_view kind) {
    return Count(fmt::format("SELECT COUNT(*) FROM notices WHERE account_id = {} AND kind = '{}'", account, kind));
  };
  EXPECT_EQ(told(1002, "warning_raised"), 1) << "the head teacher owns it";
  EXPECT_EQ(told(1005, "warning_informed"), 1) << "the psychology centre is told at once, once";
  EXPECT_EQ(told(1006, "warning_informed"), 1) << "the school leader is told at once";
  EXPECT_EQ(told(1004, "warning_informed") + told(1004, "warning_raised"), 0) << "not the grade head yet";
  EXPECT_EQ(told(1007, "warning_informed") + told(1010, "warning_informed"), 0)
      << "neither the crisis group nor another school's leader";
  for (const auto& params : Rows("SELECT params FROM notices WHERE kind = 'warning_informed'")) {
    EXPECT_EQ(params.find("甲二"), std::string::npos) << params;
    EXPECT_NE(params.find("\"informed_step\""), std::string::npos) << params;
  }
  EXPECT_EQ(Rows("SELECT detail FROM audit_log WHERE action = 'inform' ORDER BY seq"),
            (std::vector<std::string>{R"({"owner":"class","to":"psych_centre","told":1})",
                                      R"({"owner":"class","to":"school_leader","told":1})"}));
  // The leader may see it by name (一级) before any escalation, neutrally.
  auto seen = esc_->Get(leader_, id);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_FALSE(seen->detailed) << "no source label for a school leader";
  EXPECT_EQ(esc_->Get(head_b_, id).status().code(), absl::StatusCode::kNotFound);
  clock_.Advance(kHour / 3);
  auto acked = esc_->Acknowledge(leader_, id);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->warning.state, "acknowledged");
  EXPECT_EQ(acked->warning.acknowledged_by, 1006);
  EXPECT_EQ(esc_->Acknowledge(head_, id).status().code(), absl::StatusCode::kAlreadyExists)
      << "the first acknowledgement is the one";
  clock_.Advance(2 * kHour);
  EXPECT_EQ(Due(), 0) << "the acknowledgement job was cancelled";
  EXPECT_EQ(Get(id).owner_step, "class");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_escalated'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'escalate'"), 0);

  // Nobody answers another one: it climbs the chain as before.
  ASSERT_TRUE(
      svc_->Report(
              peer_,
              {.student_id = a1_, .category = "marked_abnormality", .urgency = "immediate", .what_seen = "说不想活了"})
          .ok());
  ASSERT_TRUE(d.DeliverPending().ok());
  const int64_t other = std::stoll(Rows("SELECT id FROM warnings WHERE student_id = " + std::to_string(a1_))[0]);
  clock_.Advance(kHour);
  EXPECT_EQ(Due(), 1);
  EXPECT_EQ(Get(other).owner_step, "grade");
  EXPECT_EQ(Get(id).owner_step, "class");
}

TEST_F(NetworkTest, AWarningRaisedTo1stLevelIsMadeKnownThenAndOnlyThen) {
  const int64_t id = Raise(a1_, "/1/2/3/4/5/", 3, 2);
  auto informed = [&] { return Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_informed'"); };
  EXPECT_EQ(informed(), 0) << "二级: the owners only";
  ASSERT_TRUE(esc_->SetLevel(psych_, id, 1, "当面谈话后判断风险很高").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_informed' AND account_id = 1006"), 1)
      << "the school leader";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notices WHERE kind = 'warning_informed' AND account_id = 1005"), 0)
      << "the psychology teacher who raised the level is not told of it";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'inform'"), 2);
  ASSERT_TRUE(esc_->SetLevel(psych_, id, 2, "复核").ok());
  EXPECT_EQ(informed(), 1) << "lowering tells nobody";
  auto leader = esc_->Acknowledge(leader_, id);
  EXPECT_EQ(leader.status().code(), absl::StatusCode::kNotFound) << "二级: the leader sees counts only";
}

TEST_F(NetworkTest, DiagnosticWordsInFreeTextStayWithThePsychologyCentre) {
  ASSERT_TRUE(svc_->Report(peer_, {.student_id = a2_,
                                   .category = "emotional_crisis",
                                   .urgency = "record",
                                   .what_seen = "他说自己可能有抑郁症"})
                  .ok());
  auto head = svc_->ListObservations(head_, false, 50, "").value();
  ASSERT_EQ(head.items.size(), 1u);
  EXPECT_TRUE(head.items[0].text_withheld);
  auto psych = svc_->ListObservations(psych_, false, 50, "").value();
  EXPECT_FALSE(psych.items[0].text_withheld);
}

TEST_F(NetworkTest, OneWeeklyReportPerClassAndWeekAndSilentClassesSurface) {
  EXPECT_EQ(svc_->FileWeekly(peer_, {.class_id = 6, .nothing_to_report = true}).status().code(),
            absl::StatusCode::kNotFound)
      << "not the peer's class";
  EXPECT_EQ(svc_->FileWeekly(peer_, {.class_id = 5, .nothing_to_report = false}).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a note or nothing-to-report";
  EXPECT_EQ(svc_->FileWeekly(peer_, {.class_id = 5, .week = "2099-W01", .nothing_to_report = true}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(svc_->FileWeekly(peer_, {.class_id = 5, .nothing_to_report = true}).ok());
  EXPECT_EQ(svc_->FileWeekly(peer_, {.class_id = 5, .nothing_to_report = true}).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto head = svc_->ListClassWeeks(head_, {}).value();
  ASSERT_EQ(head.items.size(), 1u);
  EXPECT_TRUE(head.items[0].filed);
  auto silent = svc_->ListClassWeeks(psych_, {.only_silent = true}).value();
  ASSERT_EQ(silent.items.size(), 1u);
  EXPECT_EQ(silent.items[0].class_id, 6);
  EXPECT_EQ(svc_->ListClassWeeks(peer_, {}).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->ListClassWeeks(psych_, {.silent_weeks = 13}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(NetworkTest, TheLedgerIsForHeadTeachersOfTheClassAndThePsychologyCentre) {
  EXPECT_EQ(svc_->AddFactor(peer_, {.student_id = a2_, .factor = "financial_difficulty"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->AddFactor(head_b_, {.student_id = a2_, .factor = "financial_difficulty"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(svc_->AddFactor(head_, {.student_id = a2_, .factor = "x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->AddFactor(head_, {.student_id = a2_, .factor = "financial_difficulty", .start_date = "2026-13-01"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto f = svc_->AddFactor(head_, {.student_id = a2_, .factor = "financial_difficulty", .source = "home_visit"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(svc_->ListFactors(head_, "active", 0, 50, "").value().items.size(), 1u);
  EXPECT_TRUE(svc_->ListFactors(head_b_, "active", 0, 50, "").value().items.empty());
  EXPECT_EQ(svc_->ListFactors(peer_, "active", 0, 50, "").status().code(), absl::StatusCode::kPermissionDenied);
  auto r = svc_->ResolveFactor(psych_, f->f.id, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->f.status, "resolved");
  EXPECT_EQ(svc_->ResolveFactor(psych_, f->f.id, "").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(svc_->ListFactors(psych_, "active", 0, 50, "").value().items.empty());
}

}  // namespace
}  // namespace xq::network
