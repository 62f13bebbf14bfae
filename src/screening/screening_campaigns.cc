// Templates and campaigns of the screening service
// (screening/screening_service.h): creating, listing and closing
// campaigns, and guardians' consent.
#include "screening/screening_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "policy/neutral_words.h"
#include "screening/screening_internal.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

namespace {

constexpr int64_t kHourMicros = 3'600'000'000;

// `date` has passed IsDate.
std::string AddDays(std::string_view date, int n) {
  using namespace std::chrono;
  year_month_day ymd{year(Digits(date.substr(0, 4))), month(static_cast<unsigned>(Digits(date.substr(5, 2)))),
                     day(static_cast<unsigned>(Digits(date.substr(8, 2))))};
  const int64_t day_number = (sys_days(ymd) + days(n)).time_since_epoch().count();
  return FormatDate(day_number * 24 * kHourMicros);  // that day's 08:00 in Asia/Shanghai
}

bool InCampaign(const Campaign& c, const std::string& path) {
  for (const auto& u : c.units)
    if (policy::InScope(u.path, path)) return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------- templates

const std::vector<Template>& Templates() {
  static const std::vector<Template> kTemplates = {
      {"k12_primary",
       "中小学年度心理筛查（小学四至六年级）",
       "小学高年级学生年度筛查，需监护人知情同意。",
       {"primary", "nine_year"},
       {4, 5, 6},
       -1,
       {"phq-a", "gad7"},
       30},
      {"k12_junior",
       "中小学年度心理筛查（初中）",
       "初中学生年度筛查；未满14周岁的学生需监护人知情同意。",
       {"junior", "nine_year", "complete_secondary"},
       {7, 8, 9},
       -1,
       {"phq-a", "gad7"},
       30},
      {"k12_senior",
       "中小学年度心理筛查（高中）",
       "高中学生年度筛查。",
       {"senior", "complete_secondary"},
       {10, 11, 12},
       -1,
       {"phq9", "gad7"},
       30},
      {"k12_vocational",
       "中小学年度心理筛查（中职）",
       "中等职业学校学生年度筛查。",
       {"vocational"},
       {10, 11, 12},
       -1,
       {"phq9", "gad7"},
       30},
      {"university_freshmen",
       "高校新生心理普查",
       "新生入学3个月内完成。",
       {"college", "university"},
       {},
       0,
       {"upi", "phq9"},
       90},
      {"college_year2_spring",
       "专科二年级春季心理筛查",
       "专科二年级春季学期。",
       {"college"},
       {},
       1,
       {"phq9", "gad7"},
       30},
      {"undergrad_year3", "本科三年级心理筛查", "本科三年级。", {"university"}, {}, 2, {"phq9", "gad7"}, 30},
  };
  return kTemplates;
}

const Template* FindTemplate(std::string_view id) {
  for (const auto& t : Templates())
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<TemplateOffer> ScreeningService::ListTemplates() const {
  std::vector<TemplateOffer> out;
  for (const auto& t : Templates()) {
    TemplateOffer o{&t, {}};
    for (const auto& id : t.instruments) {
      const auto* e = instruments::BundledDefinitions().Find(id);
      if (!e) continue;
      if (!e->definition.enabled_by_default()) continue;  // only under a school's own licence
      o.scales.push_back(e);
    }
    out.push_back(std::move(o));
  }
  return out;
}

// ---------------------------------------------------------------- campaigns

absl::StatusOr<Campaign> ScreeningService::CreateCampaign(const policy::Principal& p, const CampaignInput& in) {
  Campaign c;
  const auto& name = in.name;
  const auto& tmpl = in.template_id;
  const auto& owner = in.owner_unit_id;
  const auto& opens = in.opens_on;
  const auto& closes = in.closes_on;
  std::vector<std::string> unit_ids = in.unit_ids;

  const Template* t = nullptr;
  if (tmpl && !tmpl->empty()) {
    t = FindTemplate(*tmpl);
    if (!t) return InvalidArgument("unknown template", "template");
    c.template_id = *tmpl;
  }
  // Who may create, and where: psychology staff for their school, district
  // and city admins for their scope (D8 write).
  auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                          {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", "", 0, "denied", "create campaign"));
    return PermissionDenied("only psychology staff and district or city admins create campaigns");
  }
  UnitInfo owner_unit;
  if (owner) {
    auto id = IdFromString(*owner);
    if (!id) return NotFound("unit not found");
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*id));
    if (!u || !Covering(scopes, u->path)) return WithField(NotFound("unit not found"), "owner_unit_id");
    owner_unit = *u;
  } else {
    // The unit of the first grant that may create campaigns.
    std::optional<UnitInfo> u;
    for (const auto& g : p.actor.grants) {
      if (g.unit_path == scopes.front().path) {
        XQ_ASSIGN_OR_RETURN(u, store_.GetUnit(g.unit_id));
        break;
      }
    }
    if (!u) return NotFound("unit not found");
    owner_unit = *u;
  }
  c.owner_unit_id = owner_unit.id;
  c.owner_path = owner_unit.path;
  std::vector<int64_t> school_ids;  // of the campaign's units
  if (unit_ids.empty()) unit_ids.push_back(IdToString(owner_unit.id));
  if (unit_ids.size() > 500) return InvalidArgument("at most 500 units", "unit_ids");
  for (size_t i = 0; i < unit_ids.size(); ++i) {
    const std::string field = fmt::format("unit_ids[{}]", i);
    auto id = IdFromString(unit_ids[i]);
    if (!id) return WithField(NotFound("unit not found"), field);
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*id));
    if (!u || !policy::InScope(owner_unit.path, u->path)) return WithField(NotFound("unit not found"), field);
    c.units.push_back({u->id, u->path, u->name});
    school_ids.push_back(u->school_id);  // 0: a unit above schools
  }

  c.name = name.value_or(t ? t->name : "");
  if (c.name.empty() || c.name.size() > 200) return InvalidArgument("name is required (at most 200 bytes)", "name");
  const std::string today = FormatDate(clock_.NowMicros());
  c.opens_on = opens.value_or(today);
  if (!IsDate(c.opens_on)) return InvalidArgument("opens_on must be YYYY-MM-DD", "opens_on");
  c.closes_on = closes.value_or(AddDays(c.opens_on, t ? t->window_days : 30));
  if (!IsDate(c.closes_on)) return InvalidArgument("closes_on must be YYYY-MM-DD", "closes_on");
  if (c.closes_on < c.opens_on) return InvalidArgument("closes_on is before opens_on", "closes_on");

  if (in.grades) {
    for (size_t i = 0; i < in.grades->size(); ++i) {
      const int64_t g = (*in.grades)[i];
      if (g < 1 || g > 3000)
        return InvalidArgument("a grade is 1..12 or an enrolment year", fmt::format("grades[{}]", i));
      c.grades.push_back(static_cast<int>(g));
    }
  } else if (t) {
    c.grades = t->grades;
    if (t->enrolment_years_ago >= 0) {
      // The school year starts in September.
      int year = std::atoi(c.opens_on.substr(0, 4).c_str());
      int start = c.opens_on.substr(5, 2) >= "08" ? year : year - 1;
      c.grades = {start - t->enrolment_years_ago};
    }
  }
  if (in.school_kinds) {
    static const std::set<std::string> kKinds = {"kindergarten", "primary",   "junior",
                                                 "senior",       "nine_year", "complete_secondary",
                                                 "vocational",   "college",   "university"};
    for (size_t i = 0; i < in.school_kinds->size(); ++i) {
      const std::string& k = (*in.school_kinds)[i];
      if (!kKinds.count(k)) return InvalidArgument("unknown school kind", fmt::format("school_kinds[{}]", i));
      c.school_kinds.push_back(k);
    }
  } else if (t) {
    c.school_kinds = t->school_kinds;
  }
  if (in.scales) {
    if (in.scales->empty() || in.scales->size() > 10)
      return InvalidArgument("scales must be an array of 1..10 scales", "scales");
    for (size_t i = 0; i < in.scales->size(); ++i) {
      const std::string prefix = fmt::format("scales[{}].", i);
      const auto& [id, version, norm_set] = (*in.scales)[i];
      const auto* e = instruments::BundledDefinitions().Find(id, version.value_or(""));
      if (!e) return InvalidArgument("unknown instrument or version", prefix + (version ? "version" : "instrument_id"));
      // The chosen norm set, or the definition's default (for Chinese
      // schools: the Chinese student norms where published), stored by name.
      std::string ns = norm_set.value_or("");
      if (!ns.empty() && !e->definition.FindNormSet(ns))
        return InvalidArgument(fmt::format("{} {} has no norm set '{}'", e->definition.id, e->definition.version, ns),
                               prefix + "norm_set");
      if (ns.empty()) ns = e->definition.default_norm_set;
      c.scales.push_back({e->definition.id, e->definition.version, ns});
    }
  } else if (t) {
    for (const auto& id : t->instruments)
      if (const auto* e = instruments::BundledDefinitions().Find(id))
        c.scales.push_back({e->definition.id, e->definition.version, e->definition.default_norm_set});
  }
  if (c.scales.empty()) return InvalidArgument("at least one scale is required", "scales");
  for (size_t i = 0; i < c.scales.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (c.scales[i].instrument_id == c.scales[j].instrument_id)
        return InvalidArgument("a scale appears twice", fmt::format("scales[{}]", i));
  XQ_RETURN_IF_ERROR(CheckScaleLicences(c, school_ids));
  c.notice = in.notice.value_or("");
  c.consent_text = in.consent_text.value_or("");
  if (c.notice.size() > 10000) return InvalidArgument("notice is too long", "notice");
  if (c.consent_text.size() > 10000) return InvalidArgument("consent_text is too long", "consent_text");
  // Students and guardians read the name, notice and consent text.
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.name, "name"));
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.notice, "notice"));
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.consent_text, "consent_text"));
  c.consent_age = static_cast<int>(in.consent_age.value_or(14));
  if (c.consent_age < 14 || c.consent_age > 18) return InvalidArgument("consent_age must be 14..18", "consent_age");
  c.urgent_due_hours = static_cast<int>(in.urgent_due_hours.value_or(24));
  if (c.urgent_due_hours < 1 || c.urgent_due_hours > 168)
    return InvalidArgument("urgent_due_hours must be 1..168", "urgent_due_hours");
  c.other_due_days = static_cast<int>(in.other_due_days.value_or(7));
  if (c.other_due_days < 1 || c.other_due_days > 90)
    return InvalidArgument("other_due_days must be 1..90", "other_due_days");

  XQ_RETURN_IF_ERROR(CheckCampaignName(c, in.confirm_duplicate_name));
  std::vector<std::string> paths;
  for (const auto& u : c.units) paths.push_back(u.path);
  XQ_ASSIGN_OR_RETURN(auto students, store_.StudentsUnder(paths));
  std::erase_if(students, [&](const StudentInfo& s) {
    if (!c.grades.empty() && std::find(c.grades.begin(), c.grades.end(), s.grade_year) == c.grades.end()) return true;
    if (!c.school_kinds.empty() &&
        std::find(c.school_kinds.begin(), c.school_kinds.end(), s.school_kind) == c.school_kinds.end())
      return true;
    return false;
  });
  c.id = NewId();
  c.created_by = p.account_id;
  c.created_at = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.CreateCampaign(c, students));
  c.assignments = static_cast<int64_t>(students.size() * c.scales.size());
  XQ_RETURN_IF_ERROR(Audit(&p, "create", "campaign", IdToString(c.id), 0, "ok",
                           fmt::format("{{\"students\":{},\"scales\":{}}}", students.size(), c.scales.size())));
  return c;
}

