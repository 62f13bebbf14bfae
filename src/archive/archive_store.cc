#include "archive/archive_store.h"

#include <map>
#include <utility>

#include "archive/quota.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::archive {
namespace {

using db::GetInt;
using db::GetStr;

// Quoted list of fixed class names (never user input: the service passes
// names it chose from a fixed set).
std::string InList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) {
    if (x.size() != 2 || x[0] != 'D' || x[1] < '0' || x[1] > '9') continue;
    if (!out.empty()) out += ',';
    out += '\'' + x + '\'';
  }
  return out;
}

TimelineEntry EntryFromRow(const soci::row& r) {
  TimelineEntry e;
  e.event_id = GetInt(r, 0);
  e.school_id = GetInt(r, 1);
  e.student_id = GetInt(r, 2);
  e.kind = GetStr(r, 3);
  e.data_class = GetStr(r, 4);
  e.summary_zh = GetStr(r, 5);
  e.ref_type = GetStr(r, 6);
  e.ref_id = GetStr(r, 7);
  e.author_account_id = GetInt(r, 8);
  e.occurred_at = GetInt(r, 9);
  return e;
}

constexpr char kContactCols[] =
    "c.id, c.school_id, c.student_id, c.unit_path, c.kind, c.contact_date, c.mode, c.summary, c.follow_up, "
    "c.author_account_id, c.author_role, c.author_name, c.school_year, c.created_at, s.name";

Contact ContactFromRow(const soci::row& r) {
  Contact c;
  c.id = GetInt(r, 0);
  c.school_id = GetInt(r, 1);
  c.student_id = GetInt(r, 2);
  c.unit_path = GetStr(r, 3);
  c.kind = GetStr(r, 4);
  c.contact_date = GetStr(r, 5);
  c.mode = GetStr(r, 6);
  c.summary = GetStr(r, 7);
  c.follow_up = GetStr(r, 8);
  c.author_account_id = GetInt(r, 9);
  c.author_role = GetStr(r, 10);
  c.author_name = GetStr(r, 11);
  c.school_year = static_cast<int>(GetInt(r, 12));
  c.created_at = GetInt(r, 13);
  c.student_name = GetStr(r, 14);
  return c;
}

