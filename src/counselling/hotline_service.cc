#include "counselling/hotline_service.h"

#include <algorithm>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "events/events.h"
#include "fmt/format.h"
#include "policy/policy.h"

namespace xq::counselling {
namespace {

constexpr size_t kMaxName = 40, kMaxNumber = 20, kMaxHours = 40, kMaxNote = 200;

// Length in characters (UTF-8 code points).
size_t Chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool Trimmed(const std::string& s) { return s.empty() || (s.front() != ' ' && s.back() != ' '); }

absl::Status CheckLine(const HotlineLine& l, size_t i) {
  const std::string f = fmt::format("lines[{}].", i);
  if (l.name.empty() || Chars(l.name) > kMaxName || !Trimmed(l.name))
    return InvalidArgument(fmt::format("a line's name has 1 to {} characters", kMaxName), f + "name");
  if (l.number.size() < 3 || l.number.size() > kMaxNumber ||
      !std::all_of(l.number.begin(), l.number.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; }) ||
      l.number.front() == '-' || l.number.back() == '-')
    return InvalidArgument("a number has 3 to 20 digits and hyphens", f + "number");
  if (Chars(l.hours) > kMaxHours || !Trimmed(l.hours))
    return InvalidArgument(fmt::format("hours have at most {} characters", kMaxHours), f + "hours");
  if (Chars(l.note) > kMaxNote)
    return InvalidArgument(fmt::format("a note has at most {} characters", kMaxNote), f + "note");
  for (char c : l.name + l.hours + l.note)
    if (static_cast<unsigned char>(c) < 0x20) return InvalidArgument("control characters are not allowed", f + "note");
  return absl::OkStatus();
}

bool EditsAtSomeLevel(policy::Role r) {
  using policy::Role;
  return r == Role::kCityAdmin || r == Role::kDistrictAdmin || r == Role::kSchoolDataAdmin ||
         r == Role::kSchoolLeader || r == Role::kPsychStaff;
}

}  // namespace

absl::StatusOr<std::vector<EditableUnit>> HotlineEditor::EditableUnits(const policy::Actor& actor) {
  std::vector<EditableUnit> out;
  std::vector<int64_t> seen;
  for (const auto& g : actor.grants) {
    if (!EditsAtSomeLevel(g.role) || std::find(seen.begin(), seen.end(), g.unit_id) != seen.end()) continue;
    XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(g.unit_id));
    if (!unit || !policy::DecideHotlineEdit(actor, unit->kind, unit->path).allowed) continue;
    seen.push_back(g.unit_id);
    EditableUnit e{*unit, {}, false};
    XQ_ASSIGN_OR_RETURN(e.lines, store_.Lines(unit->id));
    XQ_ASSIGN_OR_RETURN(int64_t changed, store_.LastChange({unit->id}));
    if (unit->kind == "city" && changed == 0) {
      e.built_in = true;
      for (const auto& h : CityHotlines()) e.lines.push_back({h.name, h.number, h.hours, ""});
    }
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status HotlineEditor::ReplaceLines(const policy::Actor& actor, int64_t unit_id,
                                         const std::vector<HotlineLine>& lines) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(unit_id));
  if (!unit) return NotFound("org unit not found");
  const policy::Decision d = policy::DecideHotlineEdit(actor, unit->kind, unit->path);
  if (!d.allowed) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "hotlines",
                                              .object_id = IdToString(unit_id),
                                              .school_id = unit->school_id,
                                              .outcome = "denied",
                                              .detail = d.reason}));
    return NotFound("org unit not found");
  }
  if (lines.size() > static_cast<size_t>(kMaxLinesPerUnit))
    return InvalidArgument(fmt::format("a unit lists at most {} lines", kMaxLinesPerUnit), "lines");
  if (unit->kind == "city" && lines.empty()) return InvalidArgument("the city lists at least one line", "lines");
  for (size_t i = 0; i < lines.size(); ++i) {
    XQ_RETURN_IF_ERROR(CheckLine(lines[i], i));
    for (size_t j = 0; j < i; ++j)
      if (lines[j].number == lines[i].number)
        return InvalidArgument("a number is listed once", fmt::format("lines[{}].number", i));
  }
  const int64_t now = clock_.NowMicros();
  Json detail = {{"unit_kind", unit->kind}, {"lines", lines.size()}};
  audit::Event e{.actor_id = actor.account_id,
                 .actor_role = std::string(policy::RoleName(*d.via)),
                 .action = "hotlines_edit",
                 .object_type = "hotlines",
                 .object_id = IdToString(unit->id),
                 .school_id = unit->school_id,
                 .detail = detail.dump()};
  auto record = audit::RecordingIn(audit_, e);
  const int64_t school = unit->kind == "school" ? unit->school_id : 0;
  Json payload = {{"unit_id", unit->id}, {"unit_path", unit->path}, {"unit_kind", unit->kind},
                  {"school_id", school}, {"lines", lines.size()},   {"occurred_at", now}};
  XQ_RETURN_IF_ERROR(store_.ReplaceLines(*unit, lines, actor.account_id, now, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(record(s));
    return events::Publish(s, {.school_id = school,
                               .kind = "hotlines.changed",
                               .subject = fmt::format("unit:{}", unit->id),
                               .payload = payload.dump(),
                               .created_at = now})
        .status();
  }));
  cache_.Invalidate();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> HotlineEditor::LastChangeFor(const std::string& path) {
  return store_.LastChange(PathIds(path));
}

