#include "app/app.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "core/periodic.h"
#include "spdlog/spdlog.h"

#include "archive/archive_service.h"
#include "archive/facts.h"
#include "archive/archive_store.h"
#include "archive/routes.h"
#include "archive/subscriptions.h"
#include "plans/plans_service.h"
#include "plans/plans_store.h"
#include "plans/routes.h"
#include "plans/subscriptions.h"
#include "audit/audit.h"
#include "audit/routes.h"
#include "auth/auth_service.h"
#include "auth/auth_store.h"
#include "auth/routes.h"
#include "auth/two_factor.h"
#include "core/clock.h"
#include "core/json.h"
#include "counselling/hotline_routes.h"
#include "counselling/hotline_service.h"
#include "counselling/hotline_store.h"
#include "counselling/booking_routes.h"
#include "counselling/counselling_service.h"
#include "counselling/counselling_store.h"
#include "counselling/hotline_facts.h"
#include "counselling/hotlines.h"
#include "crisis/crisis_service.h"
#include "crisis/crisis_store.h"
#include "crisis/routes.h"
#include "crisis/subscriptions.h"
#include "counselling/routes.h"
#include "crypto/key_source.h"
#include "core/status.h"
#include "crypto/keyring.h"
#include "db/database.h"
#include "db/migrations.h"
#include "events/dispatcher.h"
#include "jobs/jobs.h"
#include "notice/notice_service.h"
#include "notice/notice_store.h"
#include "network/network_service.h"
#include "network/network_store.h"
#include "network/routes.h"
#include "notice/routes.h"
#include "notify/notify_service.h"
#include "notify/notify_store.h"
#include "notify/routes.h"
#include "auth/slips.h"
#include "screening/events.h"
#include "screening/routes.h"
#include "screening/todos.h"
#include "screening/screening_service.h"
#include "screening/screening_store.h"
#include "screening/suppression.h"
#include "warning/escalation.h"
#include "warning/escalation_service.h"
#include "warning/routes.h"
#include "warning/subscriptions.h"
#include "warning/warning_service.h"
#include "org/org_service.h"
#include "org/org_store.h"
#include "org/routes.h"
#include "indicators/engine.h"
#include "indicators/indicator_store.h"
#include "indicators/indicators_service.h"
#include "indicators/routes.h"
#include "records/facts.h"
#include "records/records_service.h"
#include "records/records_store.h"
#include "records/routes.h"

