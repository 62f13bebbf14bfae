#include "org/org_service.h"

#include <algorithm>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "policy/policy.h"
#include "spdlog/spdlog.h"

namespace xq::org {
namespace {

using policy::Action;
using policy::DataClass;

bool InActorScope(const policy::Actor& actor, std::string_view path) {
  return std::any_of(actor.grants.begin(), actor.grants.end(),
                     [&](const policy::Grant& g) { return policy::InScope(g.unit_path, path); });
}

// The unit lies above one of the actor's scopes (breadcrumbs).
bool AboveActorScope(const policy::Actor& actor, std::string_view path) {
  return std::any_of(actor.grants.begin(), actor.grants.end(),
                     [&](const policy::Grant& g) { return policy::InScope(path, g.unit_path); });
}

policy::Resource RosterOf(const StudentRecord& r) {
  policy::Resource res;
  res.data_class = DataClass::kRoster;
  res.unit_path = r.student.unit_path;
  res.alt_unit_path = r.dorm_path;
  res.student_id = r.student.id;
  return res;
}

std::string RoleOf(const policy::Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : std::string(); }

int64_t DataRows(const RosterParse& p) {
  std::set<int> lines;
  for (const auto& r : p.rows) lines.insert(r.line);
  for (const auto& e : p.errors)
    if (e.line > 1) lines.insert(e.line);
  return static_cast<int64_t>(lines.size());
}

}  // namespace

std::string EncodeCursor(const StudentCursor& c) {
  std::string raw = c.unit_path + '\x1f' + c.name + '\x1f' + std::to_string(c.id);
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char ch : raw) out += fmt::format("{:02x}", ch);
  return out;
}

std::optional<StudentCursor> DecodeCursor(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0 || s.size() > 2000) return std::nullopt;
  std::string raw;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = hex(s[i]), lo = hex(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    raw += static_cast<char>(hi * 16 + lo);
  }
  auto a = raw.find('\x1f');
  auto b = a == std::string::npos ? a : raw.find('\x1f', a + 1);
  if (b == std::string::npos) return std::nullopt;
  StudentCursor c;
  c.unit_path = raw.substr(0, a);
  c.name = raw.substr(a + 1, b - a - 1);
  auto id = IdFromString(raw.substr(b + 1));
  if (!id || !IsWellFormedPath(c.unit_path)) return std::nullopt;
  c.id = *id;
  return c;
}

absl::Status OrgService::Denied(const policy::Actor& actor, std::string_view object_type, int64_t object_id,
                                int64_t student_id, int64_t school_id, std::string_view reason, absl::Status answer) {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.action = "denied";
  e.object_type = std::string(object_type);
  e.object_id = IdToString(object_id);
  e.student_id = student_id;
  e.school_id = school_id;
  e.outcome = "denied";
  e.detail = std::string(reason).substr(0, 500);
  if (auto st = audit_.Record(e); !st.ok()) {
    spdlog::error("audit of a denial failed: {}", std::string(st.message()));
    return st;
  }
  return answer;
}

absl::StatusOr<std::vector<OrgUnit>> OrgService::ListUnits(const policy::Actor& actor,
                                                           std::optional<int64_t> parent_id) {
  if (!parent_id) {
    std::vector<int64_t> ids;
    for (const auto& g : actor.grants)
      if (std::find(ids.begin(), ids.end(), g.unit_id) == ids.end()) ids.push_back(g.unit_id);
    XQ_ASSIGN_OR_RETURN(std::vector<OrgUnit> units, store_.GetUnits(ids));
    for (OrgUnit& u : units) {
      XQ_ASSIGN_OR_RETURN(auto kids, store_.ListChildren(u.id));
      u.has_children = !kids.empty();
    }
    return units;
  }
  auto parent = store_.GetUnit(*parent_id);
  if (!parent.ok()) {
    if (parent.status().code() == absl::StatusCode::kNotFound)
      return WithField(NotFound("org unit not found"), "parent_id");
    return parent.status();
  }
  if (!InActorScope(actor, parent->path))
    return Denied(actor, "org_unit", parent->id, 0, parent->school_id, "browse outside scope",
                  WithField(NotFound("org unit not found"), "parent_id"));
  return store_.ListChildren(parent->id);
}

