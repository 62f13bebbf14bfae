#include "archive/archive_service.h"

#include <algorithm>
#include <charconv>

#include "archive/quota.h"
#include "audit/audited.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "events/events.h"
#include "fmt/format.h"
#include "policy/neutral_words.h"
#include "policy/policy.h"

namespace xq::archive {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Decide;
using policy::Role;

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
constexpr size_t kMaxText = 4000;

policy::Resource At(DataClass c, const std::string& path, int64_t student_id, int64_t author = 0) {
  policy::Resource r;
  r.data_class = c;
  r.unit_path = path;
  r.student_id = student_id;
  r.author_account_id = author;
  return r;
}

bool ViaFamily(const policy::Decision& d) {
  return d.via && (*d.via == Role::kGuardian || *d.via == Role::kStudent || *d.via == Role::kPeerReporter);
}

std::string RoleOf(const policy::Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : ""; }

// Noon of a date in Asia/Shanghai, in µs (the time line of a dated record).
int64_t NoonOf(const std::string& date) {
  int64_t at = 0;
  ParseRfc3339(date + "T12:00:00+08:00", &at);
  return at;
}

// Whether someone born on birth_date is a minor on `on` (both YYYY-MM-DD;
// an unknown birth date counts as a minor: the guardian consents).
bool MinorOn(const std::string& birth_date, const std::string& on) {
  if (!IsValidDate(birth_date)) return true;
  int y = 0;
  std::from_chars(birth_date.data(), birth_date.data() + 4, y);
  const std::string eighteenth = fmt::format("{:04d}{}", y + 18, birth_date.substr(4));
  return on < eighteenth;  // same-format dates compare as text
}

std::string Encode(const nlohmann::json& j) { return j.dump(); }

}  // namespace

std::string EncodeTimelineCursor(int64_t at, int64_t id) { return fmt::format("{}_{}", at, id); }

bool DecodeTimelineCursor(std::string_view s, int64_t* at, int64_t* id) {
  auto p = s.find('_');
  if (p == std::string_view::npos) return false;
  auto a = s.substr(0, p), b = s.substr(p + 1);
  auto [e1, c1] = std::from_chars(a.data(), a.data() + a.size(), *at);
  auto [e2, c2] = std::from_chars(b.data(), b.data() + b.size(), *id);
  return c1 == std::errc() && c2 == std::errc() && e1 == a.data() + a.size() && e2 == b.data() + b.size() && *at > 0 &&
         *id > 0;
}

int ArchiveService::CurrentSchoolYear() const { return SchoolYearOf(FormatDate(clock_.NowMicros())).value_or(2026); }

absl::Status ArchiveService::Denied(const policy::Actor& actor, std::string_view object_type, int64_t student_id,
                                    int64_t school_id, std::string_view reason) {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.action = "denied";
  e.object_type = std::string(object_type);
  e.object_id = IdToString(student_id);
  e.student_id = student_id;
  e.school_id = school_id;
  e.outcome = "denied";
  e.detail = std::string(reason).substr(0, 300);
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return NotFound("student not found");
}

absl::StatusOr<std::optional<StudentArchive>> ArchiveService::Locate(int64_t student_id) {
  return store_.FindStudent(student_id, clock_.NowMicros());
}