namespace xq::app {

// Every module's indicator facts (contract 3: a module's facts.h). Add a
// module's source here when it lands.
std::vector<indicators::FactSource> IndicatorFactSources() {
  return {
      indicators::CoreFactSource(),
      {.name = "records",
       .event_kinds = records::kFactEventKinds,
       .school_facts = records::SchoolFacts,
       .unit_facts = records::UnitFacts,
       .prompt = true},
      {.name = "archive",
       .event_kinds = archive::kFactEventKinds,
       .school_facts = archive::SchoolFacts,
       .prompt = true},
      // A district's or the city's hotline change (school_id 0) reaches the
      // schools' awareness through the hourly refresh.
      {.name = "hotlines", .event_kinds = counselling::kFactEventKinds, .school_facts = counselling::SchoolFacts},
  };
}

namespace {

// The indicators engine has no state besides its sources and its store, so
// one per process serves the dispatcher, the jobs and the service.
indicators::Engine& IndicatorEngine() {
  static std::unique_ptr<indicators::IndicatorStore> store = indicators::NewSociIndicatorStore();
  static indicators::Engine engine(*store, IndicatorFactSources(), SystemClock::Instance());
  return engine;
}

// Every module's logs and subscriptions (docs/design.md "Events").
// `audit` records what the subscriptions do on the system's behalf (a 一级
// warning made known beyond its first owners) and outlives `d`.
void SubscribeModules(events::Dispatcher& d, db::Database& db, audit::AuditLog& audit) {
  d.AddLog(screening::NewSubmissionLog(db));
  d.Subscribe(warning::ScreeningResultsSubscription(audit));
  d.Subscribe(archive::TimelineSubscription());
  d.Subscribe(plans::ReturnPlanSubscription());
  d.Subscribe(IndicatorEngine().Subscription());
  d.Subscribe(notify::UrgentNoticeSubscription(SystemClock::Instance()));
  d.Subscribe(warning::ObservationsSubscription(audit));
  d.Subscribe(warning::CounsellingRiskSubscription(audit));
  d.Subscribe(crisis::RiskRecordedSubscription(SystemClock::Instance()));
}

// Every module's periodic jobs (docs/design.md "Jobs").
absl::Status DeclareJobs(jobs::JobRunner& runner, const Clock& clock, audit::AuditLog& audit, crypto::KeySource& keys) {
  // A missed warning deadline escalates one step (warning/escalation.h).
  // A burst of them (many due in the same minute) escalates as a batch.
  for (const char* kind : {warning::kAckDueJob, warning::kActionDueJob})
    runner.HandleBatch(
        kind,
        [&clock, &audit](soci::session& s, const jobs::Job& job) {
          return warning::HandleDueIn(s, job, audit, clock.NowMicros());
        },
        [&clock, &audit](soci::session& s, const std::vector<jobs::Job>& due) {
          return warning::HandleDueBatchIn(s, due, audit, clock.NowMicros());
        });
  // Event ids handled more than a week ago are read again by no one (the
  // cursors are minutes ahead of them).
  notify::HandleSendJobs(runner, clock, keys);
  runner.Handle("events.forget_handled", [&clock](soci::session& s, const jobs::Job&) {
    long long before = clock.NowMicros() - int64_t{7} * 86400 * 1'000'000;
    s << "DELETE FROM event_handled WHERE handled_at < :t", soci::use(before);
    return absl::OkStatus();
  });
  XQ_RETURN_IF_ERROR(
      runner.DeclarePeriodic("events.forget_handled", "all", int64_t{3600} * 1'000'000, clock.NowMicros()));
  // Facts whose changes publish no event (rosters, grants, submissions,
  // closed follow-ups) are caught up hourly: the job marks every unit, and
  // the units are refreshed like any mark, outside the write lock (a page of
  // units refreshed inside the job's transaction held it for up to 1 s).
  runner.Handle(indicators::kRefreshJob, [&clock](soci::session& s, const jobs::Job&) {
    return IndicatorEngine().MarkAllIn(s, indicators::SchoolYearOf(clock.NowMicros()));
  });
  return runner.DeclarePeriodic(indicators::kRefreshJob, "all", int64_t{3600} * 1'000'000, clock.NowMicros());
}

}  // namespace

absl::Status DeliverEvents(db::Database& db) {
  audit::AuditLog audit(db, SystemClock::Instance());
  events::Dispatcher d(db, SystemClock::Instance());
  SubscribeModules(d, db, audit);
  XQ_RETURN_IF_ERROR(d.DeliverPending());
  // The tool exits next: the units its events marked are refreshed now.
  return IndicatorEngine().RefreshAllMarked(db);
}

// Awareness rates are aggregates (D7): the screening module's small-cell
// rule and the city's k apply.
static counselling::RateGuard HotlineRateGuard(screening::ScreeningStore& store) {
  return {
      .k = [&store](const std::string& path) -> absl::StatusOr<int> {
        const auto ids = counselling::PathIds(path);
        if (ids.empty()) return screening::kDefaultSuppressionK;
        XQ_ASSIGN_OR_RETURN(auto k, store.SuppressionK(ids.front()));
        return k.value_or(screening::kDefaultSuppressionK);
      },
      .suppress =
          [](const std::vector<int64_t>& students, const std::vector<int64_t>& confirmed, int k, bool& total_hidden) {
            std::vector<std::vector<int64_t>> n, yes;
            for (size_t i = 0; i < students.size(); ++i) {
              n.push_back({students[i]});
              yes.push_back({confirmed[i]});
            }
            std::vector<bool> hidden(students.size(), false);
            if (students.empty()) {
              total_hidden = false;
              return hidden;
            }
            const auto sup = screening::SuppressRates(n, yes, k);
            for (size_t i = 0; i < students.size(); ++i) hidden[i] = sup.cell[i][0];
            total_hidden = sup.col_total[0];
            return hidden;
          }};
}

// Test-only (docs/design.md "Warning escalation"): with XQ_TEST_CLOCK=1 the
// server's clock can be moved forward by POST /api/v1/test/clock, so that
// browser and API tests watch deadlines pass. Never set in production.
class OffsetClock final : public Clock {
 public:
  int64_t NowMicros() const override { return SystemClock::Instance().NowMicros() + offset_.load(); }
  void Advance(int64_t micros) { offset_ += micros; }

