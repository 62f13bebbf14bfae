#include "records/records_store.h"

#include <map>

#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::records {
namespace {

using db::GetInt;
using db::GetStr;

std::optional<double> GetNum(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) return std::nullopt;
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_double:
      return r.get<double>(i);
    case soci::dt_string:
      return std::stod(r.get<std::string>(i));
    default:
      return static_cast<double>(GetInt(r, i));
  }
}

constexpr const char* kRecordCols =
    "r.id, r.kind, r.school_id, r.unit_id, r.unit_path, r.school_year, r.created_by, r.created_at, "
    "r.updated_at, u.name";

Record RecordFromRow(const soci::row& row) {
  Record r;
  r.id = GetInt(row, 0);
  r.kind = GetStr(row, 1);
  r.school_id = GetInt(row, 2);
  r.unit_id = GetInt(row, 3);
  r.unit_path = GetStr(row, 4);
  r.school_year = static_cast<int>(GetInt(row, 5));
  r.created_by = GetInt(row, 6);
  r.created_at = GetInt(row, 7);
  r.updated_at = GetInt(row, 8);
  r.unit_name = GetStr(row, 9);
  return r;
}

// Fills the values of the records (one query for the page).
void LoadValues(soci::session& s, std::vector<Record>& recs) {
  if (recs.empty()) return;
  std::map<int64_t, Record*> by_id;
  std::string ids;
  for (Record& r : recs) {
    by_id[r.id] = &r;
    ids += (ids.empty() ? "" : ",") + std::to_string(r.id);
  }
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT record_id, field, num, txt FROM work_record_values WHERE record_id IN (" + ids + ")");
  for (const auto& row : rows) {
    auto it = by_id.find(GetInt(row, 0));
    if (it == by_id.end()) continue;
    Value v;
    v.num = GetNum(row, 2);
    v.text = GetStr(row, 3);
    it->second->values[GetStr(row, 1)] = std::move(v);
  }
}

