// 知会: a 一级 warning is urgent, so when it is raised (or raised to 一级 by
// EscalationService::SetLevel) it is made known at once to more than the
// owners of its step, without changing who owns it or the chain of
// escalation (issue 19; docs/design.md "Warning escalation"):
//   - the psychology centre, when the warning starts below it (an
//     immediate-danger observation report starts at the class);
//   - the school leaders, when it starts below them.
// Both may read a 一级 warning of their school by name without escalation
// (ACCESS.md: psychology centre D4 school; school leader named for 一级),
// so whoever is told may acknowledge it, and the first acknowledgement by
// anyone stops the escalation (EscalationService::Acknowledge). The
// notices (kind warning_informed) carry the level and steps only, never a
// name or a diagnostic word; each informed step writes an audit entry
// (actor "system", action "inform"), as each escalation step does.
//
// Functions taking a session run inside the caller's open transaction.
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "audit/audit.h"
#include "db/database.h"
#include "warning/model.h"

namespace xq::warning {

inline constexpr char kInformedNotice[] = "warning_informed";

// The steps w is made known to at raise time besides its owner step, in
// chain order; empty below 一级 or from the school leader up.
std::vector<std::string_view> InformedSteps(const Warning& w);

// Tells the accounts of InformedSteps(w) (those not owning w's step, each
// once, never `except_account`: the teacher who raised the level knows) and
// records one audit entry per informed step.
absl::Status InformIn(soci::session& s, const Warning& w, audit::AuditLog& audit, int64_t now,
                      int64_t except_account = 0);

// RaiseIn, then InformIn: how the event subscriptions raise a warning.
absl::Status RaiseAndInformIn(soci::session& s, Warning& w, int64_t now, audit::AuditLog& audit,
                              const std::string& extra_payload_json = "");

}  // namespace xq::warning