absl::StatusOr<std::vector<Campaign>> ScreeningService::ListCampaigns(const policy::Principal& p) {
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  if (scopes.empty()) return PermissionDenied("no role of this account sees campaigns");
  XQ_ASSIGN_OR_RETURN(auto all, store_.ListCampaigns());
  std::vector<Campaign> out;
  for (auto& c : all) {
    bool visible = false;
    for (const auto& s : scopes) visible = visible || Touches(c, s.path);
    if (visible) out.push_back(std::move(c));
  }
  XQ_RETURN_IF_ERROR(DecorateCampaigns(p, out));
  return out;
}

absl::StatusOr<Campaign> ScreeningService::VisibleCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(id));
  if (!c) return NotFound("campaign not found");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  for (const auto& s : scopes)
    if (Touches(*c, s.path)) return *c;
  XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", IdToString(id), 0, "denied", "campaign outside scope"));
  return NotFound("campaign not found");
}

absl::StatusOr<Campaign> ScreeningService::GetCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, id));
  std::vector<Campaign> one{std::move(c)};
  XQ_RETURN_IF_ERROR(DecorateCampaigns(p, one));
  return std::move(one.front());
}

absl::StatusOr<Campaign> ScreeningService::CloseCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, id));
  auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                          {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin});
  if (!Covering(scopes, c.owner_path)) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", IdToString(id), 0, "denied", "close campaign"));
    return PermissionDenied("only the campaign's owners close it");
  }
  XQ_ASSIGN_OR_RETURN(bool changed, store_.CloseCampaign(id));
  {
    std::lock_guard lk(cache_mu_);
    campaigns_.erase(id);
  }
  if (changed) XQ_RETURN_IF_ERROR(Audit(&p, "close", "campaign", IdToString(id), 0, "ok"));
  return VisibleCampaign(p, id);
}