absl::StatusOr<AwarenessStatus> HotlineEditor::MyAwareness(const policy::Actor& actor) {
  AwarenessStatus st;
  std::vector<StudentPlace> places;
  std::string person_type;
  int64_t person_id = 0;
  if (actor.student_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto p, store_.PlaceOf(actor.student_id));
    if (p) places.push_back(*p);
    person_type = "student";
    person_id = actor.student_id;
  } else if (!actor.child_ids.empty()) {
    for (int64_t c : actor.child_ids) {
      XQ_ASSIGN_OR_RETURN(auto p, store_.PlaceOf(c));
      if (p) places.push_back(*p);
    }
    person_type = "guardian";
    person_id = actor.account_id;
  }
  if (places.empty()) return st;
  st.applies = true;
  for (const auto& p : places) {
    XQ_ASSIGN_OR_RETURN(int64_t changed, LastChangeFor(p.unit_path));
    st.last_change_at = std::max(st.last_change_at, changed);
  }
  if (person_type == "student" && places.front().class_id) {
    XQ_ASSIGN_OR_RETURN(st.class_meeting_at, store_.LastClassMeeting(places.front().class_id));
  }
  XQ_ASSIGN_OR_RETURN(auto rec, store_.Awareness(person_type, person_id));
  if (rec) st.confirmed_at = rec->confirmed_at;
  st.needs_confirm = !rec || rec->confirmed_at < st.last_change_at || rec->confirmed_at < st.class_meeting_at;
  return st;
}

absl::StatusOr<AwarenessStatus> HotlineEditor::Confirm(const policy::Actor& actor, const std::string& via) {
  if (via != "sign_in" && via != "class_meeting") return InvalidArgument("via is sign_in or class_meeting", "via");
  XQ_ASSIGN_OR_RETURN(AwarenessStatus st, MyAwareness(actor));
  if (!st.applies) return PermissionDenied("only students and guardians confirm the hotlines");
  const int64_t now = std::max(clock_.NowMicros(), std::max(st.last_change_at, st.class_meeting_at));
  AwarenessRecord r;
  r.via = via;
  r.account_id = actor.account_id;
  r.confirmed_at = now;
  std::string unit_path;
  int64_t student_id = 0;
  if (actor.student_id != 0) {
    XQ_ASSIGN_OR_RETURN(auto p, store_.PlaceOf(actor.student_id));
    r.person_type = "student";
    r.person_id = actor.student_id;
    r.school_id = p->school_id;
    r.class_id = p->class_id;
    unit_path = p->unit_path;
    student_id = actor.student_id;
  } else {
    XQ_ASSIGN_OR_RETURN(auto p, store_.PlaceOf(actor.child_ids.front()));
    r.person_type = "guardian";
    r.person_id = actor.account_id;
    r.school_id = p->school_id;
    unit_path = p->unit_path;
  }
  Json payload = {{"account_id", actor.account_id},
                  {"unit_path", unit_path},
                  {"person_type", r.person_type},
                  {"via", via},
                  {"ref_type", "hotline_awareness"},
                  {"ref_id", r.person_id},
                  {"occurred_at", now}};
  std::string subject = fmt::format("account:{}", actor.account_id);
  if (student_id) {
    // About one student: the timeline convention.
    payload["student_id"] = student_id;
    payload["data_class"] = "D8";
    payload["summary_zh"] = "确认已知晓心理援助热线";
    subject = fmt::format("student:{}", student_id);
  }
  XQ_RETURN_IF_ERROR(store_.Confirm(r, [&](soci::session& s) -> absl::Status {
    return events::Publish(s, {.school_id = r.school_id,
                               .kind = "hotlines.awareness_confirmed",
                               .subject = subject,
                               .payload = payload.dump(),
                               .created_at = now})
        .status();
  }));
  st.confirmed_at = now;
  st.needs_confirm = false;
  return st;
}