class SociRecordsStore final : public RecordsStore {
 public:
  explicit SociRecordsStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<UnitInfo>> GetUnit(int64_t id) override {
    std::optional<UnitInfo> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT id, kind, name, path, school_id, school_kind FROM org_units WHERE id = :id",
           soci::use(static_cast<long long>(id)));
      for (const auto& r : rows) {
        out = UnitInfo{GetInt(r, 0), GetStr(r, 1), GetStr(r, 2), GetStr(r, 3), GetInt(r, 4), GetStr(r, 5)};
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<RecordPage> List(const ListQuery& q) override {
    RecordPage page;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      const std::string like = q.scope_path + "%";
      const long long year = q.school_year;
      const long long after = q.after_id;
      const std::string where =
          "WHERE r.kind = :kind AND (:y1 = 0 OR r.school_year = :y2) AND r.unit_path LIKE :scope ";
      long long total = 0;
      s << "SELECT COUNT(*) FROM work_records r " + where, soci::use(q.kind, "kind"), soci::use(year, "y1"),
          soci::use(year, "y2"), soci::use(like, "scope"), soci::into(total);
      page.total = total;
      const long long limit = q.page_size + 1;
      soci::rowset<soci::row> rows =
          (s.prepare << fmt::format("SELECT {} FROM work_records r LEFT JOIN org_units u ON u.id = r.unit_id {}"
                                    "AND r.id > :after ORDER BY r.id LIMIT :lim",
                                    kRecordCols, where),
           soci::use(q.kind, "kind"), soci::use(year, "y1"), soci::use(year, "y2"), soci::use(like, "scope"),
           soci::use(after, "after"), soci::use(limit, "lim"));
      for (const auto& r : rows) page.items.push_back(RecordFromRow(r));
      if (static_cast<int>(page.items.size()) > q.page_size) {
        page.items.pop_back();
        page.next_after = page.items.back().id;
      }
      LoadValues(s, page.items);
      return absl::OkStatus();
    }));
    return page;
  }

  absl::StatusOr<std::optional<Record>> Get(int64_t id) override {
    std::optional<Record> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      std::vector<Record> recs;
      soci::rowset<soci::row> rows =
          (s.prepare << fmt::format("SELECT {} FROM work_records r LEFT JOIN org_units u ON u.id = r.unit_id "
                                    "WHERE r.id = :id",
                                    kRecordCols),
           soci::use(static_cast<long long>(id)));
      for (const auto& r : rows) recs.push_back(RecordFromRow(r));
      LoadValues(s, recs);
      if (!recs.empty()) out = std::move(recs.front());
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status Insert(const Record& r, const audit::InTransaction& then) override {
    return db_.InTransaction([&](soci::session& s) {
      XQ_RETURN_IF_ERROR(InsertRecordsIn(s, {r}));
      return then ? then(s) : absl::OkStatus();
    });
  }

  absl::Status Update(const Record& r, const audit::InTransaction& then) override {
    return db_.InTransaction([&](soci::session& s) {
      const long long id = r.id, by = r.created_by, at = r.updated_at;
      s << "UPDATE work_records SET updated_by = :by, updated_at = :at WHERE id = :id", soci::use(by), soci::use(at),
          soci::use(id);
      s << "DELETE FROM work_record_values WHERE record_id = :id", soci::use(id);
      XQ_RETURN_IF_ERROR(InsertValues(s, r));
      return then ? then(s) : absl::OkStatus();
    });
  }

  absl::Status Delete(int64_t id, const audit::InTransaction& then) override {
    return db_.InTransaction([&](soci::session& s) {
      const long long i = id;
      s << "DELETE FROM work_record_values WHERE record_id = :id", soci::use(i);
      s << "DELETE FROM work_records WHERE id = :id", soci::use(i);
      return then ? then(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> Replace(const std::string& kind, int64_t unit_id, int school_year,
                                  const std::vector<Record>& records, const audit::InTransaction& then) override {
    long long replaced = 0;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      const long long u = unit_id, y = school_year;
      s << "SELECT COUNT(*) FROM work_records WHERE kind = :k AND unit_id = :u AND school_year = :y", soci::use(kind),
          soci::use(u), soci::use(y), soci::into(replaced);
      s << "DELETE FROM work_record_values WHERE record_id IN (SELECT id FROM work_records WHERE kind = :k AND "
           "unit_id = :u AND school_year = :y)",
          soci::use(kind), soci::use(u), soci::use(y);
      s << "DELETE FROM work_records WHERE kind = :k AND unit_id = :u AND school_year = :y", soci::use(kind),
          soci::use(u), soci::use(y);
      XQ_RETURN_IF_ERROR(InsertRecordsIn(s, records));
      return then ? then(s) : absl::OkStatus();
    }));
    return replaced;
  }

  absl::StatusOr<int64_t> Count(const std::string& kind, int64_t unit_id, int school_year) override {
    long long n = 0;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      const long long u = unit_id, y = school_year;
      s << "SELECT COUNT(*) FROM work_records WHERE kind = :k AND unit_id = :u AND school_year = :y", soci::use(kind),
          soci::use(u), soci::use(y), soci::into(n);
      return absl::OkStatus();
    }));
    return n;
  }

 private:
  static absl::Status InsertValues(soci::session& s, const Record& r) {
    for (const auto& [field, v] : r.values) {
      long long id = r.id, school = r.school_id;
      double num = v.num.value_or(0);
      soci::indicator ind = v.num ? soci::i_ok : soci::i_null;
      std::string f = field, txt = v.text;
      s << "INSERT INTO work_record_values (record_id, school_id, field, num, txt) VALUES (:r, :s, :f, :n, :t)",
          soci::use(id), soci::use(school), soci::use(f), soci::use(num, ind), soci::use(txt);
    }
    return absl::OkStatus();
  }

  db::Database& db_;
};

}  // namespace

absl::Status InsertRecordsIn(soci::session& s, const std::vector<Record>& records) {
  if (records.empty()) return absl::OkStatus();
  long long id = 0, school = 0, unit = 0, year = 0, by = 0, at = 0;
  std::string kind, path;
  soci::statement rec =
      (s.prepare << "INSERT INTO work_records (id, kind, school_id, unit_id, unit_path, school_year, created_by, "
                    "created_at, updated_by, updated_at) VALUES (:id, :kind, :school, :unit, :path, :year, :by, "
                    ":at, :by2, :at2)",
       soci::use(id), soci::use(kind), soci::use(school), soci::use(unit), soci::use(path), soci::use(year),
       soci::use(by), soci::use(at), soci::use(by), soci::use(at));
  std::string field, txt;
  double num = 0;
  soci::indicator ind = soci::i_ok;
  soci::statement val =
      (s.prepare << "INSERT INTO work_record_values (record_id, school_id, field, num, txt) VALUES (:r, :s, :f, "
                    ":n, :t)",
       soci::use(id), soci::use(school), soci::use(field), soci::use(num, ind), soci::use(txt));
  for (const Record& r : records) {
    id = r.id;
    kind = r.kind;
    school = r.school_id;
    unit = r.unit_id;
    path = r.unit_path;
    year = r.school_year;
    by = r.created_by;
    at = r.created_at;
    rec.execute(true);
    for (const auto& [f, v] : r.values) {
      field = f;
      txt = v.text;
      num = v.num.value_or(0);
      ind = v.num ? soci::i_ok : soci::i_null;
      val.execute(true);
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<RecordsStore> NewSociRecordsStore(db::Database& db) { return std::make_unique<SociRecordsStore>(db); }

}  // namespace xq::records