class SociArchiveStore final : public ArchiveStore {
 public:
  explicit SociArchiveStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<StudentArchive>> FindStudent(int64_t student_id, int64_t now) override {
    std::optional<StudentArchive> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long id = student_id, at = now;
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT st.id, st.school_id, st.name, COALESCE(c.name, ''), st.unit_path, "
                        "COALESCE(st.birth_date, '') FROM students st LEFT JOIN org_units c ON c.id = st.class_id "
                        "WHERE st.id = :id",
           soci::use(id));
      for (const auto& r : rs) {
        StudentArchive a;
        a.student_id = GetInt(r, 0);
        a.school_id = GetInt(r, 1);
        a.name = GetStr(r, 2);
        a.class_name = GetStr(r, 3);
        a.unit_path = GetStr(r, 4);
        a.birth_date = GetStr(r, 5);
        a.archive_path = a.unit_path;
        a.archive_school_id = a.school_id;
        out = std::move(a);
      }
      if (!out) return absl::OkStatus();
      // The newest transfer decides who holds the archive: a consented one
      // moves it to the receiving school (until the roster moves the
      // student there too); a refused one leaves it where it is.
      soci::rowset<soci::row> tr = (s.prepare << "SELECT t.consent, t.to_school_id, u.path FROM archive_transfers t "
                                                 "JOIN org_units u ON u.id = t.to_school_id WHERE t.student_id = :id "
                                                 "ORDER BY t.created_at DESC, t.id DESC LIMIT 1",
                                    soci::use(id));
      for (const auto& r : tr) {
        if (GetStr(r, 0) == "given" && GetInt(r, 1) != out->school_id) {
          out->archive_school_id = GetInt(r, 1);
          out->archive_path = GetStr(r, 2);
          out->transferred_in = true;
        }
      }
      soci::rowset<soci::row> lv =
          (s.prepare << "SELECT level, guidance, expires_at FROM attention_levels WHERE student_id = :id "
                        "AND state = 'active' AND expires_at > :now",
           soci::use(id), soci::use(at));
      for (const auto& r : lv) {
        out->attention_level = static_cast<int>(GetInt(r, 0));
        out->attention_guidance = GetStr(r, 1);
        out->attention_expires_at = GetInt(r, 2);
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<TimelineEntry>> ListTimeline(const TimelineQuery& q) override {
    std::vector<TimelineEntry> out;
    const std::string full = InList(q.classes), own = InList(q.own_classes);
    if (full.empty() && own.empty()) return out;
    std::string visible;
    if (!full.empty()) visible = fmt::format("t.data_class IN ({})", full);
    if (!own.empty()) {
      if (!visible.empty()) visible += " OR ";
      visible += fmt::format("(t.data_class IN ({}) AND t.author_account_id = :me)", own);
    }
    const std::string sql = fmt::format(
        // Columns of a UNION have no declared type on SQLite: SOCI would
        // read them as 32-bit integers without the casts.
        "SELECT CAST(t.event_id AS BIGINT), CAST(t.school_id AS BIGINT), CAST(t.student_id AS BIGINT), t.kind, "
        "t.data_class, t.summary_zh, t.ref_type, t.ref_id, CAST(t.author_account_id AS BIGINT), "
        "CAST(t.occurred_at AS BIGINT) FROM ("
        "SELECT event_id, school_id, student_id, kind, data_class, summary_zh, ref_type, ref_id, author_account_id, "
        "occurred_at FROM archive_timeline WHERE student_id = :s1 "
        "UNION ALL "
        "SELECT sub.id, sub.school_id, sub.student_id, 'screening.submitted', 'D3', '完成了一次心理健康小调查', "
        "'submission', CAST(sub.id AS TEXT), 0, sub.submitted_at FROM screening_assignments a "
        "JOIN screening_submissions sub ON sub.id = a.submission_id WHERE a.student_id = :s2"
        ") t WHERE ({}) AND (:m1 = '' OR t.kind LIKE :m2) AND "
        "(CAST(:b0 AS BIGINT) = 0 OR t.occurred_at < :b1 OR (t.occurred_at = :b2 AND t.event_id < :b3)) "
        "ORDER BY t.occurred_at DESC, t.event_id DESC LIMIT :n",
        visible);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long s1 = q.student_id, s2 = q.student_id, me = q.me, b0 = q.before_at, b1 = q.before_at, b2 = q.before_at,
                b3 = q.before_id, n = q.limit;
      std::string m1 = q.module, m2 = q.module + ".%";
      soci::statement st = (s.prepare << sql);
      soci::row r;
      st.exchange(soci::use(s1, "s1"));
      st.exchange(soci::use(s2, "s2"));
      if (!own.empty()) st.exchange(soci::use(me, "me"));
      st.exchange(soci::use(m1, "m1"));
      st.exchange(soci::use(m2, "m2"));
      st.exchange(soci::use(b0, "b0"));
      st.exchange(soci::use(b1, "b1"));
      st.exchange(soci::use(b2, "b2"));
      st.exchange(soci::use(b3, "b3"));
      st.exchange(soci::use(n, "n"));
      st.exchange(soci::into(r));
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) out.push_back(EntryFromRow(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::string> AccountName(int64_t account_id) override {
    std::string name;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long id = account_id;
      soci::rowset<soci::row> rs = (s.prepare << "SELECT display_name FROM accounts WHERE id = :id", soci::use(id));
      for (const auto& r : rs) name = GetStr(r, 0);
      return absl::OkStatus();
    }));
    return name;
  }

