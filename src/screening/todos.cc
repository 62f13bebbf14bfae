#include "screening/todos.h"

#include <algorithm>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"
#include "screening/screening_service.h"

namespace xq::screening {
namespace {

constexpr int64_t kDayMicros = int64_t{24} * 3'600'000'000;

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

}  // namespace

absl::Status ReminderStore::Add(const std::vector<Reminder>& reminders) {
  if (reminders.empty()) return absl::OkStatus();
  return db_.InTransaction([&](soci::session& s) {
    for (const auto& r : reminders) {
      long long id = r.id, school = r.school_id, campaign = r.campaign_id, student = r.student_id, by = r.created_by,
                at = r.created_at;
      std::string recipient = r.recipient, reason = r.reason;
      s << "INSERT INTO screening_reminders (id, school_id, campaign_id, student_id, recipient, reason, "
           "created_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h)",
          soci::use(id), soci::use(school), soci::use(campaign), soci::use(student), soci::use(recipient),
          soci::use(reason), soci::use(by), soci::use(at);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::set<int64_t>> ReminderStore::WithGuardianAccount(const std::vector<int64_t>& student_ids) {
  std::set<int64_t> out;
  constexpr size_t kChunk = 500;
  for (size_t i = 0; i < student_ids.size(); i += kChunk) {
    std::vector<int64_t> chunk(
        student_ids.begin() + static_cast<std::ptrdiff_t>(i),
        student_ids.begin() + static_cast<std::ptrdiff_t>(std::min(i + kChunk, student_ids.size())));
    // Ids are integers, written into the statement.
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT DISTINCT sg.student_id FROM student_guardians sg JOIN accounts a "
                        "ON a.person_type = 'guardian' AND a.person_id = sg.guardian_id "
                        "WHERE sg.student_id IN (" +
                            IdList(chunk) + ")");
      for (const auto& r : rows) out.insert(db::GetInt(r, 0));
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::StatusOr<std::map<int64_t, int64_t>> ReminderStore::Latest(int64_t student_id, std::string_view recipient) {
  std::map<int64_t, int64_t> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long sid = student_id;
    std::string who(recipient);
    soci::rowset<soci::row> rows = (s.prepare << "SELECT campaign_id, MAX(created_at) FROM screening_reminders "
                                                 "WHERE student_id = :s AND recipient = :r GROUP BY campaign_id",
                                    soci::use(sid), soci::use(who));
    for (const auto& r : rows) out[db::GetInt(r, 0)] = db::GetInt(r, 1);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> TodoService::ForHome(const policy::Principal& p) {
  using policy::Action;
  using policy::DataClass;
  using policy::Role;
  const int64_t now = clock_.NowMicros();
  const std::string today = FormatDate(now);
  Json items = Json::array();
  Json badges = Json::object();

  // A student: the open surveys, one to-do per campaign.
  if (p.actor.student_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto mine, screening_.ListAssignments(p));
    XQ_ASSIGN_OR_RETURN(auto reminded, reminders_.Latest(p.actor.student_id, "student"));
    std::map<std::string, Json> by_campaign;
    std::vector<std::string> order;
    for (const auto& a : mine) {
      if (a.state != "pending" && a.state != "in_progress") continue;
      const std::string cid = IdToString(a.campaign_id);
      if (!by_campaign.count(cid)) {
        order.push_back(cid);
        Json t = {{"kind", "survey"},
                  {"campaign_id", cid},
                  {"campaign_name", a.campaign_name},
                  {"closes_on", a.closes_on},
                  {"count", 0},
                  {"first_assignment_id", IdToString(a.id)}};
        auto r = reminded.find(a.campaign_id);
        if (r != reminded.end()) t["reminded_at"] = FormatRfc3339(r->second);
        by_campaign[cid] = std::move(t);
      }
      by_campaign[cid]["count"] = by_campaign[cid]["count"].get<int>() + 1;
    }
    for (const auto& cid : order) items.push_back(std::move(by_campaign[cid]));
    badges["surveys"] = order.size();
  }

  // A guardian: consents to give, and surveys a child was reminded of.
  if (!p.actor.child_ids.empty()) {
    XQ_ASSIGN_OR_RETURN(auto requests, screening_.ConsentRequests(p));
    std::map<int64_t, std::map<int64_t, int64_t>> reminded;  // child → campaign → at
    for (int64_t child : p.actor.child_ids) {
      XQ_ASSIGN_OR_RETURN(reminded[child], reminders_.Latest(child, "guardian"));
    }
    int64_t consents = 0;
    for (const auto& r : requests) {
      const bool decided = r.decision.has_value();
      if (decided && *r.decision == "decline") continue;
      auto at = reminded[r.student_id].find(r.campaign_id);
      Json t = {{"campaign_id", IdToString(r.campaign_id)},
                {"campaign_name", r.campaign_name},
                {"student_id", IdToString(r.student_id)},
                {"student_name", r.student_name},
                {"closes_on", r.closes_on}};
      if (at != reminded[r.student_id].end()) t["reminded_at"] = FormatRfc3339(at->second);
      if (r.consent_required && !decided) {
        t["kind"] = "consent";
        ++consents;
        items.push_back(std::move(t));
      } else if (at != reminded[r.student_id].end()) {
        t["kind"] = "child_survey";
        items.push_back(std::move(t));
      }
    }
    badges["consents"] = consents;
  }

  // Psychology staff: the day's work in their school.
  XQ_ASSIGN_OR_RETURN(auto work, warnings_.OpenWorkOf(p, now, now + kDayMicros));
  if (work) {
    const int64_t open = work->open_warnings, due = work->follow_ups_due, overdue = work->follow_ups_overdue;
    XQ_ASSIGN_OR_RETURN(auto campaigns, screening_.ListCampaigns(p));
    Json running = Json::array();
    for (const auto& c : campaigns) {
      if (c.state != "open" || c.opens_on > today || c.closes_on < today) continue;
      running.push_back(
          {{"id", IdToString(c.id)}, {"name", c.name}, {"opens_on", c.opens_on}, {"closes_on", c.closes_on}});
    }
    items.push_back({{"kind", "urgent_warnings"}, {"count", open}});
    items.push_back({{"kind", "follow_ups_due"}, {"count", due}, {"overdue", overdue}});
    items.push_back({{"kind", "campaigns_in_progress"}, {"count", running.size()}, {"campaigns", running}});
    badges["warnings"] = open;
    badges["follow_ups"] = due;
  }
  return Json{{"items", items}, {"badges", badges}};
}

}  // namespace xq::screening
