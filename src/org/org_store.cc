#include "org/org_store.h"

#include <map>
#include <unordered_map>
#include <utility>

#include "core/ids.h"
#include "core/status.h"
#include "db/auth_changes.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::org {
namespace {

using db::GetInt;
using db::GetStr;

constexpr const char* kUnitCols =
    "u.id, u.parent_id, u.kind, u.name, u.code, u.school_kind, u.school_id, u.district_id, "
    "u.path, u.grade_year, u.created_at";

OrgUnit UnitFromRow(const soci::row& r, size_t at = 0) {
  OrgUnit u;
  u.id = GetInt(r, at + 0);
  u.parent_id = GetInt(r, at + 1);
  u.kind = GetStr(r, at + 2);
  u.name = GetStr(r, at + 3);
  u.code = GetStr(r, at + 4);
  u.school_kind = GetStr(r, at + 5);
  u.school_id = GetInt(r, at + 6);
  u.district_id = GetInt(r, at + 7);
  u.path = GetStr(r, at + 8);
  u.grade_year = static_cast<int>(GetInt(r, at + 9));
  u.created_at = GetInt(r, at + 10);
  return u;
}

// Student columns joined with the names of its units (aliases s, c, g, sc, d).
constexpr const char* kStudentSelect =
    "SELECT s.id, s.school_id, s.student_no, s.name, s.sex, s.birth_date, s.enrolment_date, "
    "s.grade_id, s.class_id, s.dorm_id, s.unit_path, s.status, s.created_at, s.updated_at, "
    "c.name, g.name, sc.name, d.name, d.path "
    "FROM students s "
    "LEFT JOIN org_units c ON c.id = s.class_id "
    "LEFT JOIN org_units g ON g.id = s.grade_id "
    "LEFT JOIN org_units sc ON sc.id = s.school_id "
    "LEFT JOIN org_units d ON d.id = s.dorm_id ";

StudentRecord StudentFromRow(const soci::row& r) {
  StudentRecord rec;
  Student& s = rec.student;
  s.id = GetInt(r, 0);
  s.school_id = GetInt(r, 1);
  s.student_no = GetStr(r, 2);
  s.name = GetStr(r, 3);
  s.sex = GetStr(r, 4);
  s.birth_date = GetStr(r, 5);
  s.enrolment_date = GetStr(r, 6);
  s.grade_id = GetInt(r, 7);
  s.class_id = GetInt(r, 8);
  s.dorm_id = GetInt(r, 9);
  s.unit_path = GetStr(r, 10);
  s.status = GetStr(r, 11);
  s.created_at = GetInt(r, 12);
  s.updated_at = GetInt(r, 13);
  rec.class_name = GetStr(r, 14);
  rec.grade_name = GetStr(r, 15);
  rec.school_name = GetStr(r, 16);
  rec.dorm_name = GetStr(r, 17);
  rec.dorm_path = GetStr(r, 18);
  return rec;
}

// Indicator for an optional value: 0 / "" are NULL.
soci::indicator Ind(int64_t v) { return v == 0 ? soci::i_null : soci::i_ok; }
soci::indicator Ind(const std::string& v) { return v.empty() ? soci::i_null : soci::i_ok; }

// Escapes LIKE wildcards; used with ESCAPE '\'.
std::string LikePrefix(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

absl::StatusOr<OrgUnit> LoadUnit(soci::session& s, int64_t id) {
  long long lid = id;
  soci::rowset<soci::row> rs =
      (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.id = :id", kUnitCols), soci::use(lid));
  for (const auto& r : rs) return UnitFromRow(r);
  return NotFound("org unit not found");
}

absl::Status InsertUnit(soci::session& s, const OrgUnit& u) {
  long long id = u.id, parent = u.parent_id, school = u.school_id, district = u.district_id, created = u.created_at;
  int grade_year = u.grade_year;
  soci::indicator ip = Ind(u.parent_id), ic = Ind(u.code), isk = Ind(u.school_kind), isc = Ind(u.school_id),
                  id_ = Ind(u.district_id), igy = u.grade_year == 0 ? soci::i_null : soci::i_ok;
  s << "INSERT INTO org_units (id, parent_id, kind, name, code, school_kind, school_id, "
       "district_id, path, grade_year, created_at) VALUES "
       "(:id, :parent, :kind, :name, :code, :sk, :school, :district, :path, :gy, :created)",
      soci::use(id), soci::use(parent, ip), soci::use(u.kind), soci::use(u.name), soci::use(u.code, ic),
      soci::use(u.school_kind, isk), soci::use(school, isc), soci::use(district, id_), soci::use(u.path),
      soci::use(grade_year, igy), soci::use(created);
  return absl::OkStatus();
}

absl::Status InsertMembership(soci::session& s, int64_t school_id, int64_t student_id, int64_t class_id,
                              const std::string& start) {
  long long id = NewId(), sc = school_id, st = student_id, cl = class_id;
  s << "INSERT INTO class_memberships (id, school_id, student_id, class_id, start_date) "
       "VALUES (:id, :sc, :st, :cl, :start)",
      soci::use(id), soci::use(sc), soci::use(st), soci::use(cl), soci::use(start);
  return absl::OkStatus();
}

class SociOrgStore final : public OrgStore {
 public:
  SociOrgStore(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  absl::StatusOr<OrgUnit> CreateUnit(OrgUnit unit) override {
    if (!IsUnitKind(unit.kind)) return InvalidArgument("unknown org unit kind", "kind");
    if (unit.name.empty()) return InvalidArgument("name is required", "name");
    if (unit.kind == kSchool && !SchoolKindFromName(unit.school_kind))
      return InvalidArgument("unknown school kind", "school_kind");
    if (unit.id == 0) unit.id = NewId();
    unit.created_at = clock_.NowMicros();
    absl::Status st = db_.InTransaction([&](soci::session& s) -> absl::Status {
      if (unit.parent_id == 0) {
        if (unit.kind != kCity) return InvalidArgument("only the city has no parent", "parent_id");
        DeriveFromParent(nullptr, unit);
      } else {
        auto parent = LoadUnit(s, unit.parent_id);
        if (!parent.ok()) return WithField(parent.status(), "parent_id");
        std::string school_kind = unit.school_kind;
        if (unit.kind != kSchool && parent->school_id != 0) {
          XQ_ASSIGN_OR_RETURN(OrgUnit school, LoadUnit(s, parent->school_id));
          school_kind = school.school_kind;
        }
        if (!MayHangUnder(parent->kind, unit.kind, school_kind))
          return InvalidArgument(fmt::format("a {} may not hang under a {}", unit.kind, parent->kind), "parent_id");
        DeriveFromParent(&*parent, unit);
      }
      return InsertUnit(s, unit);
    });
    XQ_RETURN_IF_ERROR(st);
    return unit;
  }

  absl::StatusOr<OrgUnit> GetUnit(int64_t id) override {
    OrgUnit out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, LoadUnit(s, id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<OrgUnit>> GetUnits(const std::vector<int64_t>& ids) override {
    std::vector<OrgUnit> out;
    if (ids.empty()) return out;
    std::string list;
    for (int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
    std::unordered_map<int64_t, OrgUnit> found;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs = s.prepare
                                   << fmt::format("SELECT {} FROM org_units u WHERE u.id IN ({})", kUnitCols, list);
      for (const auto& r : rs) {
        OrgUnit u = UnitFromRow(r);
        found[u.id] = std::move(u);
      }
      return absl::OkStatus();
    }));
    for (int64_t id : ids)
      if (auto it = found.find(id); it != found.end()) out.push_back(it->second);
    return out;
  }

  absl::StatusOr<std::vector<OrgUnit>> ListChildren(int64_t parent_id) override {
    std::vector<OrgUnit> out;
    long long pid = parent_id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT {}, CASE WHEN EXISTS (SELECT 1 FROM org_units k WHERE k.parent_id = u.id) "
                                    "THEN 1 ELSE 0 END FROM org_units u WHERE u.parent_id = :p "
                                    "ORDER BY u.kind, u.grade_year, u.name, u.id",
                                    kUnitCols),
           soci::use(pid));
      for (const auto& r : rs) {
        OrgUnit u = UnitFromRow(r);
        u.has_children = GetInt(r, 11) != 0;
        out.push_back(std::move(u));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<OrgUnit>> FindSchoolsByName(std::string_view name) override {
    std::vector<OrgUnit> out;
    std::string n(name);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.kind = 'school' AND u.name = :n ORDER BY u.id",
                                    kUnitCols),
           soci::use(n));
      for (const auto& r : rs) out.push_back(UnitFromRow(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<int64_t> CountStudents(std::string_view unit_path) override {
    std::string like = LikePrefix(unit_path);
    long long n = 0;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      s << "SELECT COUNT(*) FROM students WHERE status = 'active' AND unit_path LIKE :p "
           "ESCAPE '\\'",
          soci::use(like), soci::into(n);
      return absl::OkStatus();
    }));
    return n;
  }

  absl::StatusOr<Student> CreateStudent(Student st, std::string_view start_date) override {
    if (st.id == 0) st.id = NewId();
    st.created_at = st.updated_at = clock_.NowMicros();
    std::string start(start_date);
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      auto cls = LoadUnit(s, st.class_id);
      if (!cls.ok() || cls->kind != kClass) return InvalidArgument("no such class", "class_id");
      if (cls->school_id != st.school_id) return InvalidArgument("class is not in the student's school", "class_id");
      XQ_ASSIGN_OR_RETURN(OrgUnit parent, LoadUnit(s, cls->parent_id));
      st.grade_id = parent.kind == kSchool ? 0 : parent.id;
      st.unit_path = cls->path;
      XQ_RETURN_IF_ERROR(InsertStudent(s, st));
      return InsertMembership(s, st.school_id, st.id, st.class_id, start);
    }));
    return st;
  }

  absl::StatusOr<StudentRecord> GetStudent(int64_t id) override {
    std::optional<StudentRecord> out;
    long long lid = id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs = (s.prepare << std::string(kStudentSelect) + "WHERE s.id = :id", soci::use(lid));
      for (const auto& r : rs) out = StudentFromRow(r);
      return absl::OkStatus();
    }));
    if (!out) return NotFound("student not found");  // one message: existence is not revealed
    return *out;
  }

  absl::StatusOr<std::optional<Student>> FindStudentByNo(int64_t school_id, std::string_view student_no) override {
    std::optional<Student> out;
    long long sc = school_id;
    std::string no(student_no);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs =
          (s.prepare << std::string(kStudentSelect) + "WHERE s.school_id = :sc AND s.student_no = :no", soci::use(sc),
           soci::use(no));
      for (const auto& r : rs) out = StudentFromRow(r).student;
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status TransferStudent(int64_t student_id, int64_t class_id, std::string_view date) override {
    std::string d(date);
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      std::optional<StudentRecord> cur;
      long long sid = student_id;
      {
        soci::rowset<soci::row> rs = (s.prepare << std::string(kStudentSelect) + "WHERE s.id = :id", soci::use(sid));
        for (const auto& r : rs) cur = StudentFromRow(r);
      }
      if (!cur) return NotFound("student not found");
      auto cls = LoadUnit(s, class_id);
      if (!cls.ok() || cls->kind != kClass) return InvalidArgument("no such class", "class_id");
      if (cls->school_id != cur->student.school_id)
        return InvalidArgument("class is not in the student's school", "class_id");
      if (cur->student.class_id == class_id) return absl::OkStatus();
      XQ_ASSIGN_OR_RETURN(OrgUnit parent, LoadUnit(s, cls->parent_id));
      return MoveClass(s, cur->student, *cls, parent.kind == kSchool ? 0 : parent.id, d);
    });
  }

  absl::StatusOr<std::vector<ClassMembership>> Memberships(int64_t student_id) override {
    std::vector<ClassMembership> out;
    long long sid = student_id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT id, school_id, student_id, class_id, start_date, end_date "
                        "FROM class_memberships WHERE student_id = :s "
                        "ORDER BY CASE WHEN end_date IS NULL THEN 1 ELSE 0 END, start_date, id",
           soci::use(sid));
      for (const auto& r : rs) {
        ClassMembership m;
        m.id = GetInt(r, 0);
        m.school_id = GetInt(r, 1);
        m.student_id = GetInt(r, 2);
        m.class_id = GetInt(r, 3);
        m.start_date = GetStr(r, 4);
        m.end_date = GetStr(r, 5);
        out.push_back(std::move(m));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<StudentPage> ListStudents(const StudentQuery& q) override {
    StudentPage page;
    // Paths are checked to be digits and slashes and ids are integers, so
    // they are written into the SQL; user text (q, cursor) is bound.
    std::string scope;
    for (const auto& p : q.path_prefixes) {
      if (!IsWellFormedPath(p)) return Internal("malformed scope path");
      scope += fmt::format("{}s.unit_path LIKE '{}%' OR d.path LIKE '{}%'", scope.empty() ? "" : " OR ", p, p);
    }
    if (!q.student_ids.empty()) {
      std::string ids;
      for (int64_t id : q.student_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
      scope += fmt::format("{}s.id IN ({})", scope.empty() ? "" : " OR ", ids);
    }
    if (scope.empty()) return page;  // nothing readable
    std::string where = fmt::format("WHERE s.status = 'active' AND ({})", scope);
    if (!q.within_path.empty()) {
      if (!IsWellFormedPath(q.within_path)) return Internal("malformed unit path");
      where += fmt::format(" AND (s.unit_path LIKE '{0}%' OR d.path LIKE '{0}%')", q.within_path);
    }
    std::vector<std::string> binds;
    binds.reserve(4);
    if (!q.q.empty()) {
      binds.push_back(LikePrefix(q.q));
      binds.push_back(LikePrefix(q.q));
      where += " AND (s.name LIKE :q0 ESCAPE '\\' OR s.student_no LIKE :q1 ESCAPE '\\')";
    }
    const size_t count_binds = binds.size();
    std::string page_where = where;
    if (q.after) {
      binds.push_back(q.after->unit_path);
      binds.push_back(q.after->name);
      page_where += fmt::format(" AND (s.unit_path, s.name, s.id) > (:a0, :a1, {})", q.after->id);
    }
    int limit = q.limit <= 0 ? 50 : q.limit;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      {
        auto pt = (s.prepare << std::string(kStudentSelect) + page_where +
                                    fmt::format(" ORDER BY s.unit_path, s.name, s.id LIMIT {}", limit + 1));
        for (auto& b : binds) pt, soci::use(b);
        soci::rowset<soci::row> rs(pt);
        for (const auto& r : rs) page.items.push_back(StudentFromRow(r));
      }
      if (static_cast<int>(page.items.size()) > limit) {
        page.items.pop_back();
        page.more = true;
      }
      {
        long long n = 0;
        auto pt = (s.prepare << "SELECT COUNT(*) FROM students s "
                                "LEFT JOIN org_units d ON d.id = s.dorm_id " +
                                    where);
        for (size_t i = 0; i < count_binds; ++i) pt, soci::use(binds[i]);
        pt, soci::into(n);
        soci::statement st(pt);
        st.execute(true);
        page.total = n;
      }
      return absl::OkStatus();
    }));
    return page;
  }

  absl::StatusOr<Guardian> AddGuardian(int64_t student_id, Guardian g, std::string_view relation) override {
    if (g.name.empty()) return InvalidArgument("guardian name is required", "name");
    if (g.id == 0) g.id = NewId();
    g.created_at = clock_.NowMicros();
    std::string rel(relation);
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long sid = student_id, school = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT school_id FROM students WHERE id = :id", soci::use(sid), soci::into(school, ind);
      if (!s.got_data() || ind == soci::i_null) return NotFound("student not found");
      g.school_id = school;
      return InsertGuardianLinked(s, g, student_id, rel);
    }));
    return g;
  }

  absl::StatusOr<std::vector<GuardianLink>> GuardiansOf(int64_t student_id) override {
    std::vector<GuardianLink> out;
    long long sid = student_id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs = (s.prepare << "SELECT g.id, g.school_id, g.name, g.phone, g.created_at, sg.relation "
                                                 "FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id "
                                                 "WHERE sg.student_id = :s ORDER BY g.created_at, g.id",
                                    soci::use(sid));
      for (const auto& r : rs) {
        GuardianLink l;
        l.guardian.id = GetInt(r, 0);
        l.guardian.school_id = GetInt(r, 1);
        l.guardian.name = GetStr(r, 2);
        l.guardian.phone = GetStr(r, 3);
        l.guardian.created_at = GetInt(r, 4);
        l.relation = GetStr(r, 5);
        out.push_back(std::move(l));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<Staff> CreateStaff(Staff st) override {
    if (st.name.empty()) return InvalidArgument("name is required", "name");
    if (st.id == 0) st.id = NewId();
    st.created_at = clock_.NowMicros();
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      auto unit = LoadUnit(s, st.org_unit_id);
      if (!unit.ok()) return WithField(unit.status(), "org_unit_id");
      st.school_id = unit->school_id;
      long long id = st.id, school = st.school_id, ou = st.org_unit_id, created = st.created_at;
      soci::indicator isc = Ind(st.school_id), iph = Ind(st.phone), iti = Ind(st.title);
      s << "INSERT INTO staff (id, school_id, org_unit_id, name, phone, title, created_at) "
           "VALUES (:id, :sc, :ou, :n, :ph, :ti, :t)",
          soci::use(id), soci::use(school, isc), soci::use(ou), soci::use(st.name), soci::use(st.phone, iph),
          soci::use(st.title, iti), soci::use(created);
      return absl::OkStatus();
    }));
    return st;
  }

  absl::StatusOr<Staff> GetStaff(int64_t id) override {
    std::optional<Staff> out;
    long long lid = id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs = (s.prepare << "SELECT id, school_id, org_unit_id, name, phone, title, created_at "
                                                 "FROM staff WHERE id = :id",
                                    soci::use(lid));
      for (const auto& r : rs) {
        Staff st;
        st.id = GetInt(r, 0);
        st.school_id = GetInt(r, 1);
        st.org_unit_id = GetInt(r, 2);
        st.name = GetStr(r, 3);
        st.phone = GetStr(r, 4);
        st.title = GetStr(r, 5);
        st.created_at = GetInt(r, 6);
        out = std::move(st);
      }
      return absl::OkStatus();
    }));
    if (!out) return NotFound(fmt::format("staff {} not found", id));
    return *out;
  }

  absl::StatusOr<Pairing> Pair(int64_t staff_id, int64_t student_id) override {
    Pairing p;
    p.id = NewId();
    p.staff_id = staff_id;
    p.student_id = student_id;
    p.created_at = clock_.NowMicros();
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long sid = student_id, school = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT school_id FROM students WHERE id = :id", soci::use(sid), soci::into(school, ind);
      if (!s.got_data()) return NotFound("student not found");
      p.school_id = school;
      long long tid = staff_id;
      int n = 0;
      s << "SELECT COUNT(*) FROM pairings WHERE student_id = :s AND staff_id = :t", soci::use(sid), soci::use(tid),
          soci::into(n);
      if (n > 0) return Conflict("the teacher is already paired with this student");
      long long id = p.id, created = p.created_at;
      s << "INSERT INTO pairings (id, school_id, staff_id, student_id, created_at) "
           "VALUES (:id, :sc, :t, :s, :c)",
          soci::use(id), soci::use(school), soci::use(tid), soci::use(sid), soci::use(created);
      db::RecordStaffChanged(s, staff_id);  // the teacher's signed-in sessions gain the student
      return absl::OkStatus();
    }));
    return p;
  }

  absl::Status Unpair(int64_t staff_id, int64_t student_id) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long sid = student_id, tid = staff_id;
      soci::statement st =
          (s.prepare << "DELETE FROM pairings WHERE student_id = :s AND staff_id = :t", soci::use(sid), soci::use(tid));
      st.execute(true);
      if (st.get_affected_rows() == 0) return NotFound("no such pairing");
      db::RecordStaffChanged(s, staff_id);  // and lose them at once
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<int64_t>> PairedStudentIds(int64_t staff_id) override {
    std::vector<int64_t> out;
    long long tid = staff_id;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT student_id FROM pairings WHERE staff_id = :t ORDER BY student_id", soci::use(tid));
      for (const auto& r : rs) out.push_back(GetInt(r, 0));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<PairingCoverage> Coverage(std::string_view unit_path) override {
    PairingCoverage c;
    std::string like = LikePrefix(unit_path);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long total = 0, paired = 0;
      s << "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM pairings p "
           "WHERE p.student_id = s.id) THEN 1 ELSE 0 END), 0) FROM students s "
           "WHERE s.status = 'active' AND s.unit_path LIKE :p ESCAPE '\\'",
          soci::use(like), soci::into(total), soci::into(paired);
      c.students = total;
      c.paired = paired;
      return absl::OkStatus();
    }));
    return c;
  }

  absl::StatusOr<RosterApplyResult> ApplyRoster(const OrgUnit& school, const std::vector<RosterEntry>& rows,
                                                const ProgressFn& progress) override {
    RosterApplyResult result;
    const int64_t now = clock_.NowMicros();
    const std::string today = DateOf(now);
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
      return ApplyRosterIn(s, school, rows, now, today, progress, result);
    }));
    return result;
  }

 private:
  absl::Status InsertStudent(soci::session& s, const Student& st) {
    long long id = st.id, school = st.school_id, grade = st.grade_id, cls = st.class_id, dorm = st.dorm_id,
              created = st.created_at, updated = st.updated_at;
    soci::indicator ib = Ind(st.birth_date), ie = Ind(st.enrolment_date), ig = Ind(st.grade_id), ic = Ind(st.class_id),
                    id_ = Ind(st.dorm_id);
    s << "INSERT INTO students (id, school_id, student_no, name, sex, birth_date, enrolment_date, "
         "grade_id, class_id, dorm_id, unit_path, status, created_at, updated_at) VALUES "
         "(:id, :sc, :no, :n, :sex, :b, :e, :g, :c, :d, :p, :st, :ca, :ua)",
        soci::use(id), soci::use(school), soci::use(st.student_no), soci::use(st.name), soci::use(st.sex),
        soci::use(st.birth_date, ib), soci::use(st.enrolment_date, ie), soci::use(grade, ig), soci::use(cls, ic),
        soci::use(dorm, id_), soci::use(st.unit_path), soci::use(st.status), soci::use(created), soci::use(updated);
    return absl::OkStatus();
  }

  absl::Status InsertGuardianLinked(soci::session& s, const Guardian& g, int64_t student_id,
                                    const std::string& relation) {
    long long id = g.id, school = g.school_id, created = g.created_at, sid = student_id;
    soci::indicator iph = Ind(g.phone), irel = Ind(relation);
    s << "INSERT INTO guardians (id, school_id, name, phone, created_at) "
         "VALUES (:id, :sc, :n, :ph, :c)",
        soci::use(id), soci::use(school), soci::use(g.name), soci::use(g.phone, iph), soci::use(created);
    s << "INSERT INTO student_guardians (student_id, guardian_id, school_id, relation) "
         "VALUES (:s, :g, :sc, :r)",
        soci::use(sid), soci::use(id), soci::use(school), soci::use(relation, irel);
    return absl::OkStatus();
  }

  // Ends the open membership on date and starts one in cls.
  absl::Status MoveClass(soci::session& s, const Student& cur, const OrgUnit& cls, int64_t grade_id,
                         const std::string& date) {
    long long sid = cur.id, cid = cls.id, gid = grade_id, now = clock_.NowMicros();
    soci::indicator ig = Ind(grade_id);
    std::string path = cls.path, d = date;
    s << "UPDATE class_memberships SET end_date = :d WHERE student_id = :s AND end_date IS NULL", soci::use(d),
        soci::use(sid);
    s << "UPDATE students SET class_id = :c, grade_id = :g, unit_path = :p, updated_at = :u "
         "WHERE id = :s",
        soci::use(cid), soci::use(gid, ig), soci::use(path), soci::use(now), soci::use(sid);
    return InsertMembership(s, cur.school_id, cur.id, cls.id, date);
  }

  absl::Status ApplyRosterIn(soci::session& s, const OrgUnit& school, const std::vector<RosterEntry>& rows, int64_t now,
                             const std::string& today, const ProgressFn& progress, RosterApplyResult& result) {
    const bool higher = IsHigherEd(school.school_kind);
    long long sc = school.id;
    // Existing structure of the school, by name.
    std::map<std::string, OrgUnit> grades, dorms;
    std::map<std::pair<int64_t, std::string>, OrgUnit> classes;
    {
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.school_id = :s", kUnitCols), soci::use(sc));
      for (const auto& r : rs) {
        OrgUnit u = UnitFromRow(r);
        if ((u.kind == kGrade || u.kind == kDepartment) && u.parent_id == school.id)
          grades.emplace(u.name, u);
        else if (u.kind == kDorm)
          dorms.emplace(u.name, u);
        else if (u.kind == kClass)
          classes.emplace(std::make_pair(u.parent_id, u.name), u);
      }
    }
    std::unordered_map<std::string, Student> existing;
    {
      soci::rowset<soci::row> rs = (s.prepare << std::string(kStudentSelect) + "WHERE s.school_id = :s", soci::use(sc));
      for (const auto& r : rs) {
        Student st = StudentFromRow(r).student;
        existing.emplace(st.student_no, std::move(st));
      }
    }
    // guardian name → (guardian id, phone) per student
    std::unordered_map<int64_t, std::map<std::string, std::pair<int64_t, std::string>>> guardians;
    {
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT sg.student_id, g.id, g.name, g.phone FROM student_guardians sg "
                        "JOIN guardians g ON g.id = sg.guardian_id WHERE sg.school_id = :s",
           soci::use(sc));
      for (const auto& r : rs) guardians[GetInt(r, 0)][GetStr(r, 2)] = {GetInt(r, 1), GetStr(r, 3)};
    }
    auto ensure_unit = [&](const OrgUnit& parent, std::string_view kind,
                           const std::string& name) -> absl::StatusOr<OrgUnit> {
      OrgUnit u;
      u.id = NewId();
      u.kind = std::string(kind);
      u.name = name;
      u.created_at = now;
      DeriveFromParent(&parent, u);
      XQ_RETURN_IF_ERROR(InsertUnit(s, u));
      return u;
    };

    size_t done = 0;
    for (const RosterEntry& e : rows) {
      const OrgUnit* parent = &school;
      int64_t grade_id = 0;
      if (!e.grade.empty()) {
        auto it = grades.find(e.grade);
        if (it == grades.end()) {
          XQ_ASSIGN_OR_RETURN(OrgUnit g, ensure_unit(school, higher ? kDepartment : kGrade, e.grade));
          it = grades.emplace(e.grade, std::move(g)).first;
        }
        parent = &it->second;
        grade_id = it->second.id;
      }
      auto ckey = std::make_pair(parent->id, e.class_name);
      auto cit = classes.find(ckey);
      if (cit == classes.end()) {
        XQ_ASSIGN_OR_RETURN(OrgUnit c, ensure_unit(*parent, kClass, e.class_name));
        cit = classes.emplace(ckey, std::move(c)).first;
      }
      const OrgUnit& cls = cit->second;
      int64_t dorm_id = 0;
      if (!e.dorm.empty()) {
        auto dit = dorms.find(e.dorm);
        if (dit == dorms.end()) {
          XQ_ASSIGN_OR_RETURN(OrgUnit d, ensure_unit(school, kDorm, e.dorm));
          dit = dorms.emplace(e.dorm, std::move(d)).first;
        }
        dorm_id = dit->second.id;
      }

      int64_t student_id = 0;
      auto sit = existing.find(e.student_no);
      if (sit == existing.end()) {
        Student st;
        st.id = NewId();
        st.school_id = school.id;
        st.student_no = e.student_no;
        st.name = e.name;
        st.sex = e.sex;
        st.birth_date = e.birth_date;
        st.enrolment_date = e.enrolment_date;
        st.grade_id = grade_id;
        st.class_id = cls.id;
        st.dorm_id = dorm_id;
        st.unit_path = cls.path;
        st.created_at = st.updated_at = now;
        XQ_RETURN_IF_ERROR(InsertStudent(s, st));
        XQ_RETURN_IF_ERROR(
            InsertMembership(s, school.id, st.id, cls.id, e.enrolment_date.empty() ? today : e.enrolment_date));
        student_id = st.id;
        existing.emplace(st.student_no, std::move(st));
        ++result.created;
      } else {
        Student& st = sit->second;
        student_id = st.id;
        if (st.class_id != cls.id) {
          XQ_RETURN_IF_ERROR(MoveClass(s, st, cls, grade_id, today));
          st.class_id = cls.id;
        }
        long long id = st.id, dorm = dorm_id, ts = now;
        soci::indicator ib = Ind(e.birth_date), ie = Ind(e.enrolment_date), id_ = Ind(dorm_id);
        std::string name = e.name, sex = e.sex, birth = e.birth_date, enrol = e.enrolment_date;
        // A blank optional cell keeps what is stored.
        s << "UPDATE students SET name = :n, sex = :sex, "
             "birth_date = COALESCE(:b, birth_date), enrolment_date = COALESCE(:e, enrolment_date), "
             "dorm_id = COALESCE(:d, dorm_id), status = 'active', updated_at = :u WHERE id = :id",
            soci::use(name), soci::use(sex), soci::use(birth, ib), soci::use(enrol, ie), soci::use(dorm, id_),
            soci::use(ts), soci::use(id);
        ++result.updated;
      }
      if (!e.guardian_name.empty()) {
        auto& mine = guardians[student_id];
        auto git = mine.find(e.guardian_name);
        if (git == mine.end()) {
          Guardian g;
          g.id = NewId();
          g.school_id = school.id;
          g.name = e.guardian_name;
          g.phone = e.guardian_phone;
          g.created_at = now;
          XQ_RETURN_IF_ERROR(InsertGuardianLinked(s, g, student_id, ""));
          mine[g.name] = {g.id, g.phone};
        } else if (!e.guardian_phone.empty() && git->second.second != e.guardian_phone) {
          long long gid = git->second.first;
          std::string phone = e.guardian_phone;
          s << "UPDATE guardians SET phone = :p WHERE id = :id", soci::use(phone), soci::use(gid);
          git->second.second = phone;
        }
      }
      ++done;
      if (progress && (done % 1000 == 0 || done == rows.size())) progress(done, rows.size());
    }
    return absl::OkStatus();
  }

  db::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<OrgStore> NewSociOrgStore(db::Database& db, const Clock& clock) {
  return std::make_unique<SociOrgStore>(db, clock);
}

std::string DateOf(int64_t unix_micros) { return FormatRfc3339(unix_micros).substr(0, 10); }

}  // namespace xq::org