absl::Status HotlineEditor::MarkClassMeeting(const policy::Actor& actor, int64_t class_id) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(class_id));
  if (!unit || unit->kind != "class") return NotFound("class not found");
  const policy::Decision d = policy::DecideHotlineClassMeeting(actor, unit->path);
  if (!d.allowed) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "hotline_class_meeting",
                                              .object_id = IdToString(class_id),
                                              .school_id = unit->school_id,
                                              .outcome = "denied",
                                              .detail = d.reason}));
    return NotFound("class not found");
  }
  audit::Event e{.actor_id = actor.account_id,
                 .actor_role = std::string(policy::RoleName(*d.via)),
                 .action = "hotline_class_meeting",
                 .object_type = "org_unit",
                 .object_id = IdToString(class_id),
                 .school_id = unit->school_id};
  return store_.MarkClassMeeting(unit->school_id, class_id, actor.account_id, clock_.NowMicros(),
                                 audit::RecordingIn(audit_, e));
}

absl::StatusOr<RateTable> HotlineEditor::Rates(const policy::Actor& actor, int64_t unit_id) {
  if (unit_id == 0) {
    for (const auto& g : actor.grants) {
      if (policy::Decide(actor, policy::Action::kRead,
                         {.data_class = policy::DataClass::kAggregate, .unit_path = g.unit_path})
              .allowed) {
        unit_id = g.unit_id;
        break;
      }
    }
    if (unit_id == 0) return NotFound("no unit with awareness rates");
  }
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(unit_id));
  if (!unit) return NotFound("org unit not found");
  const policy::Decision d = policy::Decide(actor, policy::Action::kRead,
                                            {.data_class = policy::DataClass::kAggregate, .unit_path = unit->path});
  if (!d.allowed) return NotFound("org unit not found");
  RateTable t;
  t.total.unit = *unit;
  if (unit->kind == "class") {
    t.rows.push_back({*unit});
  } else {
    XQ_ASSIGN_OR_RETURN(auto kids, store_.Children(unit->id));
    for (auto& k : kids) t.rows.push_back({std::move(k)});
  }
  XQ_ASSIGN_OR_RETURN(auto schools, store_.SchoolsUnder(unit->path));
  for (const auto& school : schools) {
    XQ_ASSIGN_OR_RETURN(int64_t since, LastChangeFor(school.path));
    const std::string within = school.path.size() > unit->path.size() ? school.path : unit->path;
    XQ_ASSIGN_OR_RETURN(auto counts, store_.CountByClass(school.id, within, since));
    for (const auto& c : counts) {
      t.total.students += c.students;
      t.total.confirmed += c.confirmed;
      for (auto& row : t.rows) {
        if (c.class_path.starts_with(row.unit.path)) {
          row.students += c.students;
          row.confirmed += c.confirmed;
          break;
        }
      }
    }
  }
  // Children with no students say nothing; they are left out.
  std::erase_if(t.rows, [](const RateRow& r) { return r.students == 0; });
  XQ_ASSIGN_OR_RETURN(t.k, guard_.k(unit->path));
  std::vector<int64_t> n, yes;
  for (const auto& r : t.rows) {
    n.push_back(r.students);
    yes.push_back(r.confirmed);
  }
  bool total_hidden = false;
  std::vector<bool> hidden = guard_.suppress(n, yes, t.k, total_hidden);
  for (size_t i = 0; i < t.rows.size(); ++i) t.rows[i].suppressed = hidden[i];
  t.total.suppressed = total_hidden;
  return t;
}

}  // namespace xq::counselling
