#include "screening/soci_screening_store.h"

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"

namespace xq::screening {
namespace {

bool HigherEd(std::string_view kind) { return kind == "college" || kind == "university"; }

constexpr const char* kStudentSelect =
    "SELECT s.id, s.school_id, s.name, s.student_no, s.sex, s.birth_date, s.enrolment_date, "
    "s.unit_path, g.grade_year, sc.school_kind FROM students s "
    "LEFT JOIN org_units g ON g.id = s.grade_id JOIN org_units sc ON sc.id = s.school_id ";

StudentInfo StudentOf(const soci::row& r, std::size_t o = 0) {
  StudentInfo s;
  s.id = db::GetInt(r, o + 0);
  s.school_id = db::GetInt(r, o + 1);
  s.name = db::GetStr(r, o + 2);
  s.student_no = db::GetStr(r, o + 3);
  s.sex = db::GetStr(r, o + 4);
  s.birth_date = db::GetStr(r, o + 5);
  s.enrolment_date = db::GetStr(r, o + 6);
  s.unit_path = db::GetStr(r, o + 7);
  s.grade_year = static_cast<int>(db::GetInt(r, o + 8));
  s.school_kind = db::GetStr(r, o + 9);
  if (HigherEd(s.school_kind)) {
    s.grade_year = s.enrolment_date.size() >= 4 ? std::atoi(s.enrolment_date.substr(0, 4).c_str()) : 0;
  }
  return s;
}

constexpr const char* kSubmissionSelect =
    "SELECT a.submission_id, x.assignment_id, x.client_key, x.campaign_id, x.student_id, x.school_id, "
    "x.unit_path, x.instrument_id, x.version, x.answers, x.result, x.positive, x.critical, x.valid, "
    "x.source, x.sex, x.grade_year, x.school_kind, x.submitted_at, s.name, s.student_no "
    "FROM screening_assignments a JOIN screening_submissions x ON x.id = a.submission_id "
    "JOIN students s ON s.id = x.student_id ";  // through the assignments' indexes (migration 011)

Submission SubmissionOf(const soci::row& r, std::size_t o = 0) {
  Submission x;
  x.id = db::GetInt(r, o + 0);
  x.assignment_id = db::GetInt(r, o + 1);
  x.client_key = db::GetStr(r, o + 2);
  x.campaign_id = db::GetInt(r, o + 3);
  x.student_id = db::GetInt(r, o + 4);
  x.school_id = db::GetInt(r, o + 5);
  x.unit_path = db::GetStr(r, o + 6);
  x.instrument_id = db::GetStr(r, o + 7);
  x.version = db::GetStr(r, o + 8);
  x.answers = db::GetStr(r, o + 9);
  x.result = db::GetStr(r, o + 10);
  x.positive = db::GetInt(r, o + 11) != 0;
  x.critical = db::GetInt(r, o + 12) != 0;
  x.valid = db::GetInt(r, o + 13) != 0;
  x.source = db::GetStr(r, o + 14);
  x.sex = db::GetStr(r, o + 15);
  x.grade_year = static_cast<int>(db::GetInt(r, o + 16));
  x.school_kind = db::GetStr(r, o + 17);
  x.submitted_at = db::GetInt(r, o + 18);
  x.student_name = db::GetStr(r, o + 19);
  x.student_no = db::GetStr(r, o + 20);
  return x;
}

// SQLite: an assignment's id is its rowid (INTEGER PRIMARY KEY, migration
// 013), a column SOCI reads as a 32-bit int; read through CAST, an
// expression, it comes whole. Every read of the id goes this way.
constexpr const char* kAssignmentSelect =
    "SELECT CAST(id AS BIGINT), campaign_id, student_id, school_id, unit_path, position, state, submitted_at "
    "FROM screening_assignments ";

Assignment AssignmentOf(const soci::row& r, std::size_t o = 0) {
  Assignment a;
  a.id = db::GetInt(r, o + 0);
  a.campaign_id = db::GetInt(r, o + 1);
  a.student_id = db::GetInt(r, o + 2);
  a.school_id = db::GetInt(r, o + 3);
  a.unit_path = db::GetStr(r, o + 4);
  a.position = static_cast<int>(db::GetInt(r, o + 5));
  a.state = db::GetStr(r, o + 6);
  a.submitted_at = db::GetInt(r, o + 7);
  return a;
}

absl::Status LoadCampaignParts(soci::session& s, Campaign& c) {
  long long id = c.id;
  soci::rowset<soci::row> scales =
      (s.prepare << "SELECT instrument_id, version, norm_set FROM screening_campaign_scales WHERE campaign_id = :c "
                    "ORDER BY position",
       soci::use(id));
  for (const auto& r : scales) c.scales.push_back({db::GetStr(r, 0), db::GetStr(r, 1), db::GetStr(r, 2)});
  soci::rowset<soci::row> units =
      (s.prepare << "SELECT cu.unit_id, cu.unit_path, u.name FROM screening_campaign_units cu "
                    "JOIN org_units u ON u.id = cu.unit_id WHERE cu.campaign_id = :c ORDER BY cu.unit_path",
       soci::use(id));
  for (const auto& r : units) c.units.push_back({db::GetInt(r, 0), db::GetStr(r, 1), db::GetStr(r, 2)});
  return absl::OkStatus();
}

Campaign CampaignOf(const soci::row& r) {
  Campaign c;
  c.id = db::GetInt(r, 0);
  c.name = db::GetStr(r, 1);
  c.template_id = db::GetStr(r, 2);
  c.owner_unit_id = db::GetInt(r, 3);
  c.owner_path = db::GetStr(r, 4);
  if (auto g = ParseJson(db::GetStr(r, 5)); g.ok() && g->is_array())
    for (const auto& v : *g)
      if (v.is_number_integer()) c.grades.push_back(v.get<int>());
  if (auto k = ParseJson(db::GetStr(r, 6)); k.ok() && k->is_array())
    for (const auto& v : *k)
      if (v.is_string()) c.school_kinds.push_back(v.get<std::string>());
  c.opens_on = db::GetStr(r, 7);
  c.closes_on = db::GetStr(r, 8);
  c.notice = db::GetStr(r, 9);
  c.consent_text = db::GetStr(r, 10);
  c.consent_age = static_cast<int>(db::GetInt(r, 11));
  c.urgent_due_hours = static_cast<int>(db::GetInt(r, 12));
  c.other_due_days = static_cast<int>(db::GetInt(r, 13));
  c.state = db::GetStr(r, 14);
  c.created_by = db::GetInt(r, 15);
  c.created_at = db::GetInt(r, 16);
  return c;
}

constexpr const char* kCampaignSelect =
    "SELECT id, name, template, owner_unit_id, owner_path, grades, school_kinds, opens_on, closes_on, "
    "notice, consent_text, consent_age, urgent_due_hours, other_due_days, state, created_by, created_at "
    "FROM screening_campaigns ";

}  // namespace

absl::StatusOr<std::optional<UnitInfo>> SociScreeningStore::GetUnit(int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto units, GetUnits({id}));
  if (units.empty()) return std::optional<UnitInfo>();
  return std::optional<UnitInfo>(units.front());
}

