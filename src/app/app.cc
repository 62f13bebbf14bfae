#include "app/app.h"

#include <thread>

#include "core/periodic.h"
#include "spdlog/spdlog.h"

#include "audit/audit.h"
#include "audit/routes.h"
#include "auth/auth_service.h"
#include "auth/auth_store.h"
#include "auth/routes.h"
#include "auth/two_factor.h"
#include "core/clock.h"
#include "core/json.h"
#include "counselling/hotlines.h"
#include "crisis/crisis_service.h"
#include "crisis/crisis_store.h"
#include "crisis/routes.h"
#include "crisis/subscriptions.h"
#include "counselling/routes.h"
#include "core/status.h"
#include "crypto/keyring.h"
#include "db/database.h"
#include "db/migrations.h"
#include "events/dispatcher.h"
#include "jobs/jobs.h"
#include "notice/notice_service.h"
#include "notice/notice_store.h"
#include "notice/routes.h"
#include "auth/slips.h"
#include "screening/events.h"
#include "screening/routes.h"
#include "screening/todos.h"
#include "screening/screening_service.h"
#include "warning/routes.h"
#include "warning/subscriptions.h"
#include "warning/warning_service.h"
#include "org/org_service.h"
#include "org/org_store.h"
#include "org/routes.h"

namespace xq::app {
namespace {

// Every module's logs and subscriptions (docs/design.md "Events").
void SubscribeModules(events::Dispatcher& d, db::Database& db) {
  d.AddLog(screening::NewSubmissionLog(db));
  d.Subscribe(warning::ScreeningResultsSubscription());
  d.Subscribe(crisis::RiskRecordedSubscription(SystemClock::Instance()));
}

// Every module's periodic jobs (docs/design.md "Jobs").
absl::Status DeclareJobs(jobs::JobRunner& runner, const Clock& clock) {
  // Event ids handled more than a week ago are read again by no one (the
  // cursors are minutes ahead of them).
  runner.Handle("events.forget_handled", [&clock](soci::session& s, const jobs::Job&) {
    long long before = clock.NowMicros() - int64_t{7} * 86400 * 1'000'000;
    s << "DELETE FROM event_handled WHERE handled_at < :t", soci::use(before);
    return absl::OkStatus();
  });
  return runner.DeclarePeriodic("events.forget_handled", "all", int64_t{3600} * 1'000'000, clock.NowMicros());
}

}  // namespace

absl::Status DeliverEvents(db::Database& db) {
  events::Dispatcher d(db, SystemClock::Instance());
  SubscribeModules(d, db);
  return d.DeliverPending();
}

struct App::Parts {
  std::unique_ptr<db::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<crypto::KeyRing> keys;  // D5 at rest
  // Before the modules: stopped after them (the writer wakes the dispatcher).
  std::unique_ptr<events::Dispatcher> events;
  std::unique_ptr<jobs::JobRunner> jobs;
  std::unique_ptr<auth::AuthStore> auth_store;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<auth::TwoFactorStore> two_factor_store;
  std::unique_ptr<auth::TwoFactorService> two_factor;  // the auth service's login gate
  std::unique_ptr<counselling::HotlineService> hotlines;
  std::unique_ptr<org::OrgStore> org_store;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<auth::SlipService> slips;
  std::unique_ptr<notice::NoticeStore> notice_store;
  std::unique_ptr<notice::NoticeService> notices;
  std::unique_ptr<warning::WarningStore> warning_store;
  std::unique_ptr<warning::WarningService> warnings;
  std::unique_ptr<crisis::CrisisStore> crisis_store;
  std::unique_ptr<crisis::CrisisService> crisis;
  std::unique_ptr<screening::ScreeningStore> screening_store;
  std::unique_ptr<screening::SubmissionWriter> submission_writer;
  std::unique_ptr<screening::ScreeningService> screening;
  std::unique_ptr<screening::TodoService> todos;
  http::Router router;
  // Declared last, so stopped (with a last run) before anything they use.
  std::unique_ptr<Periodic> session_activity;
  std::unique_ptr<Periodic> auth_changes;  // sessions and accounts changed by any server
  std::unique_ptr<Periodic> checkpoint;  // SQLite WAL, off the writer's commits
  std::jthread hold_sessions;  // at start: HoldSignedInSessions, then HoldOpenAssessments
};

App::App() : parts_(std::make_unique<Parts>()) {}
App::~App() = default;

const http::Router& App::router() const { return parts_->router; }
void App::Stop() { parts_->submission_writer->Stop(); }
http::SessionResolver* App::sessions() { return parts_->auth.get(); }

std::string KeyFileFor(const AppOptions& options) {
  if (!options.key_file.empty()) return options.key_file;
  constexpr std::string_view kSqlite = "sqlite:";
  std::string_view url = options.db_url;
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    std::string_view file = url.substr(kSqlite.size());
    if (file == ":memory:") return "";
    if (!file.empty()) return std::string(file) + ".key";
  }
  return "data/xinqiao.key";
}

