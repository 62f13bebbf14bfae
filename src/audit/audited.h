// Audit that is never lost silently (docs/design.md "Audit in the
// transaction"). A write records its entry in the same transaction as the
// change (RecordingIn, run by the store inside its transaction): both
// commit or neither. A read or a denial records its own (Record). Either
// way a failed audit write fails the request: 503, code audit_unavailable.
//
//   XQ_ASSIGN_OR_RETURN(bool changed, store_.Acknowledge(id, by, now,
//                                                         audit::RecordingIn(audit_, e)));
//   XQ_RETURN_IF_ERROR(audit::Record(audit_, read_event));
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "audit/audit.h"

namespace xq::audit {

inline constexpr std::string_view kAuditUnavailable = "audit_unavailable";

// The answer to a request whose audit entry could not be written.
absl::Status Unavailable(const absl::Status& cause);

// Records e in its own transaction; a failure is Unavailable.
absl::Status Record(AuditLog& log, const Event& e);

// Runs inside a store's write transaction, after the change.
using InTransaction = std::function<absl::Status(soci::session& s)>;
// Records e inside that transaction; a failure is Unavailable and rolls
// the change back.
InTransaction RecordingIn(AuditLog& log, Event e);
// The same for several entries (one change that is several facts, e.g. an
// account created with its role grants).
InTransaction RecordingIn(AuditLog& log, std::vector<Event> events);

}  // namespace xq::audit