absl::StatusOr<std::vector<UnitInfo>> SociScreeningStore::GetUnits(const std::vector<int64_t>& ids) {
  // 128 ids per statement (a short list repeats its last id, so the text
  // is one prepared statement); the units in the order asked for.
  constexpr size_t kChunk = 128;
  static const std::string sql = [] {
    std::string q =
        "SELECT u.id, u.kind, u.name, u.path, sc.school_kind, u.school_id, u.grade_year FROM org_units u "
        "LEFT JOIN org_units sc ON sc.id = u.school_id WHERE u.id IN (";
    for (size_t i = 0; i < kChunk; ++i) q += fmt::format("{}:i{}", i ? "," : "", i);
    return q + ")";
  }();
  std::map<int64_t, UnitInfo> found;
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    std::vector<db::Database::Param> params;
    for (size_t j = 0; j < kChunk; ++j)
      params.emplace_back(static_cast<long long>(ids[std::min(i + j, ids.size() - 1)]));
    XQ_RETURN_IF_ERROR(db_.Query(sql, params, [&](const soci::row& r) {
      UnitInfo u{db::GetInt(r, 0),
                 db::GetStr(r, 1),
                 db::GetStr(r, 2),
                 db::GetStr(r, 3),
                 db::GetStr(r, 4),
                 db::GetInt(r, 5),
                 static_cast<int>(db::GetInt(r, 6))};
      found.emplace(u.id, std::move(u));
    }));
  }
  std::vector<UnitInfo> out;
  for (int64_t id : ids)
    if (auto it = found.find(id); it != found.end()) out.push_back(it->second);
  return out;
}

