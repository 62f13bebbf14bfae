#include "app/app.h"

#include "audit/audit.h"
#include "audit/routes.h"
#include "auth/auth_service.h"
#include "auth/auth_store.h"
#include "auth/routes.h"
#include "core/clock.h"
#include "core/json.h"
#include "counselling/hotlines.h"
#include "counselling/routes.h"
#include "core/status.h"
#include "db/database.h"

namespace xq::app {

struct App::Parts {
  std::unique_ptr<db::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<auth::AuthStore> auth_store;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<counselling::HotlineService> hotlines;
  http::Router router;
};

App::App() : parts_(std::make_unique<Parts>()) {}
App::~App() = default;

const http::Router& App::router() const { return parts_->router; }
http::SessionResolver* App::sessions() { return parts_->auth.get(); }

absl::StatusOr<std::unique_ptr<App>> App::Create(const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  Parts& p = *app->parts_;
  const Clock& clock = SystemClock::Instance();
  XQ_ASSIGN_OR_RETURN(p.db, db::Database::Open(options.db_url, {.pool_size = options.pool_size}));
  if (options.migrate) XQ_RETURN_IF_ERROR(db::Migrate(*p.db));
  p.audit = std::make_unique<audit::AuditLog>(*p.db, clock);
  p.auth_store = auth::NewSqlAuthStore(*p.db);
  p.auth = std::make_unique<auth::AuthService>(*p.auth_store, *p.audit, clock);
  p.hotlines = std::make_unique<counselling::HotlineService>(*p.db);

  const int schema = db::LatestSchemaVersion();
  p.router.Add(
      "GET", "/api/v1/health",
      [schema](http::Request&) {
        return http::Response::Json({{"status", "ok"}, {"version", "0.1.0"}, {"schema", schema}});
      },
      {.auth = http::Auth::kNone});
  auth::RegisterAuthRoutes(p.router, *p.auth, options.secure_cookies);
  counselling::RegisterCounsellingRoutes(p.router, *p.hotlines);
  audit::RegisterAuditRoutes(p.router, *p.audit);
  return app;
}

}  // namespace xq::app