absl::StatusOr<UnitDetail> OrgService::GetUnit(const policy::Actor& actor, int64_t id) {
  auto unit = store_.GetUnit(id);
  if (!unit.ok()) return unit.status();
  if (!InActorScope(actor, unit->path) && !AboveActorScope(actor, unit->path))
    return Denied(actor, "org_unit", id, 0, unit->school_id, "org unit outside scope", NotFound("org unit not found"));
  UnitDetail d;
  d.unit = *unit;
  std::vector<int64_t> ids = IdsOfPath(unit->path);
  if (!ids.empty()) ids.pop_back();
  XQ_ASSIGN_OR_RETURN(d.ancestors, store_.GetUnits(ids));
  XQ_ASSIGN_OR_RETURN(auto kids, store_.ListChildren(id));
  d.unit.has_children = !kids.empty();
  policy::Resource res;
  res.data_class = DataClass::kRoster;
  res.unit_path = unit->path;
  if (policy::Decide(actor, Action::kRead, res).allowed) {
    XQ_ASSIGN_OR_RETURN(int64_t n, store_.CountStudents(unit->path));
    d.students = n;
  }
  return d;
}

absl::StatusOr<StudentList> OrgService::ListStudents(const policy::Actor& actor, const StudentListRequest& req) {
  if (req.page_size < 1) return InvalidArgument("page_size must be at least 1", "page_size");
  StudentQuery q;
  q.limit = std::min(req.page_size, kMaxPageSize);
  q.q = req.q;
  if (q.q.size() > 100) return InvalidArgument("q is too long", "q");
  if (!req.after.empty()) {
    q.after = DecodeCursor(req.after);
    if (!q.after) return InvalidArgument("after is not a cursor from this listing", "after");
  }
  if (req.unit_id) {
    auto unit = store_.GetUnit(*req.unit_id);
    if (!unit.ok()) {
      if (unit.status().code() == absl::StatusCode::kNotFound)
        return WithField(NotFound("org unit not found"), "unit_id");
      return unit.status();
    }
    if (!InActorScope(actor, unit->path))
      return Denied(actor, "roster", unit->id, 0, unit->school_id, "roster outside scope",
                    WithField(NotFound("org unit not found"), "unit_id"));
    q.within_path = unit->path;
  }
  // Subtrees a grant may read as a whole: ask the policy about "a student
  // somewhere in this grant's unit" with the grant alone, so facts about
  // particular students (self, children, pairings) do not widen it.
  for (const policy::Grant& g : actor.grants) {
    policy::Actor one;
    one.account_id = actor.account_id;
    one.grants = {g};
    policy::Resource probe;
    probe.data_class = DataClass::kRoster;
    probe.unit_path = g.unit_path;
    if (IsWellFormedPath(g.unit_path) && policy::Decide(one, Action::kRead, probe).allowed &&
        std::find(q.path_prefixes.begin(), q.path_prefixes.end(), g.unit_path) == q.path_prefixes.end())
      q.path_prefixes.push_back(g.unit_path);
  }
  // Particular students the policy may allow (self, own children, paired),
  // each asked about without a place, so only a rule about that very
  // student can allow it: a head teacher's 包联 pairings count only with a
  // subject teacher grant. The count and the pages then cover exactly what
  // the caller may see.
  std::vector<int64_t> candidates;
  if (actor.student_id) candidates.push_back(actor.student_id);
  candidates.insert(candidates.end(), actor.child_ids.begin(), actor.child_ids.end());
  candidates.insert(candidates.end(), actor.paired_student_ids.begin(), actor.paired_student_ids.end());
  for (int64_t id : candidates) {
    policy::Resource probe;
    probe.data_class = DataClass::kRoster;
    probe.student_id = id;
    if (policy::Decide(actor, Action::kRead, probe).allowed &&
        std::find(q.student_ids.begin(), q.student_ids.end(), id) == q.student_ids.end())
      q.student_ids.push_back(id);
  }

  XQ_ASSIGN_OR_RETURN(StudentPage page, store_.ListStudents(q));
  StudentList out;
  out.total = page.total;
  for (StudentRecord& r : page.items) {
    policy::Decision d = policy::Decide(actor, Action::kRead, RosterOf(r));
    if (!d.allowed) {
      --out.total;
      continue;
    }
    out.items.push_back({std::move(r), d.view});
  }
  if (page.more && !out.items.empty()) {
    const Student& last = out.items.back().record.student;
    out.next = EncodeCursor({last.unit_path, last.name, last.id});
  }
  return out;
}