absl::StatusOr<TimelinePage> ArchiveService::Timeline(const policy::Actor& actor, int64_t student_id,
                                                      const TimelineRequest& req) {
  if (req.page_size < 1 || req.page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  static const std::vector<std::string> kModules = {"",        "archive",     "plans",  "screening",
                                                    "warning", "counselling", "crisis", "network"};
  if (std::find(kModules.begin(), kModules.end(), req.module) == kModules.end())
    return InvalidArgument("unknown module", "module");
  int64_t before_at = 0, before_id = 0;
  if (!req.after.empty() && !DecodeTimelineCursor(req.after, &before_at, &before_id))
    return InvalidArgument("bad cursor", "after");
  XQ_ASSIGN_OR_RETURN(auto found, store_.FindStudent(student_id, clock_.NowMicros()));
  if (!found) return Denied(actor, "student_timeline", student_id, 0, "no such student");
  TimelinePage page;
  page.student = *found;
  const std::string& path = found->archive_path;

  TimelineQuery q;
  q.student_id = student_id;
  q.me = actor.account_id;
  q.module = req.module;
  q.before_at = before_at;
  q.before_id = before_id;
  q.limit = req.page_size;
  std::string via;
  const DataClass kClasses[] = {DataClass::kResults, DataClass::kAttention, DataClass::kClinical, DataClass::kReports,
                                DataClass::kWorkRecords};
  for (DataClass c : kClasses) {
    auto r = At(c, path, student_id);
    r.level_one = found->attention_level == 1;
    policy::Decision d = Decide(actor, Action::kRead, r);
    const std::string name(policy::DataClassName(c));
    if (d.allowed && !ViaFamily(d) && (d.view == policy::View::kFull || d.view == policy::View::kSummary)) {
      q.classes.push_back(name);
      if (via.empty()) via = RoleOf(d);
      if (c == DataClass::kAttention) page.show_level = true;
      continue;
    }
    policy::Decision own = Decide(actor, Action::kRead, At(c, path, student_id, actor.account_id));
    if (own.allowed && !ViaFamily(own)) {
      q.own_classes.push_back(name);
      if (via.empty()) via = RoleOf(own);
    }
  }
  policy::Decision roster = Decide(actor, Action::kRead, At(DataClass::kRoster, path, student_id));
  page.show_roster = roster.allowed && !ViaFamily(roster);
  if (page.show_roster && via.empty()) via = RoleOf(roster);
  // Own records alone open nothing: the caller must know the student
  // (roster) or read some class of the archive whole.
  if (q.classes.empty() && !page.show_roster)
    return Denied(actor, "student_timeline", student_id, found->archive_school_id,
                  "no data class of this archive is readable: " + roster.reason);
  XQ_ASSIGN_OR_RETURN(page.items, store_.ListTimeline(q));
  if (static_cast<int>(page.items.size()) == req.page_size)
    page.next = EncodeTimelineCursor(page.items.back().occurred_at, page.items.back().event_id);
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = via;
  e.action = "read";
  e.object_type = "student_timeline";
  e.object_id = IdToString(student_id);
  e.student_id = student_id;
  e.school_id = found->archive_school_id;
  e.detail = fmt::format("entries={}", page.items.size());
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return page;
}

absl::StatusOr<Contact> ArchiveService::RecordContact(const policy::Actor& actor, const ContactInput& in) {
  if (in.kind != kTalk && in.kind != kHomeVisit) return InvalidArgument("kind must be talk or home_visit", "kind");
  if (!IsValidDate(in.contact_date)) return InvalidArgument("date must be YYYY-MM-DD", "date");
  const int64_t now = clock_.NowMicros();
  if (in.contact_date > FormatDate(now)) return InvalidArgument("date lies in the future", "date");
  if (in.mode != "in_person" && in.mode != "phone" && in.mode != "video")
    return InvalidArgument("mode must be in_person, phone or video", "mode");
  if (in.summary.empty()) return InvalidArgument("summary is required", "summary");
  if (in.summary.size() > kMaxText) return InvalidArgument("summary too long", "summary");
  if (in.follow_up.size() > kMaxText) return InvalidArgument("follow_up too long", "follow_up");
  XQ_ASSIGN_OR_RETURN(auto found, store_.FindStudent(in.student_id, now));
  if (!found) return Denied(actor, in.kind, in.student_id, 0, "no such student");
  // The student must be one the caller knows (roster in scope; subject
  // teachers: paired), and the caller must write work records there.
  policy::Decision roster = Decide(actor, Action::kRead, At(DataClass::kRoster, found->unit_path, in.student_id));
  policy::Decision write = Decide(actor, Action::kWrite, At(DataClass::kWorkRecords, found->unit_path, in.student_id));
  if (!roster.allowed || ViaFamily(roster) || !write.allowed || ViaFamily(write))
    return Denied(actor, in.kind, in.student_id, found->school_id, !roster.allowed ? roster.reason : write.reason);
  // The role the record counts for: the quota role of the caller's grants
  // that covers the student, the most senior first.
  std::string role = RoleOf(write);
  for (Role r : {Role::kSchoolLeader, Role::kGradeHead, Role::kHeadTeacher, Role::kSubjectTeacher}) {
    policy::Actor one = actor;
    one.grants.clear();
    for (const auto& g : actor.grants)
      if (g.role == r) one.grants.push_back(g);
    if (one.grants.empty()) continue;
    if (Decide(one, Action::kRead, At(DataClass::kRoster, found->unit_path, in.student_id)).allowed &&
        Decide(one, Action::kWrite, At(DataClass::kWorkRecords, found->unit_path, in.student_id)).allowed) {
      role = std::string(policy::RoleName(r));
      break;
    }
  }
  XQ_ASSIGN_OR_RETURN(std::string name, store_.AccountName(actor.account_id));
  Contact c;
  c.id = NewId();
  c.school_id = found->school_id;
  c.student_id = in.student_id;
  c.unit_path = found->unit_path;
  c.kind = in.kind;
  c.contact_date = in.contact_date;
  c.mode = in.mode;
  c.summary = in.summary;
  c.follow_up = in.follow_up;
  c.author_account_id = actor.account_id;
  c.author_role = role;
  c.author_name = name;
  c.school_year = *SchoolYearOf(in.contact_date);
  c.created_at = now;
  c.student_name = found->name;
  const bool visit = in.kind == kHomeVisit;
  nlohmann::json payload = {{"student_id", in.student_id},
                            {"data_class", "D8"},
                            {"summary_zh", visit ? "记录了一次家访" : "记录了一次谈心谈话"},
                            {"ref_type", in.kind},
                            {"ref_id", IdToString(c.id)},
                            {"occurred_at", NoonOf(in.contact_date)},
                            {"author_account_id", actor.account_id},
                            {"author_role", role},
                            {"school_year", c.school_year}};
  audit::Event ae;
  ae.actor_id = actor.account_id;
  ae.actor_role = role;
  ae.action = "create";
  ae.object_type = in.kind;
  ae.object_id = IdToString(c.id);
  ae.student_id = in.student_id;
  ae.school_id = c.school_id;
  auto audit_in = audit::RecordingIn(audit_, ae);
  XQ_RETURN_IF_ERROR(store_.InsertContact(c, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(events::Publish(s, {.school_id = c.school_id,
                                           .kind = visit ? kHomeVisitRecorded : kTalkRecorded,
                                           .subject = fmt::format("student:{}", in.student_id),
                                           .payload = Encode(payload),
                                           .created_at = now})
                           .status());
    return audit_in(s);
  }));
  return c;
}

