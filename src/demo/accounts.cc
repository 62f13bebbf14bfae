// DemoAccounts: the demo's named accounts as they are in the database.
#include "core/status.h"
#include "db/row.h"
#include "demo/accounts.h"
#include "demo/demo.h"

namespace xq::demo {

absl::StatusOr<std::vector<DemoAccount>> DemoAccounts(db::Database& db) {
  std::vector<DemoAccount> out;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) -> absl::Status {
    for (const AccountSpec& spec : kAccounts) {
      std::string user(spec.username);
      soci::rowset<soci::row> rs = (s.prepare << "SELECT a.display_name, r.role, r.org_unit_id, u.name FROM accounts a "
                                                 "JOIN role_assignments r ON r.account_id = a.id "
                                                 "JOIN org_units u ON u.id = r.org_unit_id WHERE a.username = :u "
                                                 "ORDER BY r.id",
                                    soci::use(user));
      for (const auto& r : rs) {
        DemoAccount acc;
        acc.username = user;
        acc.password = std::string(kDemoPassword);
        acc.display_name = r.get<std::string>(0);
        acc.role = r.get<std::string>(1);
        if (auto role = policy::RoleFromName(acc.role)) acc.role_label = std::string(policy::RoleLabelZh(*role));
        acc.scope_unit_id = db::GetInt(r, 2);
        acc.scope_name = r.get<std::string>(3);
        out.push_back(std::move(acc));
        break;
      }
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace xq::demo
