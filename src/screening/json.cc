#include "screening/json.h"

#include <string>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/screening_internal.h"
#include "screening/screening_service.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

namespace {

// What the psychologist must know about the campaign's scales: wording that
// is not a validated (or licensed) text (issue 22).
Json ScaleWarnings(const Campaign& c) {
  Json out = Json::array();
  for (const auto& s : c.scales) {
    const auto* e = FindScale(s);
    if (!e || !e->definition.unvalidated_wording()) continue;
    out.push_back({{"code", "unvalidated_wording"},
                   {"instrument_id", s.instrument_id},
                   {"version", s.version},
                   {"wording_status", e->definition.provenance.wording_status},
                   {"message", fmt::format("{} {}: the Chinese wording is our own translation, not a validated "
                                           "version; interpret results with care",
                                           s.instrument_id, s.version)}});
  }
  return out;
}

}  // namespace

absl::StatusOr<CampaignInput> CampaignInputOf(const Json& body) {
  JsonReader r(body);
  CampaignInput in;
  std::optional<bool> confirm_duplicate_name;
  std::optional<Json> grades, scales, kinds;
  r.Optional("name", &in.name);
  r.Optional("template", &in.template_id);
  r.Optional("owner_unit_id", &in.owner_unit_id);
  r.Optional("unit_ids", &in.unit_ids);
  r.Optional("grades", &grades);
  r.Optional("school_kinds", &kinds);
  r.Optional("scales", &scales);
  r.Optional("opens_on", &in.opens_on);
  r.Optional("closes_on", &in.closes_on);
  r.Optional("notice", &in.notice);
  r.Optional("consent_text", &in.consent_text);
  r.Optional("consent_age", &in.consent_age);
  r.Optional("urgent_due_hours", &in.urgent_due_hours);
  r.Optional("other_due_days", &in.other_due_days);
  r.Optional("confirm_duplicate_name", &confirm_duplicate_name);
  XQ_RETURN_IF_ERROR(r.Finish());
  in.confirm_duplicate_name = confirm_duplicate_name.value_or(false);
  if (grades) {
    if (!grades->is_array()) return InvalidArgument("grades must be an array of integers", "grades");
    auto& out = in.grades.emplace();
    for (size_t i = 0; i < grades->size(); ++i) {
      const Json& g = (*grades)[i];
      if (!g.is_number_integer())
        return InvalidArgument("a grade is 1..12 or an enrolment year", fmt::format("grades[{}]", i));
      out.push_back(g.get<int64_t>());
    }
  }
  if (kinds) {
    if (!kinds->is_array()) return InvalidArgument("school_kinds must be an array of strings", "school_kinds");
    auto& out = in.school_kinds.emplace();
    for (size_t i = 0; i < kinds->size(); ++i) {
      const Json& k = (*kinds)[i];
      if (!k.is_string()) return InvalidArgument("unknown school kind", fmt::format("school_kinds[{}]", i));
      out.push_back(k.get<std::string>());
    }
  }
  if (scales) {
    if (!scales->is_array()) return InvalidArgument("scales must be an array of 1..10 scales", "scales");
    auto& out = in.scales.emplace();
    for (size_t i = 0; i < scales->size(); ++i) {
      if (!(*scales)[i].is_object()) return InvalidArgument("a scale is an object", fmt::format("scales[{}]", i));
      JsonReader sr((*scales)[i], fmt::format("scales[{}].", i));
      CampaignScaleInput s;
      sr.Required("instrument_id", &s.instrument_id);
      sr.Optional("version", &s.version);
      sr.Optional("norm_set", &s.norm_set);
      XQ_RETURN_IF_ERROR(sr.Finish());
      out.push_back(std::move(s));
    }
  }
  return in;
}

