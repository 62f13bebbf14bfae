#include "db/auth_changes.h"

#include "core/clock.h"
#include "core/status.h"
#include "db/row.h"

namespace xq::db {

void RecordSessionEnded(soci::session& s, int64_t account_id, const std::string& token_hash) {
  long long at = SystemClock::Instance().NowMicros(), id = account_id;
  s << "INSERT INTO auth_changes (at, account_id, token_hash) VALUES (:t, :a, :h)", soci::use(at), soci::use(id),
      soci::use(token_hash);
}

void RecordAccountChanged(soci::session& s, int64_t account_id) {
  long long at = SystemClock::Instance().NowMicros(), id = account_id;
  s << "INSERT INTO auth_changes (at, account_id) VALUES (:t, :a)", soci::use(at), soci::use(id);
}

void RecordStaffChanged(soci::session& s, int64_t staff_id) {
  long long at = SystemClock::Instance().NowMicros(), id = staff_id;
  s << "INSERT INTO auth_changes (at, account_id) SELECT :t, id FROM accounts "
       "WHERE person_type = 'staff' AND person_id = :s",
      soci::use(at), soci::use(id);
}

absl::StatusOr<std::vector<AuthChange>> AuthChangesSince(Database& db, int64_t since) {
  std::vector<AuthChange> out;
  XQ_RETURN_IF_ERROR(
      db.Query("SELECT at, account_id, token_hash FROM auth_changes WHERE at >= :t", {static_cast<long long>(since)},
               [&](const soci::row& r) {
                 out.push_back({GetInt(r, std::size_t{0}), GetInt(r, std::size_t{1}), GetStr(r, std::size_t{2})});
               }));
  return out;
}

absl::Status PruneAuthChanges(Database& db, int64_t before) {
  return db.InLightTransaction([&](soci::session& s) {
    long long t = before;
    s << "DELETE FROM auth_changes WHERE at < :t", soci::use(t);
    return absl::OkStatus();
  });
}

}  // namespace xq::db