absl::StatusOr<StudentDetail> OrgService::GetStudent(const policy::Actor& actor, int64_t id) {
  auto rec = store_.GetStudent(id);
  if (!rec.ok()) return rec.status();
  policy::Decision d = policy::Decide(actor, Action::kRead, RosterOf(*rec));
  if (!d.allowed)
    return Denied(actor, "student", id, id, rec->student.school_id, d.reason, NotFound("student not found"));
  StudentDetail out;
  out.record = std::move(*rec);
  out.view = d.view;
  if (d.view == policy::View::kFull) {
    XQ_ASSIGN_OR_RETURN(out.guardians, store_.GuardiansOf(id));
  }
  return out;
}

absl::StatusOr<ImportOutcome> OrgService::Import(const OrgUnit& school, std::string_view csv,
                                                 const ProgressFn& progress) {
  ImportOutcome out;
  out.school = school;
  RosterParse parse = ParseRoster(csv, school.name);
  out.total = DataRows(parse);
  if (!parse.ok()) {
    out.errors = std::move(parse.errors);
    return out;
  }
  XQ_ASSIGN_OR_RETURN(out.counts, store_.ApplyRoster(school, parse.rows, progress));
  return out;
}

absl::StatusOr<ImportOutcome> OrgService::ImportRoster(const policy::Actor& actor, int64_t school_id,
                                                       std::string_view csv) {
  auto school = store_.GetUnit(school_id);
  if (!school.ok()) {
    if (school.status().code() == absl::StatusCode::kNotFound)
      return WithField(NotFound("school not found"), "school_id");
    return school.status();
  }
  policy::Resource res;
  res.data_class = DataClass::kRoster;
  res.unit_path = school->path;
  policy::Decision d = policy::Decide(actor, Action::kWrite, res);
  if (!d.allowed) {
    absl::Status answer = InActorScope(actor, school->path) || AboveActorScope(actor, school->path)
                              ? PermissionDenied("only the school's data admin imports rosters")
                              : WithField(NotFound("school not found"), "school_id");
    return Denied(actor, "roster_import", school->id, 0, school->id, d.reason, answer);
  }
  if (school->kind != kSchool) return InvalidArgument("school_id is not a school", "school_id");
  XQ_ASSIGN_OR_RETURN(ImportOutcome out, Import(*school, csv, {}));
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = RoleOf(d);
  e.action = "roster_import";
  e.object_type = "school";
  e.object_id = IdToString(school->id);
  e.school_id = school->id;
  e.outcome = out.errors.empty() ? "ok" : "failed";
  e.detail = out.errors.empty() ? fmt::format(R"({{"total":{},"created":{},"updated":{}}})", out.total,
                                              out.counts.created, out.counts.updated)
                                : fmt::format(R"({{"total":{},"errors":{}}})", out.total, out.errors.size());
  XQ_RETURN_IF_ERROR(audit_.Record(e));
  return out;
}

absl::StatusOr<ImportOutcome> OrgService::ImportRosterAsOperator(std::optional<int64_t> school_id, std::string_view csv,
                                                                 const ProgressFn& progress) {
  OrgUnit school;
  if (school_id) {
    auto s = store_.GetUnit(*school_id);
    if (!s.ok() || s->kind != kSchool) return WithField(NotFound("school not found"), "school_id");
    school = *s;
  } else {
    // The school named in the file's 学校 column.
    RosterParse probe = ParseRoster(csv);
    std::string name;
    int line = 0;
    for (const auto& r : probe.rows)
      if (!r.school.empty()) {
        name = r.school;
        line = r.line;
        break;
      }
    if (name.empty()) {
      ImportOutcome out;
      out.errors = probe.errors;
      if (out.errors.empty())
        out.errors.push_back({1, 0, "school", "no 学校 column value names the school; pass --school-id"});
      return out;
    }
    XQ_ASSIGN_OR_RETURN(auto found, store_.FindSchoolsByName(name));
    if (found.size() != 1) {
      ImportOutcome out;
      out.errors.push_back({line, probe.school_column, "school",
                            found.empty() ? fmt::format("school '{}' not found", name)
                                          : fmt::format("school name '{}' is ambiguous; pass --school-id", name)});
      return out;
    }
    school = found.front();
  }
  XQ_ASSIGN_OR_RETURN(ImportOutcome out, Import(school, csv, progress));
  audit::Event e;
  e.action = "roster_import";
  e.actor_role = "operator";
  e.object_type = "school";
  e.object_id = IdToString(school.id);
  e.school_id = school.id;
  e.outcome = out.errors.empty() ? "ok" : "failed";
  e.detail = fmt::format(R"({{"total":{},"created":{},"updated":{},"errors":{}}})", out.total, out.counts.created,
                         out.counts.updated, out.errors.size());
  XQ_RETURN_IF_ERROR(audit_.Record(e));
  return out;
}