absl::StatusOr<Consent> ScreeningService::RecordConsent(const policy::Principal& p, int64_t campaign_id,
                                                        int64_t student_id, std::string_view decision) {
  if (decision != "consent" && decision != "decline")
    return InvalidArgument("decision must be consent or decline", "decision");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(student_id));
  if (!c || !s) return NotFound("not found");
  std::string source;
  const bool own_child =
      std::find(p.actor.child_ids.begin(), p.actor.child_ids.end(), student_id) != p.actor.child_ids.end();
  if (own_child) {
    source = "guardian";
  } else if (p.actor.student_id != 0 && p.actor.student_id == student_id) {
    // A student may decline; consent for an under-14 comes from a guardian.
    if (decision != "decline") return PermissionDenied("a student may decline, not consent for a guardian");
    source = "student";
  } else {
    // Staff recording a paper form: D8 write and D1 read in the student's scope.
    auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                            {Role::kPsychStaff, Role::kHeadTeacher, Role::kSchoolDataAdmin});
    auto roster = policy::Decide(p.actor, Action::kRead, StudentRes(DataClass::kRoster, student_id, s->unit_path));
    if (!Covering(scopes, s->unit_path) || !roster.allowed) {
      XQ_RETURN_IF_ERROR(Audit(&p, "denied", "consent", IdToString(campaign_id), student_id, "denied", roster.reason));
      return NotFound("not found");
    }
    source = "paper";
  }
  if (!InCampaign(*c, s->unit_path)) return NotFound("the student is not part of this campaign");
  Consent rec{campaign_id, student_id, std::string(decision), source, p.account_id, clock_.NowMicros()};
  XQ_RETURN_IF_ERROR(store_.PutConsent(rec));
  tallies_.Touch();
  contexts_.ForgetStudent(student_id);
  XQ_RETURN_IF_ERROR(Audit(&p, "consent", "campaign", IdToString(campaign_id), student_id, "ok",
                           fmt::format("{{\"decision\":\"{}\",\"source\":\"{}\"}}", decision, source)));
  return rec;
}