 private:
  std::atomic<int64_t> offset_{0};
};

bool TestClockEnabled() {
  const char* v = std::getenv("XQ_TEST_CLOCK");
  return v != nullptr && std::string_view(v) == "1";
}

struct App::Parts {
  OffsetClock test_clock;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<crypto::KeyRing> keys;          // D5 at rest
  std::unique_ptr<crypto::KeySource> key_source;  // the same, re-read after a rotation
  // Before the modules: stopped after them (the writer wakes the dispatcher).
  std::unique_ptr<events::Dispatcher> events;
  std::unique_ptr<jobs::JobRunner> jobs;
  std::unique_ptr<auth::AuthStore> auth_store;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<auth::HttpSessions> sessions;  // auth for the HTTP pipeline
  std::unique_ptr<auth::TwoFactorStore> two_factor_store;
  std::unique_ptr<auth::TwoFactorService> two_factor;  // the auth service's login gate
  std::unique_ptr<counselling::HotlineService> hotlines;
  std::unique_ptr<counselling::HotlineStore> hotline_store;
  std::unique_ptr<counselling::HotlineEditor> hotline_editor;
  std::unique_ptr<counselling::CounsellingStore> counselling_store;
  std::unique_ptr<counselling::CounsellingService> counselling;
  std::unique_ptr<org::OrgStore> org_store;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<auth::SlipService> slips;
  std::unique_ptr<notice::NoticeStore> notice_store;
  std::unique_ptr<notice::NoticeService> notices;
  std::unique_ptr<notify::NotifyStore> notify_store;
  std::unique_ptr<notify::NotifyService> notify;
  std::unique_ptr<warning::WarningStore> warning_store;
  std::unique_ptr<warning::WarningService> warnings;
  std::unique_ptr<warning::EscalationService> escalation;
  std::unique_ptr<network::NetworkStore> network_store;
  std::unique_ptr<network::NetworkService> network;
  std::unique_ptr<crisis::CrisisStore> crisis_store;
  std::unique_ptr<crisis::CrisisService> crisis;
  std::unique_ptr<screening::ScreeningStore> screening_store;
  std::unique_ptr<screening::SubmissionWriter> submission_writer;
  std::unique_ptr<screening::ScreeningService> screening;
  std::unique_ptr<screening::TodoService> todos;
  std::unique_ptr<archive::ArchiveStore> archive_store;
  std::unique_ptr<archive::ArchiveService> archive;
  std::unique_ptr<plans::PlansStore> plans_store;
  std::unique_ptr<plans::PlansService> plans;
  std::unique_ptr<indicators::IndicatorStore> indicator_store;
  std::unique_ptr<indicators::IndicatorsService> indicators;
  std::unique_ptr<records::RecordsStore> records_store;
  std::unique_ptr<records::RecordsService> records;
  http::Router router;
  // Declared last, so stopped (with a last run) before anything they use.
  std::unique_ptr<Periodic> session_activity;
  std::unique_ptr<Periodic> auth_changes;     // sessions and accounts changed by any server
  std::unique_ptr<Periodic> checkpoint;       // SQLite WAL, off the writer's commits
  std::unique_ptr<Periodic> key_reload;       // the key file after `xinqiao keys rotate`
  std::unique_ptr<Periodic> indicator_marks;  // units owed a refresh of their facts
  std::jthread hold_sessions;                 // at start: HoldSignedInSessions, then HoldOpenAssessments
};

App::App() : parts_(std::make_unique<Parts>()) {}
App::~App() = default;

const http::Router& App::router() const { return parts_->router; }
void App::Stop() { parts_->submission_writer->Stop(); }
http::SessionResolver* App::sessions() { return parts_->sessions.get(); }

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
  const bool test_clock = TestClockEnabled();
  const Clock& clock = test_clock ? static_cast<const Clock&>(p.test_clock) : SystemClock::Instance();
  XQ_ASSIGN_OR_RETURN(
      p.db, db::Database::Open(options.db_url, {.pool_size = options.pool_size, .sqlite_background_checkpoint = true}));
  if (options.migrate) XQ_RETURN_IF_ERROR(db::Migrate(*p.db));
  {
    const std::string key_file = KeyFileFor(options);
    if (key_file.empty()) {  // an in-memory database: its data dies with the process, so may its key
      p.keys = std::make_unique<crypto::KeyRing>(crypto::KeyRing::Ephemeral());
    } else {
      XQ_ASSIGN_OR_RETURN(crypto::KeyRing keys, crypto::KeyRing::LoadOrCreate(key_file));
      p.keys = std::make_unique<crypto::KeyRing>(std::move(keys));
    }
    p.key_source = std::make_unique<crypto::KeySource>(*p.keys, key_file);
  }
  p.audit = std::make_unique<audit::AuditLog>(*p.db, clock);
  p.auth_store = auth::NewSqlAuthStore(*p.db);
  p.auth = std::make_unique<auth::AuthService>(*p.auth_store, *p.audit, clock);
  p.sessions = std::make_unique<auth::HttpSessions>(*p.auth);
  p.two_factor_store = auth::NewSqlTwoFactorStore(*p.db);
  p.two_factor = std::make_unique<auth::TwoFactorService>(*p.two_factor_store, *p.auth_store, *p.auth, *p.audit, clock);
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
  p.counselling_store = counselling::NewSociCounsellingStore(*p.db);
  p.counselling =
      std::make_unique<counselling::CounsellingService>(*p.counselling_store, *p.audit, *p.key_source, clock);
  p.key_reload = std::make_unique<Periodic>(std::chrono::seconds(2), [keys = p.key_source.get()] {
    if (auto st = keys->ReloadIfChanged(); !st.ok()) spdlog::warn("key file not re-read: {}", st.ToString());
  });
  p.org_store = org::NewSociOrgStore(*p.db, clock);
  p.org = std::make_unique<org::OrgService>(*p.org_store, *p.audit, clock);