absl::StatusOr<std::pair<std::vector<ContactView>, std::string>> ArchiveService::ListContacts(
    const policy::Actor& actor, int64_t student_id, std::string_view kind, int page_size, std::string_view after) {
  if (kind != "" && kind != kTalk && kind != kHomeVisit) return InvalidArgument("unknown kind", "kind");
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t before = 0;
  if (!after.empty()) {
    auto id = IdFromString(after);
    if (!id) return InvalidArgument("bad cursor", "after");
    before = *id;
  }
  XQ_ASSIGN_OR_RETURN(auto found, store_.FindStudent(student_id, clock_.NowMicros()));
  if (!found) return Denied(actor, "contacts", student_id, 0, "no such student");
  const std::string& path = found->archive_path;
  ContactQuery q;
  q.student_id = student_id;
  q.kind = std::string(kind);
  q.before_id = before;
  q.limit = page_size;
  policy::Decision all = Decide(actor, Action::kRead, At(DataClass::kWorkRecords, path, student_id));
  policy::Decision own = Decide(actor, Action::kRead, At(DataClass::kWorkRecords, path, student_id, actor.account_id));
  bool guardian = false;
  if (all.allowed && all.via == Role::kGuardian) {
    // ACCESS.md: a guardian reads their own child's home visits only.
    guardian = true;
    if (kind == kTalk) return std::make_pair(std::vector<ContactView>{}, std::string());
    q.kind = kHomeVisit;
  } else if (all.allowed && !ViaFamily(all)) {
  } else if (own.allowed && !ViaFamily(own) &&
             Decide(actor, Action::kRead, At(DataClass::kRoster, path, student_id)).allowed) {
    // Own records of a student the caller knows (subject teachers: paired).
    q.only_author = actor.account_id;
  } else {
    return Denied(actor, "contacts", student_id, found->archive_school_id, all.reason);
  }
  XQ_ASSIGN_OR_RETURN(auto rows, store_.ListContacts(q));
  std::vector<ContactView> out;
  for (auto& c : rows) {
    ContactView v;
    v.show_summary =
        !guardian &&
        Decide(actor, Action::kRead, At(DataClass::kReports, path, student_id, c.author_account_id)).allowed;
    v.contact = std::move(c);
    out.push_back(std::move(v));
  }
  std::string next = static_cast<int>(out.size()) == page_size ? IdToString(out.back().contact.id) : "";
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = RoleOf(all.allowed ? all : own);
  e.action = "read";
  e.object_type = "contacts";
  e.object_id = IdToString(student_id);
  e.student_id = student_id;
  e.school_id = found->archive_school_id;
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return std::make_pair(std::move(out), std::move(next));
}

