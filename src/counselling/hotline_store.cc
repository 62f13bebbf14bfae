#include "counselling/hotline_store.h"

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::counselling {

std::vector<int64_t> PathIds(const std::string& path) {
  std::vector<int64_t> out;
  size_t i = 1;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) break;
    if (auto id = IdFromString(path.substr(i, j - i))) out.push_back(*id);
    i = j + 1;
  }
  return out;
}

namespace {

HotlineUnit UnitOf(const soci::row& r) {
  return {db::GetInt(r, "id"), db::GetStr(r, "kind"), db::GetStr(r, "name"), db::GetStr(r, "path"),
          db::GetInt(r, "school_id")};
}

constexpr const char* kUnitCols = "SELECT id, kind, name, path, COALESCE(school_id, 0) AS school_id FROM org_units ";

class SociHotlineStore final : public HotlineStore {
 public:
  explicit SociHotlineStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<HotlineUnit>> Unit(int64_t id) override {
    std::optional<HotlineUnit> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kUnitCols) + "WHERE id = :i", soci::use(i));
      for (const auto& r : rows) out = UnitOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<HotlineUnit>> Children(int64_t id) override {
    std::vector<HotlineUnit> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = id;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kUnitCols) + "WHERE parent_id = :i AND kind <> 'dorm' ORDER BY name, id",
           soci::use(i));
      for (const auto& r : rows) out.push_back(UnitOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<HotlineUnit>> SchoolsUnder(const std::string& path) override {
    std::vector<HotlineUnit> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::string p = path;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kUnitCols) +
                            "WHERE kind = 'school' AND (SUBSTR(path, 1, LENGTH(CAST(:p AS TEXT))) = :p2 OR "
                            "SUBSTR(CAST(:p3 AS TEXT), 1, LENGTH(path)) = path) ORDER BY id",
           soci::use(p), soci::use(p), soci::use(p));
      for (const auto& r : rows) out.push_back(UnitOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<HotlineLine>> Lines(int64_t unit_id) override {
    std::vector<HotlineLine> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long u = unit_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT name, number, hours, note FROM hotlines WHERE org_unit_id = :u ORDER BY position, name",
           soci::use(u));
      for (const auto& r : rows)
        out.push_back({db::GetStr(r, 0), db::GetStr(r, 1), db::GetStr(r, 2), db::GetStr(r, 3)});
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status ReplaceLines(const HotlineUnit& unit, const std::vector<HotlineLine>& lines, int64_t by, int64_t now,
                            const audit::InTransaction& after) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long u = unit.id, school = unit.kind == "school" ? unit.school_id : 0, b = by, t = now;
      s << "DELETE FROM hotlines WHERE org_unit_id = :u", soci::use(u);
      int pos = 0;
      for (const auto& l : lines) {
        long long id = NewId();
        s << "INSERT INTO hotlines (id, org_unit_id, name, number, hours, note, school_id, position, created_at) "
             "VALUES (:i, :u, :n, :m, :h, :o, :s, :p, :t)",
            soci::use(id), soci::use(u), soci::use(l.name), soci::use(l.number), soci::use(l.hours), soci::use(l.note),
            soci::use(school), soci::use(pos), soci::use(t);
        ++pos;
      }
      s << "DELETE FROM hotline_changes WHERE org_unit_id = :u", soci::use(u);
      s << "INSERT INTO hotline_changes (org_unit_id, school_id, changed_at, changed_by) VALUES (:u, :s, :t, :b)",
          soci::use(u), soci::use(school), soci::use(t), soci::use(b);
      return after ? after(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> LastChange(const std::vector<int64_t>& unit_ids) override {
    int64_t out = 0;
    if (unit_ids.empty()) return out;
    std::string in;
    for (int64_t id : unit_ids) in += (in.empty() ? "" : ",") + std::to_string(id);
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows =
          (s.prepare << fmt::format("SELECT changed_at FROM hotline_changes WHERE org_unit_id IN ({})", in));
      for (const auto& r : rows) out = std::max(out, db::GetInt(r, 0));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<StudentPlace>> PlaceOf(int64_t student_id) override {
    std::optional<StudentPlace> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = student_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT id, school_id, COALESCE(class_id, 0), unit_path FROM students WHERE id = :i",
           soci::use(i));
      for (const auto& r : rows)
        out = StudentPlace{db::GetInt(r, 0), db::GetInt(r, 1), db::GetInt(r, 2), db::GetStr(r, 3)};
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<AwarenessRecord>> Awareness(const std::string& person_type, int64_t person_id) override {
    std::optional<AwarenessRecord> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = person_id;
      std::string t = person_type;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT person_type, person_id, school_id, class_id, account_id, via, confirmed_at "
                        "FROM hotline_awareness WHERE person_type = :t AND person_id = :i",
           soci::use(t), soci::use(i));
      for (const auto& r : rows)
        out = AwarenessRecord{db::GetStr(r, 0), db::GetInt(r, 1), db::GetInt(r, 2), db::GetInt(r, 3),
                              db::GetInt(r, 4), db::GetStr(r, 5), db::GetInt(r, 6)};
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<int64_t> LastClassMeeting(int64_t class_id) override {
    int64_t out = 0;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long c = class_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT held_at FROM hotline_class_meetings WHERE class_id = :c ORDER BY held_at DESC LIMIT 1",
           soci::use(c));
      for (const auto& r : rows) out = db::GetInt(r, 0);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status Confirm(const AwarenessRecord& r, const audit::InTransaction& after) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long pid = r.person_id, school = r.school_id, cls = r.class_id, acc = r.account_id, at = r.confirmed_at;
      s << "DELETE FROM hotline_awareness WHERE person_type = :t AND person_id = :i", soci::use(r.person_type),
          soci::use(pid);
      s << "INSERT INTO hotline_awareness (person_type, person_id, school_id, class_id, account_id, via, confirmed_at) "
           "VALUES (:t, :i, :s, :c, :a, :v, :at)",
          soci::use(r.person_type), soci::use(pid), soci::use(school), soci::use(cls), soci::use(acc), soci::use(r.via),
          soci::use(at);
      return after ? after(s) : absl::OkStatus();
    });
  }

  absl::Status MarkClassMeeting(int64_t school_id, int64_t class_id, int64_t by, int64_t now,
                                const audit::InTransaction& after) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = NewId(), school = school_id, c = class_id, b = by, t = now;
      s << "INSERT INTO hotline_class_meetings (id, school_id, class_id, held_at, marked_by) "
           "VALUES (:i, :s, :c, :t, :b)",
          soci::use(id), soci::use(school), soci::use(c), soci::use(t), soci::use(b);
      return after ? after(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<ClassCount>> CountByClass(int64_t school_id, const std::string& within_path,
                                                       int64_t since) override {
    std::vector<ClassCount> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long school = school_id, t = since;
      std::string p = within_path;
      soci::rowset<soci::row> rows =
          (s.prepare
               << "SELECT st.class_id, MAX(u.path), COUNT(*), SUM(CASE WHEN a.confirmed_at >= :t THEN 1 ELSE 0 END) "
                  "FROM students st JOIN org_units u ON u.id = st.class_id "
                  "LEFT JOIN hotline_awareness a ON a.person_type = 'student' AND a.person_id = st.id "
                  "WHERE st.school_id = :s AND st.status = 'active' "
                  "AND SUBSTR(st.unit_path, 1, LENGTH(CAST(:p AS TEXT))) = :p2 "
                  "GROUP BY st.class_id ORDER BY st.class_id",
           soci::use(t), soci::use(school), soci::use(p), soci::use(p));
      for (const auto& r : rows)
        out.push_back({db::GetInt(r, 0), db::GetStr(r, 1), db::GetInt(r, 2), db::GetInt(r, 3)});
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<HotlineStore> NewSociHotlineStore(db::Database& db) { return std::make_unique<SociHotlineStore>(db); }

}  // namespace xq::counselling