absl::StatusOr<std::optional<StudentInfo>> SociScreeningStore::GetStudent(int64_t id) {
  // On the submission path, like GetAssignment, GetConsent and
  // SubmissionOfAssignment: prepared once per connection.
  static const std::string sql = std::string(kStudentSelect) + "WHERE s.id = :id";
  std::optional<StudentInfo> out;
  XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(id)}, [&](const soci::row& r) { out = StudentOf(r); }));
  return out;
}

absl::StatusOr<std::optional<StudentInfo>> SociScreeningStore::FindStudentByNo(int64_t school_id, std::string_view no) {
  std::optional<StudentInfo> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long sid = school_id;
    std::string n(no);
    soci::rowset<soci::row> rows =
        (s.prepare << std::string(kStudentSelect) + "WHERE s.school_id = :s AND s.student_no = :n", soci::use(sid),
         soci::use(n));
    for (const auto& r : rows) out = StudentOf(r);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StudentInfo>> SociScreeningStore::StudentsUnder(const std::vector<std::string>& paths) {
  std::vector<StudentInfo> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << std::string(kStudentSelect) + "WHERE s.status = 'active' AND " +
                          db::PathScopeClause("s.unit_path", paths) + " ORDER BY s.unit_path, s.id");
    for (const auto& r : rows) out.push_back(StudentOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SociScreeningStore::CreateCampaign(const Campaign& c, const std::vector<StudentInfo>& students) {
  return db_.InTransaction([&](soci::session& s) {
    long long id = c.id, owner = c.owner_unit_id, by = c.created_by, at = c.created_at;
    int age = c.consent_age, uh = c.urgent_due_hours, od = c.other_due_days;
    std::string grades = Json(c.grades).dump(), kinds = Json(c.school_kinds).dump();
    s << "INSERT INTO screening_campaigns (id, name, template, owner_unit_id, owner_path, grades, "
         "school_kinds, opens_on, closes_on, notice, consent_text, consent_age, urgent_due_hours, "
         "other_due_days, state, created_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, "
         ":j, :k, :l, :m, :n, 'open', :o, :p)",
        soci::use(id), soci::use(c.name), soci::use(c.template_id), soci::use(owner), soci::use(c.owner_path),
        soci::use(grades), soci::use(kinds), soci::use(c.opens_on), soci::use(c.closes_on), soci::use(c.notice),
        soci::use(c.consent_text), soci::use(age), soci::use(uh), soci::use(od), soci::use(by), soci::use(at);
    for (size_t i = 0; i < c.scales.size(); ++i) {
      int pos = static_cast<int>(i);
      s << "INSERT INTO screening_campaign_scales (campaign_id, position, instrument_id, version, norm_set) "
           "VALUES (:a, :b, :c, :d, :e)",
          soci::use(id), soci::use(pos), soci::use(c.scales[i].instrument_id), soci::use(c.scales[i].version),
          soci::use(c.scales[i].norm_set);
    }
    for (const auto& u : c.units) {
      long long uid = u.id;
      s << "INSERT INTO screening_campaign_units (campaign_id, unit_id, unit_path) VALUES (:a, :b, :c)", soci::use(id),
          soci::use(uid), soci::use(u.path);
    }
    // Bulk insert, a few thousand rows per statement.
    constexpr size_t kChunk = 2000;
    std::vector<long long> ids, camps, studs, schools;
    std::vector<std::string> paths;
    std::vector<int> positions;
    auto flush = [&]() {
      if (ids.empty()) return;
      s << "INSERT INTO screening_assignments (id, campaign_id, student_id, school_id, unit_path, "
           "position, state) VALUES (:a, :b, :c, :d, :e, :f, 'pending')",
          soci::use(ids), soci::use(camps), soci::use(studs), soci::use(schools), soci::use(paths),
          soci::use(positions);
      ids.clear(), camps.clear(), studs.clear(), schools.clear(), paths.clear(), positions.clear();
    };
    for (const auto& st : students) {
      for (size_t i = 0; i < c.scales.size(); ++i) {
        ids.push_back(NewId());
        camps.push_back(id);
        studs.push_back(st.id);
        schools.push_back(st.school_id);
        paths.push_back(st.unit_path);
        positions.push_back(static_cast<int>(i));
        if (ids.size() >= kChunk) flush();
      }
    }
    flush();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Campaign>> SociScreeningStore::ListCampaigns() {
  std::vector<Campaign> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    {
      soci::rowset<soci::row> rows = (s.prepare << std::string(kCampaignSelect) + "ORDER BY created_at DESC, id DESC");
      for (const auto& r : rows) out.push_back(CampaignOf(r));
    }
    for (auto& c : out) XQ_RETURN_IF_ERROR(LoadCampaignParts(s, c));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Campaign>> SociScreeningStore::GetCampaign(int64_t id) {
  std::optional<Campaign> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long cid = id;
    {
      soci::rowset<soci::row> rows = (s.prepare << std::string(kCampaignSelect) + "WHERE id = :id", soci::use(cid));
      for (const auto& r : rows) out = CampaignOf(r);
    }
    if (out) XQ_RETURN_IF_ERROR(LoadCampaignParts(s, *out));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> SociScreeningStore::CloseCampaign(int64_t id) {
  bool changed = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long cid = id;
    soci::statement st =
        (s.prepare << "UPDATE screening_campaigns SET state = 'closed' WHERE id = :c AND state = 'open'",
         soci::use(cid));
    st.execute(true);
    changed = st.get_affected_rows() > 0;
    return absl::OkStatus();
  }));
  return changed;
}

namespace {

// The student (10 columns), the assignment (8), its submission if any (21)
// and the consent record if any (4).
constexpr const char* kSubmitContextSelect =
    "SELECT s.id, s.school_id, s.name, s.student_no, s.sex, s.birth_date, s.enrolment_date, s.unit_path, "
    "g.grade_year, sc.school_kind, "
    "CAST(a.id AS BIGINT), a.campaign_id, a.student_id, a.school_id, a.unit_path, a.position, a.state, "
    "a.submitted_at, a.submission_id, x.assignment_id, x.client_key, x.campaign_id, x.student_id, x.school_id, "
    "x.unit_path, "
    "x.instrument_id, x.version, x.answers, x.result, x.positive, x.critical, x.valid, x.source, x.sex, "
    "x.grade_year, x.school_kind, x.submitted_at, s.name, s.student_no, "
    "c.decision, c.source, c.recorded_by, c.recorded_at "
    "FROM screening_assignments a JOIN students s ON s.id = a.student_id "
    "LEFT JOIN org_units g ON g.id = s.grade_id JOIN org_units sc ON sc.id = s.school_id "
    "LEFT JOIN screening_submissions x ON x.id = a.submission_id "
    "LEFT JOIN screening_consents c ON c.campaign_id = a.campaign_id AND c.student_id = a.student_id ";

SubmitContext SubmitContextOf(const soci::row& r) {
  SubmitContext c;
  c.student = std::make_shared<const StudentInfo>(StudentOf(r, 0));
  c.assignment = AssignmentOf(r, 10);
  if (r.get_indicator(19) != soci::i_null) c.submission = SubmissionOf(r, 18);
  if (r.get_indicator(39) != soci::i_null)
    c.consent = Consent{c.assignment.campaign_id, c.assignment.student_id, db::GetStr(r, 39),
                        db::GetStr(r, 40),        db::GetInt(r, 41),       db::GetInt(r, 42)};
  return c;
}

}  // namespace

absl::StatusOr<std::optional<SubmitContext>> SociScreeningStore::GetSubmitContext(int64_t assignment_id) {
  static const std::string sql = std::string(kSubmitContextSelect) + "WHERE a.id = :a";
  std::optional<SubmitContext> out;
  XQ_RETURN_IF_ERROR(
      db_.Query(sql, {static_cast<long long>(assignment_id)}, [&](const soci::row& r) { out = SubmitContextOf(r); }));
  return out;
}

absl::StatusOr<std::vector<SubmitContext>> SociScreeningStore::UnsubmittedContextsOf(int64_t student_id) {
  static const std::string sql =
      std::string(kSubmitContextSelect) + "WHERE a.student_id = :s AND a.submission_id IS NULL";
  std::vector<SubmitContext> out;
  XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(student_id)},
                               [&](const soci::row& r) { out.push_back(SubmitContextOf(r)); }));
  return out;
}

absl::StatusOr<std::vector<SubmitContext>> SociScreeningStore::UnsubmittedContextsOf(
    const std::vector<int64_t>& student_ids) {
  std::vector<SubmitContext> out;
  if (student_ids.empty()) return out;
  std::string sql = std::string(kSubmitContextSelect) + "WHERE a.submission_id IS NULL AND a.student_id IN (";
  for (size_t i = 0; i < student_ids.size(); ++i) sql += (i ? "," : "") + std::to_string(student_ids[i]);
  sql += ") ORDER BY a.student_id";
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows = s.prepare << sql;
    for (const auto& r : rows) out.push_back(SubmitContextOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Assignment>> SociScreeningStore::GetAssignment(int64_t id) {
  static const std::string sql = std::string(kAssignmentSelect) + "WHERE id = :id";
  std::optional<Assignment> out;
  XQ_RETURN_IF_ERROR(db_.Query(sql, {static_cast<long long>(id)}, [&](const soci::row& r) { out = AssignmentOf(r); }));
  return out;
}

absl::StatusOr<std::vector<Assignment>> SociScreeningStore::AssignmentsOfStudent(int64_t student_id) {
  std::vector<Assignment> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long sid = student_id;
    soci::rowset<soci::row> rows =
        (s.prepare << std::string(kAssignmentSelect) + "WHERE student_id = :s ORDER BY campaign_id, position",
         soci::use(sid));
    for (const auto& r : rows) out.push_back(AssignmentOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Consent>> SociScreeningStore::GetConsent(int64_t campaign_id, int64_t student_id) {
  std::optional<Consent> out;
  XQ_RETURN_IF_ERROR(db_.Query(
      "SELECT decision, source, recorded_by, recorded_at FROM screening_consents "
      "WHERE campaign_id = :c AND student_id = :s",
      {static_cast<long long>(campaign_id), static_cast<long long>(student_id)}, [&](const soci::row& r) {
        out = Consent{campaign_id, student_id, db::GetStr(r, 0), db::GetStr(r, 1), db::GetInt(r, 2), db::GetInt(r, 3)};
      }));
  return out;
}

absl::Status SociScreeningStore::PutConsent(const Consent& c) {
  return db_.InTransaction([&](soci::session& s) {
    long long camp = c.campaign_id, st = c.student_id, by = c.recorded_by, at = c.recorded_at;
    s << "DELETE FROM screening_consents WHERE campaign_id = :c AND student_id = :s", soci::use(camp), soci::use(st);
    s << "INSERT INTO screening_consents (campaign_id, student_id, decision, source, recorded_by, "
         "recorded_at) VALUES (:a, :b, :c, :d, :e, :f)",
        soci::use(camp), soci::use(st), soci::use(c.decision), soci::use(c.source), soci::use(by), soci::use(at);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Draft>> SociScreeningStore::GetDraft(int64_t assignment_id) {
  std::optional<Draft> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long aid = assignment_id;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT answers, position, updated_at FROM screening_drafts WHERE assignment_id = :a",
         soci::use(aid));
    for (const auto& r : rows) out = Draft{db::GetStr(r, 0), static_cast<int>(db::GetInt(r, 1)), db::GetInt(r, 2)};
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SociScreeningStore::PutDraft(int64_t assignment_id, const Draft& d) {
  return db_.InTransaction([&](soci::session& s) {
    long long aid = assignment_id, at = d.updated_at;
    int pos = d.position;
    std::string state;
    soci::indicator ind = soci::i_null;
    s << "SELECT state FROM screening_assignments WHERE id = :a", soci::use(aid), soci::into(state, ind);
    if (ind != soci::i_ok) return NotFound("assignment not found");
    if (state != "pending") return Conflict("the answers are already submitted");
    s << "DELETE FROM screening_drafts WHERE assignment_id = :a", soci::use(aid);
    s << "INSERT INTO screening_drafts (assignment_id, answers, position, updated_at) VALUES (:a, :b, :c, :d)",
        soci::use(aid), soci::use(d.answers), soci::use(pos), soci::use(at);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Submission>> SociScreeningStore::SubmissionOfAssignment(int64_t assignment_id) {
  static const std::string sql = std::string(kSubmissionSelect) + "WHERE a.id = :a";
  std::optional<Submission> out;
  XQ_RETURN_IF_ERROR(
      db_.Query(sql, {static_cast<long long>(assignment_id)}, [&](const soci::row& r) { out = SubmissionOf(r); }));
  return out;
}

absl::StatusOr<std::vector<Submission>> SociScreeningStore::SubmissionsOf(int64_t campaign_id,
                                                                          const std::vector<std::string>& paths) {
  std::vector<Submission> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long cid = campaign_id;
    soci::rowset<soci::row> rows =
        (s.prepare << std::string(kSubmissionSelect) + "WHERE a.campaign_id = :c AND " +
                          db::PathScopeClause("a.unit_path", paths) + " ORDER BY x.unit_path, s.name, x.instrument_id",
         soci::use(cid));
    for (const auto& r : rows) out.push_back(SubmissionOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<Submission>> SociScreeningStore::SubmissionsOfStudent(int64_t student_id) {
  std::vector<Submission> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long sid = student_id;
    soci::rowset<soci::row> rows =
        (s.prepare << std::string(kSubmissionSelect) + "WHERE a.student_id = :s ORDER BY x.submitted_at DESC",
         soci::use(sid));
    for (const auto& r : rows) out.push_back(SubmissionOf(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ProgressRow>> SociScreeningStore::Progress(int64_t campaign_id, std::string_view path) {
  std::vector<ProgressRow> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long cid = campaign_id;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT a.student_id, a.unit_path, s.name, s.student_no, COUNT(*), "
                      "SUM(CASE WHEN a.state = 'submitted' THEN 1 ELSE 0 END), c.decision, s.birth_date "
                      "FROM screening_assignments a JOIN students s ON s.id = a.student_id "
                      "LEFT JOIN screening_consents c ON c.campaign_id = a.campaign_id AND c.student_id = a.student_id "
                      "WHERE a.campaign_id = :c AND " +
                          db::PathScopeClause("a.unit_path", {std::string(path)}) +
                          " GROUP BY a.student_id, a.unit_path, s.name, s.student_no, c.decision, s.birth_date "
                          "ORDER BY a.unit_path, s.student_no",
         soci::use(cid));
    for (const auto& r : rows) {
      ProgressRow p;
      p.student_id = db::GetInt(r, 0);
      p.unit_path = db::GetStr(r, 1);
      p.name = db::GetStr(r, 2);
      p.student_no = db::GetStr(r, 3);
      p.assigned = static_cast<int>(db::GetInt(r, 4));
      p.submitted = static_cast<int>(db::GetInt(r, 5));
      p.consent = db::GetStr(r, 6);
      p.birth_date = db::GetStr(r, 7);
      out.push_back(std::move(p));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::map<int64_t, std::string>> SociScreeningStore::EnrolmentDatesOf(
    int64_t campaign_id, const std::vector<std::string>& paths) {
  std::map<int64_t, std::string> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long cid = campaign_id;
    soci::rowset<soci::row> rows = (s.prepare << "SELECT DISTINCT s.id, s.enrolment_date FROM screening_assignments a "
                                                 "JOIN students s ON s.id = a.student_id "
                                                 "WHERE a.campaign_id = :c AND a.submission_id IS NOT NULL AND " +
                                                     db::PathScopeClause("a.unit_path", paths),
                                    soci::use(cid));
    for (const auto& r : rows) out[db::GetInt(r, 0)] = db::GetStr(r, 1);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<int>> SociScreeningStore::SuppressionK(int64_t city_unit_id) {
  std::optional<int> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long uid = city_unit_id;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT k FROM suppression_settings WHERE unit_id = :u", soci::use(uid));
    for (const auto& r : rows) out = static_cast<int>(db::GetInt(r, 0));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SociScreeningStore::PutSuppressionK(int64_t city_unit_id, int k, int64_t by, int64_t at) {
  return db_.InTransaction([&](soci::session& s) {
    long long uid = city_unit_id, b = by, t = at;
    int kk = k;
    s << "DELETE FROM suppression_settings WHERE unit_id = :u", soci::use(uid);
    s << "INSERT INTO suppression_settings (unit_id, k, updated_by, updated_at) VALUES (:u, :k, :b, :t)",
        soci::use(uid), soci::use(kk), soci::use(b), soci::use(t);
    return absl::OkStatus();
  });
}

std::unique_ptr<ScreeningStore> NewSociScreeningStore(db::Database& db) {
  return std::make_unique<SociScreeningStore>(db);
}

}  // namespace xq::screening