absl::StatusOr<std::vector<QuotaProgress>> ArchiveService::MyQuota(const policy::Actor& actor,
                                                                   std::optional<int> school_year) {
  const int year = school_year.value_or(CurrentSchoolYear());
  if (year < 2000 || year > 2100) return InvalidArgument("school_year out of range", "school_year");
  XQ_ASSIGN_OR_RETURN(auto counts, store_.CountsOf(actor.account_id, year));
  std::vector<QuotaProgress> out;
  for (const auto& c : counts) out.push_back(Progress(c));
  return out;
}

absl::StatusOr<std::vector<StaffQuota>> ArchiveService::SchoolQuota(const policy::Actor& actor,
                                                                    std::optional<int> school_year) {
  const int year = school_year.value_or(CurrentSchoolYear());
  if (year < 2000 || year > 2100) return InvalidArgument("school_year out of range", "school_year");
  // The school of the caller's first grant that reads the school's work
  // records (leaders, psychology centre, data admins).
  for (const auto& g : actor.grants) {
    if (g.role != Role::kSchoolLeader && g.role != Role::kPsychStaff && g.role != Role::kSchoolDataAdmin) continue;
    XQ_ASSIGN_OR_RETURN(auto school, store_.School(g.unit_id));
    if (!school) continue;
    if (!Decide(actor, Action::kRead, At(DataClass::kWorkRecords, school->first, 0)).allowed) continue;
    XQ_ASSIGN_OR_RETURN(auto rows, store_.SchoolCounts(g.unit_id, year));
    std::vector<StaffQuota> out;
    for (auto& [staff, counts] : rows) out.push_back(std::move(staff));
    return out;
  }
  return PermissionDenied("only school leaders and the psychology centre see the school's progress");
}

