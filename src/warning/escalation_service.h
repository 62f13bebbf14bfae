// The warning board of the network: open warnings by level and
// deadline with their owner step, acknowledging, closing and re-levelling,
// and the school's deadlines. Every decision is policy::Decide's:
//   reading a warning   D4 (attention) of the student's class path: head
//                       teachers of the class, grade heads, the psychology
//                       centre; school leaders see counts, named for 一级;
//                       crisis groups only what was escalated to their
//                       level (district or city) while it is open;
//   details             source label and urgency only with D3 (psychology
//                       centre); everybody else sees the neutral summary;
//   acknowledging       whoever may read it named;
//   closing, level      D4 write (the psychology centre), with a reason;
//   deadlines           policy::DecideWarningDeadlines.
// A warning outside the caller's view is not found (404); denials are
// audited; writes audit in their transaction (audit/audited.h).
// Thread-safe: stateless apart from the database, audit log and clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "db/database.h"
#include "policy/model.h"
#include "warning/escalation.h"
#include "warning/model.h"

namespace xq::warning {

struct BoardItem {
  Warning warning;
  bool detailed = false;  // source label/urgency visible (psychology centre)
  bool informed = false;  // the viewer was told of it at once (知会)
};

struct Board {
  std::vector<BoardItem> items;  // named, in (ack_due_at, id) order
  std::string next;              // cursor of the next page, empty at the end
  // Open (not closed) warnings the caller may count, by level "1".."3" and
  // by owner step.
  std::map<std::string, int64_t> by_level;
  std::map<std::string, int64_t> by_step;
};

struct BoardQuery {
  std::string state = "open";  // open | acknowledged | active (both) | closed
  int page_size = 50;          // 1..200
  std::string after;
};

class EscalationService {
 public:
  EscalationService(db::Database& db, audit::AuditLog& audit, const Clock& clock)
      : db_(db), audit_(audit), clock_(clock) {}

  absl::StatusOr<Board> ListBoard(const policy::Actor& actor, const BoardQuery& q);
  // How many warnings wait for an acknowledgement the actor may give (the
  // board's open ones it sees named), counted to 200, and how many of them
  // stand at a step the actor owns by a role (class: head teacher, grade or
  // department: grade head, …); nullopt without a board (no denial is
  // audited: the home page asks for everyone).
  struct ToAcknowledge {
    int64_t count = 0;
    int64_t at_my_step = 0;
  };
  absl::StatusOr<std::optional<ToAcknowledge>> CountToAcknowledge(const policy::Actor& actor);
  absl::StatusOr<BoardItem> Get(const policy::Actor& actor, int64_t id);
  absl::StatusOr<BoardItem> Acknowledge(const policy::Actor& actor, int64_t id);
  absl::StatusOr<BoardItem> Close(const policy::Actor& actor, int64_t id, std::string_view reason);
  absl::StatusOr<BoardItem> SetLevel(const policy::Actor& actor, int64_t id, int level, std::string_view reason);

  absl::StatusOr<Deadlines> GetDeadlines(const policy::Actor& actor, int64_t school_id);
  absl::StatusOr<Deadlines> SetDeadlines(const policy::Actor& actor, int64_t school_id, const Deadlines& d);

 private:
  // How the actor may see w: kFull (named), kNone; detailed set for D3.
  policy::View ViewOf(const policy::Actor& actor, const Warning& w, bool* detailed) const;
  absl::StatusOr<Warning> Load(int64_t id);
  absl::Status Denied(const policy::Actor& actor, const Warning& w, std::string_view reason);
  audit::Event Entry(const policy::Actor& actor, std::string action, const Warning& w, std::string detail = {}) const;
  absl::StatusOr<std::string> SchoolPath(int64_t school_id);

  db::Database& db_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace xq::warning