  p.slips = std::make_unique<auth::SlipService>(*p.db, *p.auth_store, *p.audit, clock, *p.auth);
  p.notice_store = notice::NewSqlNoticeStore(*p.db);
  p.notices = std::make_unique<notice::NoticeService>(*p.notice_store, clock);
  p.notify_store = notify::NewSociNotifyStore(*p.db);
  p.notify = std::make_unique<notify::NotifyService>(*p.notify_store, *p.audit, *p.key_source, clock);
  // Channel secrets stored before they were sealed (or under a key since
  // rotated): sealed under the current key now. A server that cannot open
  // one still starts; that channel's sends fail and are retried.
  if (auto st = notify::SealStoredSecrets(*p.db, *p.key_source->Get()); !st.ok())
    spdlog::error("outbound channel secrets not sealed: {}", st.ToString());
  p.warning_store = warning::NewSociWarningStore(*p.db);
  p.warnings = std::make_unique<warning::WarningService>(*p.warning_store, *p.audit, clock);
  p.escalation = std::make_unique<warning::EscalationService>(*p.db, *p.audit, clock);
  p.network_store = network::NewSociNetworkStore(*p.db);
  p.network = std::make_unique<network::NetworkService>(*p.network_store, *p.audit, clock);
  p.screening_store = screening::NewSociScreeningStore(*p.db);
  p.hotline_store = counselling::NewSociHotlineStore(*p.db);
  p.hotline_editor = std::make_unique<counselling::HotlineEditor>(*p.hotline_store, *p.hotlines, *p.audit, clock,
                                                                  HotlineRateGuard(*p.screening_store));
  // Events: the urgent warning of a critical answer is raised from the
  // submissions log; the writer wakes the dispatcher once such a row is
  // durable (well under a second from the acknowledgement).
  p.events = std::make_unique<events::Dispatcher>(*p.db, clock);
  SubscribeModules(*p.events, *p.db, *p.audit);
  p.events->Start();
  p.jobs = std::make_unique<jobs::JobRunner>(*p.db, clock);
  XQ_RETURN_IF_ERROR(DeclareJobs(*p.jobs, clock, *p.audit, *p.key_source));
  p.crisis_store = crisis::NewSociCrisisStore(*p.db);
  p.crisis = std::make_unique<crisis::CrisisService>(
      *p.crisis_store, *p.audit, *p.key_source, clock,
      [&warnings = *p.warning_store](int64_t id) -> absl::StatusOr<std::optional<int64_t>> {
        XQ_ASSIGN_OR_RETURN(std::optional<warning::Warning> w, warnings.GetWarning(id));
        if (!w) return std::nullopt;
        return w->student_id;
      });
  crisis::HandleCrisisJobs(*p.jobs, *p.crisis);
  p.jobs->Start();
  // The units the events marked, a minute after their first mark (the
  // engine's clock, which marks them), or at once for a prompt source's:
  // a saved record is on the dashboards within 2 s (issue 21's freshness).
  p.indicator_marks = std::make_unique<Periodic>(std::chrono::milliseconds(500), [db = p.db.get()] {
    const int64_t before = SystemClock::Instance().NowMicros() - indicators::Engine::kMarkWaitUs;
    if (auto n = IndicatorEngine().RefreshMarked(*db, before); !n.ok())
      spdlog::warn("indicator facts not refreshed yet: {}", n.status().ToString());
  });
  p.submission_writer = std::make_unique<screening::SubmissionWriter>(
      *p.db, screening::WriterOptions{.followed_durable = [events = p.events.get()] { events->Wake(); }});
  p.screening = std::make_unique<screening::ScreeningService>(*p.db, *p.screening_store, *p.submission_writer, *p.audit,
                                                              *p.hotlines, clock);
  p.todos = std::make_unique<screening::TodoService>(
      *p.screening, *p.db, *p.warnings, clock,
      screening::TodoSources{
          .network_warnings = [&esc = *p.escalation](const policy::Actor& a)
              -> absl::StatusOr<std::optional<screening::HomeTodos::NetworkWarnings>> {
            XQ_ASSIGN_OR_RETURN(auto n, esc.CountToAcknowledge(a));
            if (!n) return std::nullopt;
            return screening::HomeTodos::NetworkWarnings{.count = n->count, .at_my_step = n->at_my_step};
          },
          .weekly_reports =
              [&net = *p.network](const policy::Actor& a) -> absl::StatusOr<std::vector<screening::WeeklyReportTodo>> {
            XQ_ASSIGN_OR_RETURN(auto due, net.WeeklyDue(a));
            std::vector<screening::WeeklyReportTodo> out;
            const std::string week = network::IsoWeek(net.clock().NowMicros());
            for (const auto& c : due) out.push_back({c.class_id, c.class_name, week});
            return out;
          },
          .counselling_day = [&cs = *p.counselling](const policy::Actor& a)
              -> absl::StatusOr<std::optional<screening::HomeTodos::CounsellingDay>> {
            XQ_ASSIGN_OR_RETURN(auto day, cs.DayOf(a));
            if (!day) return std::nullopt;
            return screening::HomeTodos::CounsellingDay{.bookings_today = day->bookings_today,
                                                        .next_at = day->next_at,
                                                        .referrals_waiting = day->referrals_waiting};
          },
          .crisis_cases = [&crisis = *p.crisis](const policy::Actor& a)
              -> absl::StatusOr<std::optional<screening::HomeTodos::CrisisCases>> {
            XQ_ASSIGN_OR_RETURN(auto n, crisis.CountOpenCases(a));
            if (!n) return std::nullopt;
            return screening::HomeTodos::CrisisCases{.open = n->open, .overdue = n->overdue};
          },
          .guardian_notices = [&crisis = *p.crisis](const policy::Actor& a) -> absl::StatusOr<int64_t> {
            XQ_ASSIGN_OR_RETURN(auto notices, crisis.GuardianNotices(a));
            return static_cast<int64_t>(
                std::count_if(notices.begin(), notices.end(), [](const auto& n) { return n.state == "requested"; }));
          }});
  p.archive_store = archive::NewSociArchiveStore(*p.db);
  p.archive = std::make_unique<archive::ArchiveService>(*p.archive_store, *p.audit, clock);
  p.plans_store = plans::NewSociPlansStore(*p.db);
  p.plans = std::make_unique<plans::PlansService>(*p.plans_store, *p.archive, *p.audit, clock);
  p.indicator_store = indicators::NewSociIndicatorStore();
  p.indicators =
      std::make_unique<indicators::IndicatorsService>(*p.db, *p.indicator_store, IndicatorEngine(), *p.audit, clock);
  p.records_store = records::NewSociRecordsStore(*p.db);
  p.records = std::make_unique<records::RecordsService>(*p.records_store, *p.audit, clock);
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
  p.router.Add("GET", "/api/v1/health",
               [schema, migrations, events = p.events.get()](http::Request&) {
                 // Each subscriber's lag: the age of the oldest event it has not
                 // handled yet (0 when caught up), and its failing attempts (the
                 // errors themselves go to the server log, not to this public page).
                 nlohmann::json subscribers = nlohmann::json::array();
                 for (const auto& l : events->Lags())
                   subscribers.push_back({{"name", l.subscriber},
                                          {"log", l.log},
                                          {"lag_ms", l.lag_us / 1000},
                                          {"delivered", l.delivered},
                                          {"attempts", l.attempts}});
                 return http::Response::Json({{"status", "ok"},
                                              {"version", "0.1.0"},
                                              {"schema", schema},
                                              {"migrations", migrations},
                                              {"events", {{"subscribers", subscribers}}}});
               },
               {.auth = http::Auth::kNone});
  // Served always, so the route list is the same everywhere; answers 404
  // unless the server was started with XQ_TEST_CLOCK=1.
  if (test_clock) spdlog::warn("XQ_TEST_CLOCK=1: POST /api/v1/test/clock moves the clock forward (tests only)");
  p.router.Add(
      "POST", "/api/v1/test/clock",
      [test_clock, &tc = p.test_clock, jobs = p.jobs.get()](http::Request& req) {
        if (!test_clock) return http::Response::Error(NotFound("not found"));
        auto body = ParseJsonObject(req.body);
        if (!body.ok()) return http::Response::Error(body.status());
        JsonReader r(*body);
        int64_t seconds = 0;
        r.Required("advance_seconds", &seconds);
        if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
        if (seconds < 0 || seconds > 365 * 86400)
          return http::Response::Error(InvalidArgument("advance_seconds must be 0..31536000", "advance_seconds"));
        tc.Advance(seconds * 1'000'000);
        // Run what fell due before answering, so the caller sees its effect.
        auto ran = jobs->RunDue();
        if (!ran.ok()) return http::Response::Error(ran.status());
        return http::Response::Json({{"now", FormatRfc3339(tc.NowMicros())}, {"jobs_run", *ran}});
      },
      {.auth = http::Auth::kNone, .csrf = false, .max_body = 1024});
  auth::RegisterAuthRoutes(p.router, *p.auth, options.secure_cookies);
  auth::RegisterTwoFactorRoutes(p.router, *p.two_factor, options.secure_cookies);
  counselling::RegisterCounsellingRoutes(p.router, *p.hotlines);
  counselling::RegisterHotlineRoutes(p.router, *p.hotline_editor);
  counselling::RegisterBookingRoutes(p.router, *p.counselling);
  audit::RegisterAuditRoutes(p.router, *p.audit);
  org::RegisterOrgRoutes(p.router, *p.org);
  auth::RegisterSlipRoutes(p.router, *p.slips, options.secure_cookies);
  notice::RegisterNoticeRoutes(p.router, *p.notices);
  notify::RegisterNotifyRoutes(p.router, *p.notify);
  warning::RegisterWarningRoutes(p.router, *p.warnings);
  warning::RegisterEscalationRoutes(p.router, *p.escalation);
  network::RegisterNetworkRoutes(p.router, *p.network);
  screening::RegisterScreeningRoutes(p.router, *p.screening);
  screening::RegisterTodoRoutes(p.router, *p.todos);
  archive::RegisterArchiveRoutes(p.router, *p.archive);
  plans::RegisterPlansRoutes(p.router, *p.plans);
  indicators::RegisterIndicatorRoutes(p.router, *p.indicators);
  records::RegisterRecordsRoutes(p.router, *p.records);
  crisis::RegisterCrisisRoutes(p.router, *p.crisis);
  return app;
}

}  // namespace xq::app