absl::StatusOr<Transfer> ArchiveService::RecordTransfer(const policy::Actor& actor, int64_t student_id,
                                                        const TransferInput& in) {
  const int64_t now = clock_.NowMicros();
  XQ_ASSIGN_OR_RETURN(auto found, store_.FindStudent(student_id, now));
  if (!found) return Denied(actor, "transfer", student_id, 0, "no such student");
  // The sending school's psychology centre hands the archive on.
  policy::Decision d = Decide(actor, Action::kWrite, At(DataClass::kClinical, found->archive_path, student_id));
  if (!d.allowed) return Denied(actor, "transfer", student_id, found->archive_school_id, d.reason);
  if (in.consent != "given" && in.consent != "refused")
    return InvalidArgument("consent must be given or refused", "consent");
  if (in.consented_by != "guardian" && in.consented_by != "student")
    return InvalidArgument("consented_by must be guardian or student", "consented_by");
  if (!IsValidDate(in.consented_on)) return InvalidArgument("consented_on must be YYYY-MM-DD", "consented_on");
  if (in.consented_on > FormatDate(now)) return InvalidArgument("consented_on lies in the future", "consented_on");
  if (in.consenter_name.empty() || in.consenter_name.size() > 100)
    return InvalidArgument("consenter_name is required", "consenter_name");
  const bool minor = MinorOn(found->birth_date, in.consented_on);
  if (minor && in.consented_by != "guardian") return InvalidArgument("a minor's guardian consents", "consented_by");
  if (!minor && in.consented_by != "student") return InvalidArgument("an adult student consents", "consented_by");
  XQ_ASSIGN_OR_RETURN(auto school, store_.School(in.to_school_id));
  if (!school) return InvalidArgument("to_school_id is not a school", "to_school_id");
  if (in.to_school_id == found->archive_school_id)
    return InvalidArgument("the archive is held by that school already", "to_school_id");
  Transfer t;
  t.id = NewId();
  t.school_id = found->archive_school_id;
  t.student_id = student_id;
  t.to_school_id = in.to_school_id;
  t.to_school_name = school->second;
  t.consent = in.consent;
  t.consented_by = in.consented_by;
  t.consenter_name = in.consenter_name;
  t.consented_on = in.consented_on;
  t.recorded_by = actor.account_id;
  t.created_at = now;
  const bool given = in.consent == "given";
  nlohmann::json payload = {{"student_id", student_id},
                            {"data_class", "D8"},
                            {"summary_zh", given ? "档案经同意随学生转出" : "转学时未获同意，档案未随转"},
                            {"ref_type", "transfer"},
                            {"ref_id", IdToString(t.id)},
                            {"occurred_at", now},
                            {"to_school_id", in.to_school_id},
                            {"consent", in.consent}};
  audit::Event ae;
  ae.actor_id = actor.account_id;
  ae.actor_role = RoleOf(d);
  ae.action = "transfer";
  ae.object_type = "archive";
  ae.object_id = IdToString(t.id);
  ae.student_id = student_id;
  ae.school_id = t.school_id;
  ae.detail = fmt::format("to_school={} consent={} by={}", in.to_school_id, in.consent, in.consented_by);
  auto audit_in = audit::RecordingIn(audit_, ae);
  XQ_RETURN_IF_ERROR(store_.InsertTransfer(t, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(events::Publish(s, {.school_id = t.school_id,
                                           .kind = kTransferRecorded,
                                           .subject = fmt::format("student:{}", student_id),
                                           .payload = Encode(payload),
                                           .created_at = now})
                           .status());
    return audit_in(s);
  }));
  return t;
}

absl::StatusOr<std::vector<Transfer>> ArchiveService::ListTransfers(const policy::Actor& actor, int64_t student_id) {
  XQ_ASSIGN_OR_RETURN(auto found, store_.FindStudent(student_id, clock_.NowMicros()));
  if (!found) return Denied(actor, "transfer", student_id, 0, "no such student");
  policy::Decision d = Decide(actor, Action::kRead, At(DataClass::kClinical, found->archive_path, student_id));
  if (!d.allowed || d.view != policy::View::kFull)
    return Denied(actor, "transfer", student_id, found->archive_school_id, d.reason);
  return store_.ListTransfers(student_id);
}

}  // namespace xq::archive