absl::StatusOr<std::vector<ConsentRequest>> ScreeningService::ConsentRequests(const policy::Principal& p) {
  if (p.actor.child_ids.empty()) return PermissionDenied("only guardians have consent requests");
  std::vector<ConsentRequest> items;
  const std::string today = FormatDate(clock_.NowMicros());
  for (int64_t child : p.actor.child_ids) {
    XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(child));
    if (!s) continue;
    XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(child));
    // A campaign the child has answered in full asks nothing any more.
    std::map<int64_t, bool> open_scales;
    for (const auto& a : assignments) open_scales[a.campaign_id] |= a.state != "submitted";
    XQ_ASSIGN_OR_RETURN(auto school, store_.GetUnit(s->school_id));
    std::set<int64_t> seen;
    for (const auto& a : assignments) {
      if (!seen.insert(a.campaign_id).second) continue;
      if (!open_scales[a.campaign_id]) continue;
      XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a.campaign_id));
      if (!c || c->state != "open" || c->closes_on < today) continue;
      XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(a.campaign_id, child));
      XQ_ASSIGN_OR_RETURN(auto owner, store_.GetUnit(c->owner_unit_id));
      int age = AgeOn(s->birth_date, today);
      // Campaigns of the same name are told apart by who runs them and when.
      ConsentRequest r;
      r.campaign_id = c->id;
      r.campaign_name = c->name;
      r.owner_name = owner ? owner->name : std::string();
      r.school_name = school ? school->name : std::string();
      r.opens_on = c->opens_on;
      r.closes_on = c->closes_on;
      r.student_id = child;
      r.student_name = s->name;
      r.notice = c->notice;
      r.consent_text = c->consent_text;
      r.consent_required = age < 0 || age < c->consent_age;
      if (consent) r.decision = consent->decision;
      items.push_back(std::move(r));
    }
  }
  return items;
}

}  // namespace xq::screening
