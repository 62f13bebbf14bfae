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

absl::StatusOr<HomeTodos> TodoService::ForHome(const policy::Principal& p) {
  const int64_t now = clock_.NowMicros();
  const std::string today = FormatDate(now);
  HomeTodos out;

  // A student: the open surveys, one to-do per campaign.
  if (p.actor.student_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto mine, screening_.ListAssignments(p));
    XQ_ASSIGN_OR_RETURN(auto reminded, reminders_.Latest(p.actor.student_id, "student"));
    auto& surveys = out.surveys.emplace();
    for (const auto& a : mine) {
      if (a.state != "pending" && a.state != "in_progress") continue;
      auto t = std::find_if(surveys.begin(), surveys.end(),
                            [&](const SurveyTodo& s) { return s.campaign_id == a.campaign_id; });
      if (t == surveys.end()) {
        SurveyTodo todo{a.campaign_id, a.campaign_name, a.closes_on, 0, a.id, std::nullopt};
        if (auto r = reminded.find(a.campaign_id); r != reminded.end()) todo.reminded_at = r->second;
        t = surveys.insert(surveys.end(), std::move(todo));
      }
      ++t->count;
    }
  }

  // A guardian: consents to give, and surveys a child was reminded of.
  if (!p.actor.child_ids.empty()) {
    XQ_ASSIGN_OR_RETURN(auto requests, screening_.ConsentRequests(p));
    std::map<int64_t, std::map<int64_t, int64_t>> reminded;  // child → campaign → at
    for (int64_t child : p.actor.child_ids) {
      XQ_ASSIGN_OR_RETURN(reminded[child], reminders_.Latest(child, "guardian"));
    }
    auto& children = out.children.emplace();
    for (const auto& r : requests) {
      const bool decided = r.decision.has_value();
      if (decided && *r.decision == "decline") continue;
      auto at = reminded[r.student_id].find(r.campaign_id);
      const bool was_reminded = at != reminded[r.student_id].end();
      ChildTodo t{"", r.campaign_id, r.campaign_name, r.student_id, r.student_name, r.closes_on, std::nullopt};
      if (was_reminded) t.reminded_at = at->second;
      if (r.consent_required && !decided) {
        t.kind = "consent";
      } else if (was_reminded) {
        t.kind = "child_survey";
      } else {
        continue;
      }
      children.push_back(std::move(t));
    }
  }

  // Psychology staff: the day's work in their school.
  XQ_ASSIGN_OR_RETURN(auto work, warnings_.OpenWorkOf(p, now, now + kDayMicros));
  if (work) {
    auto& day = out.staff.emplace();
    day.open_warnings = work->open_warnings;
    day.follow_ups_due = work->follow_ups_due;
    day.follow_ups_overdue = work->follow_ups_overdue;
    XQ_ASSIGN_OR_RETURN(auto campaigns, screening_.ListCampaigns(p));
    for (auto& c : campaigns)
      if (c.state == "open" && c.opens_on <= today && c.closes_on >= today) day.running.push_back(std::move(c));
  }

  // The network: warnings to acknowledge, weekly reports to file.
  // (The psychology centre's urgent warnings above are the same warnings.)
  if (sources_.network_warnings && !out.staff) {
    XQ_ASSIGN_OR_RETURN(out.network_warnings, sources_.network_warnings(p.actor));
  }
  if (sources_.weekly_reports) {
    XQ_ASSIGN_OR_RETURN(out.weekly_reports, sources_.weekly_reports(p.actor));
  }
  if (sources_.counselling_day) {
    XQ_ASSIGN_OR_RETURN(out.counselling, sources_.counselling_day(p.actor));
  }
  if (sources_.crisis_cases) {
    XQ_ASSIGN_OR_RETURN(out.crisis, sources_.crisis_cases(p.actor));
  }
  if (sources_.guardian_notices && !p.actor.child_ids.empty()) {
    XQ_ASSIGN_OR_RETURN(out.guardian_notices, sources_.guardian_notices(p.actor));
  }
  return out;
}

}  // namespace xq::screening