  absl::Status InsertContact(const Contact& c, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = c.id, school = c.school_id, student = c.student_id, author = c.author_account_id,
                year = c.school_year, at = c.created_at;
      s << "INSERT INTO archive_contacts (id, school_id, student_id, unit_path, kind, contact_date, mode, summary, "
           "follow_up, author_account_id, author_role, author_name, school_year, created_at) VALUES "
           "(:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, :l, :m, :n)",
          soci::use(id), soci::use(school), soci::use(student), soci::use(c.unit_path), soci::use(c.kind),
          soci::use(c.contact_date), soci::use(c.mode), soci::use(c.summary), soci::use(c.follow_up), soci::use(author),
          soci::use(c.author_role), soci::use(c.author_name), soci::use(year), soci::use(at);
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<Contact>> ListContacts(const ContactQuery& q) override {
    std::vector<Contact> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long student = q.student_id, a0 = q.only_author, a1 = q.only_author, b0 = q.before_id, b1 = q.before_id,
                n = q.limit;
      std::string k0 = q.kind, k1 = q.kind;
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format(
               "SELECT {} FROM archive_contacts c JOIN students s ON s.id = c.student_id "
               "WHERE c.student_id = :st AND (:k0 = '' OR c.kind = :k1) AND "
               "(CAST(:a0 AS BIGINT) = 0 OR c.author_account_id = :a1) AND (CAST(:b0 AS BIGINT) = 0 OR c.id < :b1) "
               "ORDER BY c.id DESC LIMIT :n",
               kContactCols),
           soci::use(student), soci::use(k0), soci::use(k1), soci::use(a0), soci::use(a1), soci::use(b0), soci::use(b1),
           soci::use(n));
      for (const auto& r : rs) out.push_back(ContactFromRow(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<QuotaCounts>> CountsOf(int64_t account_id, int school_year) override {
    std::vector<QuotaCounts> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(auto all, CountsIn(s, 0, account_id, school_year));
      for (auto& [staff, counts] : all) out.push_back(std::move(counts));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<std::pair<StaffQuota, QuotaCounts>>> SchoolCounts(int64_t school_id,
                                                                               int school_year) override {
    std::vector<std::pair<StaffQuota, QuotaCounts>> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, CountsIn(s, school_id, 0, school_year));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> School(int64_t id) override {
    std::optional<std::pair<std::string, std::string>> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long lid = id;
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT path, name FROM org_units WHERE id = :id AND kind = 'school'", soci::use(lid));
      for (const auto& r : rs) out = std::make_pair(GetStr(r, 0), GetStr(r, 1));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status InsertTransfer(const Transfer& t, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = t.id, school = t.school_id, student = t.student_id, to = t.to_school_id, by = t.recorded_by,
                at = t.created_at;
      s << "INSERT INTO archive_transfers (id, school_id, student_id, to_school_id, consent, consented_by, "
           "consenter_name, consented_on, recorded_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j)",
          soci::use(id), soci::use(school), soci::use(student), soci::use(to), soci::use(t.consent),
          soci::use(t.consented_by), soci::use(t.consenter_name), soci::use(t.consented_on), soci::use(by),
          soci::use(at);
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<Transfer>> ListTransfers(int64_t student_id) override {
    std::vector<Transfer> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long id = student_id;
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT t.id, t.school_id, t.student_id, t.to_school_id, u.name, t.consent, t.consented_by, "
                        "t.consenter_name, t.consented_on, t.recorded_by, t.created_at FROM archive_transfers t "
                        "JOIN org_units u ON u.id = t.to_school_id WHERE t.student_id = :id ORDER BY t.created_at DESC",
           soci::use(id));
      for (const auto& r : rs) {
        Transfer t;
        t.id = GetInt(r, 0);
        t.school_id = GetInt(r, 1);
        t.student_id = GetInt(r, 2);
        t.to_school_id = GetInt(r, 3);
        t.to_school_name = GetStr(r, 4);
        t.consent = GetStr(r, 5);
        t.consented_by = GetStr(r, 6);
        t.consenter_name = GetStr(r, 7);
        t.consented_on = GetStr(r, 8);
        t.recorded_by = GetInt(r, 9);
        t.created_at = GetInt(r, 10);
        out.push_back(std::move(t));
      }
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<ArchiveStore> NewSociArchiveStore(db::Database& db) { return std::make_unique<SociArchiveStore>(db); }

absl::StatusOr<bool> InsertTimelineIn(soci::session& s, const TimelineEntry& e) {
  long long id = e.event_id, school = e.school_id, student = e.student_id, author = e.author_account_id,
            at = e.occurred_at;
  soci::statement st =
      (s.prepare << "INSERT INTO archive_timeline (event_id, school_id, student_id, kind, data_class, summary_zh, "
                    "ref_type, ref_id, author_account_id, occurred_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j) "
                    "ON CONFLICT (event_id) DO NOTHING",
       soci::use(id), soci::use(school), soci::use(student), soci::use(e.kind), soci::use(e.data_class),
       soci::use(e.summary_zh), soci::use(e.ref_type), soci::use(e.ref_id), soci::use(author), soci::use(at));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

absl::StatusOr<std::vector<std::pair<StaffQuota, QuotaCounts>>> CountsIn(soci::session& s, int64_t school_id,
                                                                         int64_t account_id, int school_year) {
  // (account, role) -> counts; head teachers also get their classes.
  std::map<std::pair<int64_t, std::string>, std::pair<StaffQuota, QuotaCounts>> by;
  long long s0 = school_id, s1 = school_id, a0 = account_id, a1 = account_id, year = school_year;
  // For one school, a plain equality, which the school indexes serve (the
  // OR form read every role and every contact of the city per school).
  auto school_is = [&](const char* column) {
    return school_id != 0 ? fmt::format("{} = :s1 AND CAST(:s0 AS BIGINT) <> 0", column)
                          : fmt::format("(CAST(:s0 AS BIGINT) = 0 OR {} = :s1)", column);
  };
  soci::rowset<soci::row> roles =
      (s.prepare << "SELECT r.account_id, r.role, r.org_unit_id, a.display_name FROM role_assignments r "
                    "JOIN accounts a ON a.id = r.account_id WHERE " +
                        school_is("r.school_id") +
                        " AND (CAST(:a0 AS BIGINT) = 0 OR r.account_id = :a1) AND "
                        "a.disabled = 0 AND r.role IN "
                        "('school_leader', 'grade_head', 'head_teacher', 'subject_teacher') ORDER BY a.display_name",
       soci::use(s0), soci::use(s1), soci::use(a0), soci::use(a1));
  std::vector<std::pair<std::pair<int64_t, std::string>, int64_t>> classes;
  for (const auto& r : roles) {
    auto key = std::make_pair(GetInt(r, 0), GetStr(r, 1));
    auto& [staff, counts] = by[key];
    staff.account_id = key.first;
    staff.name = GetStr(r, 3);
    counts.role = key.second;
    if (key.second == "head_teacher") classes.push_back({key, GetInt(r, 2)});
  }
  // Home visits per author and role in the school year.
  soci::rowset<soci::row> visits =
      (s.prepare << "SELECT author_account_id, author_role, contact_date FROM archive_contacts "
                    "WHERE " +
                        school_is("school_id") +
                        " AND (CAST(:a0 AS BIGINT) = 0 OR "
                        "author_account_id = :a1) AND "
                        "school_year = :y AND kind = 'home_visit'",
       soci::use(s0), soci::use(s1), soci::use(a0), soci::use(a1), soci::use(year));
  for (const auto& r : visits) {
    auto it = by.find({GetInt(r, 0), GetStr(r, 1)});
    if (it == by.end()) continue;
    QuotaCounts& c = it->second.second;
    ++c.visits;
    const int start = SemesterStartOf(GetStr(r, 2));
    if (start == 1) ++c.first_semester_start;
    if (start == 2) ++c.second_semester_start;
  }
  for (const auto& [key, class_id] : classes) {
    long long cls = class_id, author = key.first, y = school_year;
    long long n = 0, visited = 0;
    s << "SELECT COUNT(*) FROM students WHERE class_id = :c AND status = 'active'", soci::use(cls), soci::into(n);
    s << "SELECT COUNT(DISTINCT v.student_id) FROM archive_contacts v JOIN students st ON st.id = v.student_id "
         "WHERE v.author_account_id = :a AND v.kind = 'home_visit' AND v.school_year = :y AND st.class_id = :c",
        soci::use(author), soci::use(y), soci::use(cls), soci::into(visited);
    QuotaCounts& c = by[key].second;
    c.class_students += n;
    c.class_students_visited += visited;
  }
  std::vector<std::pair<StaffQuota, QuotaCounts>> out;
  for (auto& [key, v] : by) {
    v.first.progress = Progress(v.second);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace xq::archive