Json CampaignToJson(const Campaign& c) {
  Json scales = Json::array();
  for (size_t i = 0; i < c.scales.size(); ++i) {
    const auto& s = c.scales[i];
    Json j = {{"instrument_id", s.instrument_id}, {"version", s.version}};
    // The policy decides the view (ScaleTitleView); neutral by default. The
    // wording status and norm set are for those who see the real title.
    if (c.scale_titles != policy::View::kFull) {
      j["title"] = StudentTitle(static_cast<int>(i));
    } else if (const auto* e = FindScale(s)) {
      j["title"] = TextOf(e->definition.title);
      j["wording_status"] = e->definition.provenance.wording_status;
      const std::string& ns = s.norm_set.empty() ? e->definition.default_norm_set : s.norm_set;
      if (const auto* set = e->definition.FindNormSet(ns)) {
        j["norm_set"] = set->id;
        j["norm_set_label"] = TextOf(set->label);
      }
    }
    scales.push_back(std::move(j));
  }
  Json units = Json::array();
  for (const auto& u : c.units) units.push_back({{"id", IdToString(u.id)}, {"name", u.name}});
  Json j = {{"id", IdToString(c.id)},
            {"name", c.name},
            {"template", c.template_id},
            {"owner_unit_id", IdToString(c.owner_unit_id)},
            {"units", units},
            {"grades", c.grades},
            {"school_kinds", c.school_kinds},
            {"scales", scales},
            {"opens_on", c.opens_on},
            {"closes_on", c.closes_on},
            {"notice", c.notice},
            {"consent_text", c.consent_text},
            {"consent_age", c.consent_age},
            {"urgent_due_hours", c.urgent_due_hours},
            {"other_due_days", c.other_due_days},
            {"state", c.state},
            {"created_at", FormatRfc3339(c.created_at)}};
  if (c.assignments) j["assignments"] = c.assignments;
  if (c.scale_titles == policy::View::kFull) j["warnings"] = ScaleWarnings(c);
  if (!c.owner_name.empty()) j["owner_unit_name"] = c.owner_name;
  return j;
}

Json InstrumentSummary(const instruments::Registry::Entry& e) {
  const auto& d = e.definition;
  const auto& p = d.provenance;
  Json sets = Json::array();
  for (const auto& ns : d.norm_sets)
    sets.push_back({{"id", ns.id},
                    {"label", TextOf(ns.label)},
                    {"population", TextOf(ns.population)},
                    {"citation", ns.citation},
                    {"default", ns.id == d.default_norm_set}});
  Json j = {
      {"instrument_id", d.id},
      {"version", d.version},
      {"title", TextOf(d.title)},
      {"licence",
       {{"holder", p.licence.holder}, {"terms", p.licence.terms}, {"requires_licence", p.licence.requires_licence}}},
      {"enabled_by_default", d.enabled_by_default()},
      {"wording_status", p.wording_status},
      {"wording_source", p.wording_source},
      {"unvalidated_wording", d.unvalidated_wording()},
      {"norm_sets", sets}};
  if (!p.wording_citation.empty()) j["wording_citation"] = p.wording_citation;
  if (!d.default_norm_set.empty()) j["default_norm_set"] = d.default_norm_set;
  return j;
}

Json InstrumentLibraryToJson(const InstrumentLibrary& library) {
  auto offers = [](const std::vector<InstrumentOffer>& list) {
    Json out = Json::array();
    for (const auto& o : list) {
      Json j = InstrumentSummary(*o.scale);
      if (o.needs_licence) {
        Json enabled = Json::array();
        for (const auto& l : o.enabled_schools)
          enabled.push_back({{"school_id", IdToString(l.school_id)},
                             {"licence_ref", l.licence_ref},
                             {"enabled_at", FormatRfc3339(l.enabled_at)}});
        j["enabled_schools"] = enabled;
      }
      out.push_back(std::move(j));
    }
    return out;
  };
  return Json{{"items", offers(library.items)}, {"licensable", offers(library.licensable)}};
}

