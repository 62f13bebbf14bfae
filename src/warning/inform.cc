#include "warning/inform.h"

#include <set>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "warning/escalation.h"

namespace xq::warning {

std::vector<std::string_view> InformedSteps(const Warning& w) {
  std::vector<std::string_view> out;
  if (w.level != 1) return out;
  const int rank = StepRank(w.owner_step);
  if (rank < 0) return out;
  for (std::string_view step : {kStepPsychCentre, kStepSchoolLeader})
    if (StepRank(step) > rank) out.push_back(step);
  return out;
}

absl::Status InformIn(soci::session& s, const Warning& w, audit::AuditLog& audit, int64_t now, int64_t except_account) {
  const std::vector<std::string_view> steps = InformedSteps(w);
  if (steps.empty()) return absl::OkStatus();
  // The owners were told already (raised or escalated); an account told at two
  // steps (a head teacher who also teaches psychology) is told once.
  const std::vector<int64_t> owners = OwnersOf(s, w.owner_step, w.unit_path);
  std::set<int64_t> told(owners.begin(), owners.end());
  if (except_account != 0) told.insert(except_account);
  std::vector<notice::Notice> notices;
  std::vector<audit::Event> entries;
  for (std::string_view step : steps) {
    int told_here = 0;
    for (int64_t account : OwnersOf(s, step, w.unit_path)) {
      if (!told.insert(account).second) continue;
      notice::Notice n;
      n.school_id = w.school_id;
      n.account_id = account;
      n.kind = kInformedNotice;
      n.params = {{"warning_id", IdToString(w.id)},
                  {"level", std::to_string(w.level)},
                  {"step", w.owner_step},
                  {"informed_step", std::string(step)},
                  {"ack_due_at", std::to_string(w.ack_due_at)}};
      n.created_at = now;
      n.urgent = true;
      n.link = "/network/board";  // the psychology centre's and the leaders' board
      notices.push_back(std::move(n));
      ++told_here;
    }
    audit::Event e;
    e.actor_role = "system";
    e.action = "inform";
    e.object_type = "warning";
    e.object_id = IdToString(w.id);
    e.student_id = w.student_id;
    e.school_id = w.school_id;
    e.detail = fmt::format("{{\"owner\":\"{}\",\"to\":\"{}\",\"told\":{}}}", w.owner_step, step, told_here);
    entries.push_back(std::move(e));
  }
  notice::PostNotices(s, notices, now);
  return audit::RecordingIn(audit, std::move(entries))(s);
}

absl::Status RaiseAndInformIn(soci::session& s, Warning& w, int64_t now, audit::AuditLog& audit,
                              const std::string& extra_payload_json) {
  XQ_RETURN_IF_ERROR(RaiseIn(s, w, now, extra_payload_json));
  return InformIn(s, w, audit, now);
}

}  // namespace xq::warning