absl::StatusOr<Pairing> OrgService::Pair(const policy::Actor& actor, int64_t staff_id, int64_t student_id) {
  auto rec = store_.GetStudent(student_id);
  if (!rec.ok()) return WithField(rec.status(), "student_id");
  policy::Resource res = RosterOf(*rec);
  policy::Decision d = policy::Decide(actor, Action::kWrite, res);
  if (!d.allowed) {
    bool visible = policy::Decide(actor, Action::kRead, res).allowed;
    return Denied(actor, "pairing", student_id, student_id, rec->student.school_id, d.reason,
                  visible ? PermissionDenied("may not change pairings of this student")
                          : WithField(NotFound("student not found"), "student_id"));
  }
  auto staff = store_.GetStaff(staff_id);
  if (!staff.ok()) return WithField(staff.status(), "staff_id");
  if (staff->school_id != rec->student.school_id)
    return InvalidArgument("the teacher is not in the student's school", "staff_id");
  XQ_ASSIGN_OR_RETURN(Pairing p, store_.Pair(staff_id, student_id));
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = RoleOf(d);
  e.action = "pair";
  e.object_type = "pairing";
  e.object_id = IdToString(p.id);
  e.student_id = student_id;
  e.school_id = p.school_id;
  e.detail = fmt::format(R"({{"staff_id":"{}"}})", staff_id);
  XQ_RETURN_IF_ERROR(audit_.Record(e));
  return p;
}

absl::Status OrgService::Unpair(const policy::Actor& actor, int64_t staff_id, int64_t student_id) {
  auto rec = store_.GetStudent(student_id);
  if (!rec.ok()) return WithField(rec.status(), "student_id");
  policy::Resource res = RosterOf(*rec);
  policy::Decision d = policy::Decide(actor, Action::kWrite, res);
  if (!d.allowed) {
    bool visible = policy::Decide(actor, Action::kRead, res).allowed;
    return Denied(actor, "pairing", student_id, student_id, rec->student.school_id, d.reason,
                  visible ? PermissionDenied("may not change pairings of this student")
                          : WithField(NotFound("student not found"), "student_id"));
  }
  XQ_RETURN_IF_ERROR(store_.Unpair(staff_id, student_id));
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = RoleOf(d);
  e.action = "unpair";
  e.object_type = "pairing";
  e.student_id = student_id;
  e.school_id = rec->student.school_id;
  e.detail = fmt::format(R"({{"staff_id":"{}"}})", staff_id);
  return audit_.Record(e);
}

absl::StatusOr<PairingCoverage> OrgService::Coverage(const policy::Actor& actor, int64_t unit_id) {
  auto unit = store_.GetUnit(unit_id);
  if (!unit.ok()) return unit.status();
  policy::Resource res;
  res.data_class = DataClass::kAggregate;
  res.unit_path = unit->path;
  policy::Decision d = policy::Decide(actor, Action::kRead, res);
  if (!d.allowed) {
    bool visible = InActorScope(actor, unit->path) || AboveActorScope(actor, unit->path);
    return Denied(actor, "pairing_coverage", unit_id, 0, unit->school_id, d.reason,
                  visible ? PermissionDenied("may not read indicators of this unit") : NotFound("org unit not found"));
  }
  return store_.Coverage(unit->path);
}

}  // namespace xq::org