Json TemplatesToJson(const std::vector<TemplateOffer>& offers) {
  Json out = Json::array();
  for (const auto& o : offers) {
    const Template& t = *o.tmpl;
    Json scales = Json::array();
    for (const auto* e : o.scales) scales.push_back(InstrumentSummary(*e));
    Json j = {
        {"id", t.id},         {"name", t.name},   {"description", t.description}, {"school_kinds", t.school_kinds},
        {"grades", t.grades}, {"scales", scales}, {"window_days", t.window_days}};
    if (t.enrolment_years_ago >= 0) j["enrolment_years_ago"] = t.enrolment_years_ago;
    out.push_back(std::move(j));
  }
  return Json{{"items", out}};
}

Json AssignmentsToJson(const std::vector<AssignmentSummary>& list) {
  Json items = Json::array();
  for (const auto& a : list)
    items.push_back({{"id", IdToString(a.id)},
                     {"campaign_id", IdToString(a.campaign_id)},
                     {"campaign_name", a.campaign_name},
                     {"instrument_id", a.instrument_id},
                     {"title", StudentTitle(a.position)},
                     {"items", a.items},
                     {"state", a.state},
                     {"closes_on", a.closes_on}});
  return Json{{"items", items}, {"next", nullptr}};
}

Json AssignmentToJson(const AssignmentDetail& a) {
  const Campaign& c = *a.campaign;
  const auto& def = a.scale->definition;
  Json items = Json::array();
  for (const auto& item : def.items) {
    Json options = Json::array();
    for (const auto& o : item.options) options.push_back({{"code", o.code}, {"text", TextOf(o.text)}});
    static constexpr const char* kTypes[] = {"single", "yes_no", "multi", "text"};
    items.push_back({{"id", item.id},
                     {"type", kTypes[static_cast<int>(item.type)]},
                     {"text", TextOf(item.text)},
                     {"required", item.required},
                     {"options", options}});
  }
  Json out = {{"id", IdToString(a.id)},
              {"state", a.state},
              {"campaign",
               {{"id", IdToString(c.id)},
                {"name", c.name},
                {"notice", c.notice},
                {"consent_text", c.consent_text},
                {"closes_on", c.closes_on}}},
              {"instrument",
               {{"id", def.id},
                {"version", def.version},
                {"title", StudentTitle(a.position)},
                {"instructions", TextOf(def.instructions)},
                {"items", items}}}};
  if (a.draft) {
    auto answers = ParseJson(a.draft->answers);
    out["draft"] = {{"answers", answers.ok() ? *answers : Json::object()},
                    {"position", a.draft->position},
                    {"updated_at", FormatRfc3339(a.draft->updated_at)}};
  }
  return out;
}

