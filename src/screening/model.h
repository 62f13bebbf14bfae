// Plain types of screening campaigns (R-10…R-16): campaigns with pinned
// scales, per-student assignments, guardian consent, drafts and scored
// submissions. No I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "instruments/registry.h"
#include "policy/model.h"

namespace xq::screening {

// A scale of a campaign, pinned to one version of its definition.
struct CampaignScale {
  std::string instrument_id;
  std::string version;
  std::string norm_set;  // the definition's norm set that classifies ("": its default)
};

struct CampaignUnit {
  int64_t id = 0;
  std::string path;
  std::string name;
};

struct Campaign {
  int64_t id = 0;
  std::string name;
  std::string template_id;
  int64_t owner_unit_id = 0;
  std::string owner_path;
  // K-12: grade years 1..12; higher education: enrolment years. Empty = all.
  std::vector<int> grades;
  std::vector<std::string> school_kinds;  // empty = all
  std::string opens_on, closes_on;        // YYYY-MM-DD, inclusive
  std::string notice;
  std::string consent_text;
  int consent_age = 14;  // under this age a guardian's consent comes first
  int urgent_due_hours = 24;
  int other_due_days = 7;
  std::string state = "open";
  int64_t created_by = 0;
  int64_t created_at = 0;
  std::vector<CampaignScale> scales;
  std::vector<CampaignUnit> units;
  int64_t assignments = 0;  // filled on creation
  // Filled for the caller by ScreeningService (not stored): how the scales
  // are titled for this caller (policy::ScaleTitleView) and the owner unit.
  policy::View scale_titles = policy::View::kNeutral;
  std::string owner_name;
  std::string owner_kind;
};

// Facts about a student that screening needs (roster data, D1).
struct StudentInfo {
  int64_t id = 0;
  int64_t school_id = 0;
  std::string name;
  std::string student_no;
  std::string sex;
  std::string birth_date;
  std::string enrolment_date;
  std::string unit_path;  // class path
  int grade_year = 0;     // K-12 grade; higher education: enrolment year
  std::string school_kind;
};

// One scale of a campaign for one student.
struct Assignment {
  int64_t id = 0;
  int64_t campaign_id = 0;
  int64_t student_id = 0;
  int64_t school_id = 0;
  std::string unit_path;
  int position = 0;
  std::string state;  // pending | submitted
  int64_t submitted_at = 0;
};

struct Consent {
  int64_t campaign_id = 0;
  int64_t student_id = 0;
  std::string decision;  // consent | decline
  std::string source;    // guardian | paper | student
  int64_t recorded_by = 0;
  int64_t recorded_at = 0;
};

struct Draft {
  std::string answers;  // JSON object item id -> code
  int position = 0;
  int64_t updated_at = 0;
};

// A scored submission as stored.
struct Submission {
  int64_t id = 0;
  int64_t assignment_id = 0;
  std::string client_key;
  int64_t campaign_id = 0;
  int64_t student_id = 0;
  int64_t school_id = 0;
  std::string unit_path;
  std::string instrument_id;
  std::string version;
  std::string answers;  // JSON (D2)
  std::string result;   // JSON (D3)
  bool positive = false;
  bool critical = false;
  bool valid = true;
  std::string source = "online";  // online | paper
  std::string sex;
  int grade_year = 0;
  std::string school_kind;
  int64_t submitted_at = 0;
  // Filled by listing queries.
  std::string student_name;
  std::string student_no;
};

// What a submission is checked against: the assignment, its student, the
// submission already stored for it and the consent record, if any.
struct SubmitContext {
  Assignment assignment;
  std::shared_ptr<const StudentInfo> student;  // never null; shared by the student's scales
  std::optional<Submission> submission;
  std::optional<Consent> consent;
};

// A campaign template.
struct Template {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> school_kinds;
  std::vector<int> grades;       // K-12 grade years
  int enrolment_years_ago = -1;  // higher education: 0 = freshmen, 1 = year 2, ...
  std::vector<std::string> instruments;
  int window_days = 30;
};

// A campaign of a guardian's child that asks the guardian's consent
// (GET /consent-requests).
struct ConsentRequest {
  int64_t campaign_id = 0;
  std::string campaign_name;
  std::string owner_name;   // who runs it, to tell campaigns of one name apart
  std::string school_name;  // the child's school
  std::string opens_on, closes_on;
  int64_t student_id = 0;
  std::string student_name;
  std::string notice, consent_text;
  bool consent_required = false;        // the child is under the campaign's consent age (or of unknown age)
  std::optional<std::string> decision;  // consent | decline, when recorded
};

// A student of a unit who has not answered every scale of a campaign and
// has not declined (GET /campaigns/{id}/non-respondents; D1 names).
struct NonRespondent {
  int64_t student_id = 0;
  std::string name;
  std::string student_no;
  bool awaiting_consent = false;
};

// What a reminder to a unit's non-respondents did (POST
// /campaigns/{id}/reminders): to-dos on home pages, no outbound channel yet.
struct ReminderOutcome {
  int64_t students = 0;          // students given a to-do
  int64_t guardians = 0;         // guardians given a to-do
  int64_t awaiting_consent = 0;  // students whose guardians were asked for consent
  int64_t no_guardian_account = 0;
  int64_t at = 0;  // when (micros)
};

// A school's own licence for a scale that does not ship active (issue 22).
struct InstrumentLicence {
  int64_t school_id = 0;
  std::string instrument_id;
  std::string licence_ref;
  int64_t enabled_by = 0;
  int64_t enabled_at = 0;
};

// A scale of the library as the picker offers it (GET /instruments): the
// newest version of a bundled scale and, for a scale that does not ship
// active, the licences of the caller's schools that enabled it.
struct InstrumentOffer {
  const instruments::Registry::Entry* scale = nullptr;  // never null
  bool needs_licence = false;                           // does not ship active
  std::vector<InstrumentLicence> enabled_schools;       // when needs_licence
};

// The scale library for one caller: the scales the picker offers and those
// that need a school's own licence (offered only where every school of the
// caller enabled them).
struct InstrumentLibrary {
  std::vector<InstrumentOffer> items;
  std::vector<InstrumentOffer> licensable;
};

// A scale of a campaign as the student answering it lists it (GET
// /assignments): neutrally titled by its position.
struct AssignmentSummary {
  int64_t id = 0;
  int64_t campaign_id = 0;
  std::string campaign_name;
  std::string instrument_id;
  int position = 0;
  size_t items = 0;   // the scale's items (0: the version is not available)
  std::string state;  // pending | in_progress | submitted | awaiting_consent | declined | …
  std::string closes_on;
};

// One assessment to answer (GET /assignments/{id}): the campaign, the
// scale's items and the student's own draft while it may be read (D2).
struct AssignmentDetail {
  int64_t id = 0;
  std::string state;
  std::shared_ptr<const Campaign> campaign;             // never null
  int position = 0;                                     // of the scale in the campaign
  const instruments::Registry::Entry* scale = nullptr;  // never null
  std::optional<Draft> draft;
};

// A campaign a student has scales of to answer (to-do "survey").
struct SurveyTodo {
  int64_t campaign_id = 0;
  std::string campaign_name;
  std::string closes_on;
  int64_t count = 0;  // scales still to answer
  int64_t first_assignment_id = 0;
  std::optional<int64_t> reminded_at;
};

// A guardian's to-do about a child's campaign: "consent" (consent asked and
// not given) or "child_survey" (the child was reminded of it).
struct ChildTodo {
  std::string kind;
  int64_t campaign_id = 0;
  std::string campaign_name;
  int64_t student_id = 0;
  std::string student_name;
  std::string closes_on;
  std::optional<int64_t> reminded_at;
};

// Psychology staff's day: open warnings, follow-ups due (and overdue) and
// the campaigns answering today.
struct StaffDay {
  int64_t open_warnings = 0;
  int64_t follow_ups_due = 0;
  int64_t follow_ups_overdue = 0;
  std::vector<Campaign> running;
};

// A class whose peer reporter (心理委员) has not filed this ISO week's
// report (心理委员周报) yet.
struct WeeklyReportTodo {
  int64_t class_id = 0;
  std::string class_name;
  std::string week;  // e.g. 2026-W49
};

// The home page's to-dos (GET /todos), a part for each role that has one.
struct HomeTodos {
  std::optional<std::vector<SurveyTodo>> surveys;  // a student
  std::optional<std::vector<ChildTodo>> children;  // a guardian
  std::optional<StaffDay> staff;
  // Warnings of the network waiting for an acknowledgement that the caller
  // may give (head teachers, grade heads, the centre, leaders at 一级, crisis
  // groups), at most 200 counted, and how many stand at the caller's step.
  struct NetworkWarnings {
    int64_t count = 0;
    int64_t at_my_step = 0;
  };
  std::optional<NetworkWarnings> network_warnings;
  // A counsellor's day (psychology centre): today's appointments, the next
  // one's start (0: none left) and teachers' referrals not yet received.
  struct CounsellingDay {
    int64_t bookings_today = 0;
    int64_t next_at = 0;
    int64_t referrals_waiting = 0;
  };
  std::optional<CounsellingDay> counselling;
  // Open crisis cases the caller may see (status, never notes) and how many
  // have a step past its deadline.
  struct CrisisCases {
    int64_t open = 0;
    int64_t overdue = 0;
  };
  std::optional<CrisisCases> crisis;
  // A guardian: notices (告知书) from the school still to confirm.
  int64_t guardian_notices = 0;
  std::vector<WeeklyReportTodo> weekly_reports;  // a peer reporter
};

// A scale asked for in a new campaign: a bundled instrument, its version
// (default: the newest) and norm set (default: the definition's).
struct CampaignScaleInput {
  std::string instrument_id;
  std::optional<std::string> version;
  std::optional<std::string> norm_set;
};

// POST /campaigns as the routes read it (CampaignInputOf); what is left out
// comes from the template, the caller's first unit that may create
// campaigns, or defaults. Checked by ScreeningService::CreateCampaign.
struct CampaignInput {
  std::optional<std::string> name;
  std::optional<std::string> template_id;
  std::optional<std::string> owner_unit_id;  // an id as the API writes it
  std::vector<std::string> unit_ids;         // empty: the owner unit
  std::optional<std::vector<int64_t>> grades;
  std::optional<std::vector<std::string>> school_kinds;
  std::optional<std::vector<CampaignScaleInput>> scales;
  std::optional<std::string> opens_on, closes_on;
  std::optional<std::string> notice, consent_text;
  std::optional<int64_t> consent_age, urgent_due_hours, other_due_days;
  bool confirm_duplicate_name = false;
};

const std::vector<Template>& Templates();
const Template* FindTemplate(std::string_view id);

}  // namespace xq::screening