absl::StatusOr<std::unique_ptr<App>> App::Create(const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  Parts& p = *app->parts_;
  const Clock& clock = SystemClock::Instance();
  XQ_ASSIGN_OR_RETURN(p.db, db::Database::Open(options.db_url, {.pool_size = options.pool_size,
                                                                 .sqlite_background_checkpoint = true}));
  if (options.migrate) XQ_RETURN_IF_ERROR(db::Migrate(*p.db));
  {
    const std::string key_file = KeyFileFor(options);
    if (key_file.empty()) {  // an in-memory database: its data dies with the process, so may its key
      p.keys = std::make_unique<crypto::KeyRing>(crypto::KeyRing::Ephemeral());
    } else {
      XQ_ASSIGN_OR_RETURN(crypto::KeyRing keys, crypto::KeyRing::LoadOrCreate(key_file));
      p.keys = std::make_unique<crypto::KeyRing>(std::move(keys));
    }
  }
  p.audit = std::make_unique<audit::AuditLog>(*p.db, clock);
  p.auth_store = auth::NewSqlAuthStore(*p.db);
  p.auth = std::make_unique<auth::AuthService>(*p.auth_store, *p.audit, clock);
  p.two_factor_store = auth::NewSqlTwoFactorStore(*p.db);
  p.two_factor = std::make_unique<auth::TwoFactorService>(*p.two_factor_store, *p.auth_store, *p.auth,
                                                          *p.audit, clock);
  p.auth->SetLoginGate(p.two_factor.get());
  p.session_activity = std::make_unique<Periodic>(std::chrono::seconds(2), [auth = p.auth.get()] {
    if (auto st = auth->FlushSessionActivity(); !st.ok())
      spdlog::warn("session activity not written yet: {}", st.ToString());
  });
  p.auth_changes = std::make_unique<Periodic>(std::chrono::seconds(1), [auth = p.auth.get()] {
    if (auto st = auth->ApplyAuthChanges(); !st.ok()) spdlog::warn("auth changes not read: {}", st.ToString());
  });
  p.checkpoint = std::make_unique<Periodic>(std::chrono::seconds(1), [db = p.db.get()] {
    if (auto st = db->Checkpoint(); !st.ok()) spdlog::warn("WAL checkpoint: {}", st.ToString());
  });
  p.hotlines = std::make_unique<counselling::HotlineService>(*p.db);
  p.org_store = org::NewSociOrgStore(*p.db, clock);
  p.org = std::make_unique<org::OrgService>(*p.org_store, *p.audit, clock);

  p.slips = std::make_unique<auth::SlipService>(*p.db, *p.auth_store, *p.audit, clock, *p.auth);
  p.notice_store = notice::NewSqlNoticeStore(*p.db);
  p.notices = std::make_unique<notice::NoticeService>(*p.notice_store, clock);
  p.warning_store = std::make_unique<warning::WarningStore>(*p.db);
  p.warnings = std::make_unique<warning::WarningService>(*p.warning_store, *p.audit, clock);
  p.screening_store = std::make_unique<screening::ScreeningStore>(*p.db);
  // Events: the urgent warning of a critical answer is raised from the
  // submissions log; the writer wakes the dispatcher once such a row is
  // durable (well under a second from the acknowledgement).
  p.events = std::make_unique<events::Dispatcher>(*p.db, clock);
  SubscribeModules(*p.events, *p.db);
  p.events->Start();
  p.jobs = std::make_unique<jobs::JobRunner>(*p.db, clock);
  XQ_RETURN_IF_ERROR(DeclareJobs(*p.jobs, clock));
  p.crisis_store = crisis::NewSociCrisisStore(*p.db);
  p.crisis = std::make_unique<crisis::CrisisService>(*p.crisis_store, *p.audit, *p.keys, clock);
  crisis::HandleCrisisJobs(*p.jobs, *p.crisis);
  p.jobs->Start();
  p.submission_writer = std::make_unique<screening::SubmissionWriter>(
      *p.db, screening::WriterOptions{.followed_durable = [events = p.events.get()] { events->Wake(); }});
  p.screening = std::make_unique<screening::ScreeningService>(*p.screening_store, *p.submission_writer,
                                                               *p.audit, *p.hotlines, clock);
  p.todos = std::make_unique<screening::TodoService>(*p.screening, *p.db, *p.warnings, clock);
  // In the background: requests meanwhile read their sessions and
  // assessments from the database.
  p.hold_sessions = std::jthread([auth = p.auth.get(), screening = p.screening.get()] {
    auto held = auth->HoldSignedInSessions();
    if (!held.ok()) return spdlog::warn("signed-in sessions not held in memory: {}", held.status().ToString());
    if (held->sessions == 0) return;
    spdlog::info("{} signed-in sessions held in memory", held->sessions);
    auto open = screening->HoldOpenAssessments(held->student_ids);
    if (!open.ok()) return spdlog::warn("open assessments not held in memory: {}", open.status().ToString());
    spdlog::info("{} open assessments of {} signed-in students held in memory", *open, held->student_ids.size());
  });

  const int schema = db::LatestSchemaVersion();
  nlohmann::json migrations = nlohmann::json::object();
  for (const auto& [module, version] : db::LatestModuleVersions()) migrations[module] = version;
  p.router.Add(
      "GET", "/api/v1/health",
      [schema, migrations, events = p.events.get()](http::Request&) {
        // Each subscriber's lag: the age of the oldest event it has not
        // handled yet (0 when caught up), and its failing attempts (the
        // errors themselves go to the server log, not to this public page).
        nlohmann::json subscribers = nlohmann::json::array();
        for (const auto& l : events->Lags())
          subscribers.push_back({{"name", l.subscriber}, {"log", l.log}, {"lag_ms", l.lag_us / 1000},
                                 {"delivered", l.delivered}, {"attempts", l.attempts}});
        return http::Response::Json({{"status", "ok"},
                                     {"version", "0.1.0"},
                                     {"schema", schema},
                                     {"migrations", migrations},
                                     {"events", {{"subscribers", subscribers}}}});
      },
      {.auth = http::Auth::kNone});
  auth::RegisterAuthRoutes(p.router, *p.auth, options.secure_cookies);
  auth::RegisterTwoFactorRoutes(p.router, *p.two_factor, options.secure_cookies);
  counselling::RegisterCounsellingRoutes(p.router, *p.hotlines);
  audit::RegisterAuditRoutes(p.router, *p.audit);
  org::RegisterOrgRoutes(p.router, *p.org);
  auth::RegisterSlipRoutes(p.router, *p.slips, options.secure_cookies);
  notice::RegisterNoticeRoutes(p.router, *p.notices);
  warning::RegisterWarningRoutes(p.router, *p.warnings);
  screening::RegisterScreeningRoutes(p.router, *p.screening);
  screening::RegisterTodoRoutes(p.router, *p.todos);
  crisis::RegisterCrisisRoutes(p.router, *p.crisis);
  return app;
}

}  // namespace xq::app
