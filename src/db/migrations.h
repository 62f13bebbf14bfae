// Module migrations (docs/design.md "Migrations"). db::Migrate (declared in
// db/database.h) applies them:
//
// Migrations belong to modules: src/<module>/migrations/{sqlite,postgresql}/
// NNN_name.sql, identified by module + number, so two modules' numbers
// never collide; the legacy folder src/db/migrations is the module "db".
// Every migration of this binary not yet applied is applied (whatever the
// highest applied number), by number then module, each in its own
// transaction, skipping numbers above up_to. Two files with the same id,
// or a migration written for one database only, are refused
// (FailedPrecondition, naming the files) before anything is applied.
// Applied ids are kept in applied_migrations; the module "db"'s also in
// schema_migrations, as before, so a database migrated by an older binary
// is recognised from it. LatestSchemaVersion() is the module "db"'s
// highest number.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace xq::db {

// The highest migration number of each module compiled into this binary.
std::map<std::string, int> LatestModuleVersions();

// The order in which Migrate would apply these files (path, text) for one
// dialect, as "module/NNN_name.sql"; the same refusals as Migrate. For tests.
absl::StatusOr<std::vector<std::string>> MigrationOrder(
    const std::vector<std::pair<std::string_view, std::string_view>>& files, bool sqlite);

}  // namespace xq::db