Json TodosToJson(const HomeTodos& todos) {
  Json items = Json::array();
  Json badges = Json::object();
  if (todos.surveys) {
    for (const auto& t : *todos.surveys) {
      Json j = {{"kind", "survey"},
                {"campaign_id", IdToString(t.campaign_id)},
                {"campaign_name", t.campaign_name},
                {"closes_on", t.closes_on},
                {"count", t.count},
                {"first_assignment_id", IdToString(t.first_assignment_id)}};
      if (t.reminded_at) j["reminded_at"] = FormatRfc3339(*t.reminded_at);
      items.push_back(std::move(j));
    }
    badges["surveys"] = todos.surveys->size();
  }
  if (todos.children) {
    int64_t consents = 0;
    for (const auto& t : *todos.children) {
      Json j = {{"kind", t.kind},
                {"campaign_id", IdToString(t.campaign_id)},
                {"campaign_name", t.campaign_name},
                {"student_id", IdToString(t.student_id)},
                {"student_name", t.student_name},
                {"closes_on", t.closes_on}};
      if (t.reminded_at) j["reminded_at"] = FormatRfc3339(*t.reminded_at);
      if (t.kind == "consent") ++consents;
      items.push_back(std::move(j));
    }
    badges["consents"] = consents;
  }
  if (todos.staff) {
    const StaffDay& d = *todos.staff;
    Json running = Json::array();
    for (const auto& c : d.running)
      running.push_back(
          {{"id", IdToString(c.id)}, {"name", c.name}, {"opens_on", c.opens_on}, {"closes_on", c.closes_on}});
    items.push_back({{"kind", "urgent_warnings"}, {"count", d.open_warnings}});
    items.push_back({{"kind", "follow_ups_due"}, {"count", d.follow_ups_due}, {"overdue", d.follow_ups_overdue}});
    items.push_back({{"kind", "campaigns_in_progress"}, {"count", running.size()}, {"campaigns", running}});
    badges["warnings"] = d.open_warnings;
    badges["follow_ups"] = d.follow_ups_due;
  }
  if (todos.network_warnings) {
    items.push_back({{"kind", "network_warnings"},
                     {"count", todos.network_warnings->count},
                     {"at_my_step", todos.network_warnings->at_my_step}});
    badges["network_warnings"] = todos.network_warnings->count;
  }
  if (todos.counselling) {
    Json j = {{"kind", "counselling_today"},
              {"count", todos.counselling->bookings_today},
              {"referrals_waiting", todos.counselling->referrals_waiting}};
    j["next_at"] = todos.counselling->next_at ? Json(FormatRfc3339(todos.counselling->next_at)) : Json(nullptr);
    items.push_back(std::move(j));
  }
  if (todos.crisis) {
    items.push_back({{"kind", "crisis_cases"}, {"count", todos.crisis->open}, {"overdue", todos.crisis->overdue}});
    badges["crisis_cases"] = todos.crisis->overdue;
  }
  if (todos.guardian_notices > 0) {
    items.push_back({{"kind", "guardian_notices"}, {"count", todos.guardian_notices}});
    badges["guardian_notices"] = todos.guardian_notices;
  }
  for (const auto& w : todos.weekly_reports)
    items.push_back({{"kind", "weekly_report"},
                     {"class_id", IdToString(w.class_id)},
                     {"class_name", w.class_name},
                     {"week", w.week}});
  if (!todos.weekly_reports.empty()) badges["weekly_reports"] = todos.weekly_reports.size();
  return Json{{"items", items}, {"badges", badges}};
}

Json ConsentRequestsToJson(const std::vector<ConsentRequest>& requests) {
  Json items = Json::array();
  for (const auto& r : requests) {
    Json j = {{"campaign_id", IdToString(r.campaign_id)},
              {"campaign_name", r.campaign_name},
              {"owner_name", r.owner_name},
              {"school_name", r.school_name},
              {"opens_on", r.opens_on},
              {"student_id", IdToString(r.student_id)},
              {"student_name", r.student_name},
              {"notice", r.notice},
              {"consent_text", r.consent_text},
              {"closes_on", r.closes_on},
              {"consent_required", r.consent_required}};
    if (r.decision) j["decision"] = *r.decision;
    items.push_back(std::move(j));
  }
  return Json{{"items", items}};
}

Json NonRespondentsToJson(const std::vector<NonRespondent>& list) {
  Json items = Json::array();
  for (const auto& r : list)
    items.push_back({{"student_id", IdToString(r.student_id)},
                     {"name", r.name},
                     {"student_no", r.student_no},
                     {"awaiting_consent", r.awaiting_consent}});
  return Json{{"items", items}, {"next", nullptr}, {"total", items.size()}};
}

Json ReminderToJson(const ReminderOutcome& r) {
  // `reminded`: students covered (a to-do for them or their guardian);
  // `delivered`: by an outbound channel, none yet.
  return Json{{"reminded", r.students + r.awaiting_consent},
              {"students", r.students},
              {"guardians", r.guardians},
              {"awaiting_consent", r.awaiting_consent},
              {"no_guardian_account", r.no_guardian_account},
              {"delivered", 0},
              {"channels", Json::array({"home"})},
              {"at", FormatRfc3339(r.at)}};
}

Json SuppressionToJson(int k) {
  return Json{{"k", k}, {"min_k", kMinSuppressionK}, {"default_k", kDefaultSuppressionK}};
}

}  // namespace xq::screening
