#include "indicators/indicator_store.h"

#include <cstdio>
#include <sstream>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::indicators {
namespace {

constexpr const char* kUnitCols =
    "u.id, u.kind, u.name, u.path, COALESCE(u.school_kind, ''), COALESCE(u.district_id, 0), "
    "COALESCE(u.parent_id, 0)";

double GetDouble(const soci::row& r, size_t pos) {
  if (r.get_indicator(pos) == soci::i_null) return 0;
  switch (r.get_properties(pos).get_data_type()) {
    case soci::dt_double:
      return r.get<double>(pos);
    case soci::dt_integer:
      return r.get<int>(pos);
    case soci::dt_long_long:
      return static_cast<double>(r.get<long long>(pos));
    default:
      return static_cast<double>(db::GetInt(r, pos));
  }
}

UnitRef UnitFromRow(const soci::row& r) {
  UnitRef u;
  u.id = db::GetInt(r, size_t{0});
  u.kind = db::GetStr(r, size_t{1});
  u.name = db::GetStr(r, size_t{2});
  u.path = db::GetStr(r, size_t{3});
  u.school_kind = db::GetStr(r, size_t{4});
  u.district_id = db::GetInt(r, size_t{5});
  u.parent_id = db::GetInt(r, size_t{6});
  return u;
}

std::string LikePrefix(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

Value ValueFromRow(const soci::row& r, int first) {
  Value v;
  v.indicator_id = db::GetStr(r, static_cast<size_t>(first));
  v.num = GetDouble(r, static_cast<size_t>(first + 1));
  v.den = GetDouble(r, static_cast<size_t>(first + 2));
  v.units = db::GetInt(r, static_cast<size_t>(first + 3));
  return v;
}

class SociIndicatorStore : public IndicatorStore {
 public:
  absl::StatusOr<std::optional<UnitRef>> Unit(soci::session& s, int64_t id) override {
    long long uid = id;
    soci::rowset<soci::row> rs =
        (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.id = :id", kUnitCols), soci::use(uid));
    for (const auto& r : rs) return std::optional<UnitRef>(UnitFromRow(r));
    return std::optional<UnitRef>();
  }

  absl::StatusOr<std::vector<UnitRef>> Children(soci::session& s, int64_t id) override {
    long long uid = id;
    std::vector<UnitRef> out;
    soci::rowset<soci::row> rs = (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.parent_id = :id "
                                                           "AND u.kind IN ('district', 'school') ORDER BY u.id",
                                                           kUnitCols),
                                  soci::use(uid));
    for (const auto& r : rs) out.push_back(UnitFromRow(r));
    return out;
  }

  absl::StatusOr<std::vector<UnitRef>> UnitsUnder(soci::session& s, const std::string& path, bool schools,
                                                  int64_t after, int limit) override {
    std::string like = LikePrefix(path);
    long long a = after, n = limit;
    std::vector<UnitRef> out;
    const char* kinds = schools ? "('school')" : "('district', 'city')";
    soci::rowset<soci::row> rs =
        (s.prepare << fmt::format("SELECT {} FROM org_units u WHERE u.path LIKE :p ESCAPE '\\' AND u.kind IN {} "
                                  "AND u.id > :a ORDER BY u.id LIMIT :n",
                                  kUnitCols, kinds),
         soci::use(like), soci::use(a), soci::use(n));
    for (const auto& r : rs) out.push_back(UnitFromRow(r));
    return out;
  }

  absl::StatusOr<Facts> ReadFacts(soci::session& s, int64_t unit_id, int year) override {
    long long u = unit_id;
    int y = year;
    Facts f;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT name, value FROM indicator_facts WHERE unit_id = :u AND school_year = :y", soci::use(u),
         soci::use(y));
    for (const auto& r : rs) f[db::GetStr(r, size_t{0})] = GetDouble(r, 1);
    return f;
  }

  absl::Status WriteFacts(soci::session& s, int64_t unit_id, int64_t school_id, int year, const Facts& facts,
                          int64_t now) override {
    long long u = unit_id, sc = school_id, t = now;
    int y = year;
    s << "DELETE FROM indicator_facts WHERE unit_id = :u AND school_year = :y", soci::use(u), soci::use(y);
    for (const auto& [name, value] : facts) {
      std::string n = name;
      double v = value;
      s << "INSERT INTO indicator_facts (unit_id, school_id, school_year, name, value, updated_at) "
           "VALUES (:u, :s, :y, :n, :v, :t)",
          soci::use(u), soci::use(sc), soci::use(y), soci::use(n), soci::use(v), soci::use(t);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Value>> Values(soci::session& s, int64_t unit_id, int year) override {
    long long u = unit_id;
    int y = year;
    std::vector<Value> out;
    soci::rowset<soci::row> rs = (s.prepare << "SELECT indicator_id, num, den, units FROM indicator_values "
                                               "WHERE unit_id = :u AND school_year = :y",
                                  soci::use(u), soci::use(y));
    for (const auto& r : rs) out.push_back(ValueFromRow(r, 0));
    return out;
  }

  absl::StatusOr<std::map<int64_t, std::vector<Value>>> ValuesOf(soci::session& s, const std::vector<int64_t>& ids,
                                                                 int year) override {
    std::map<int64_t, std::vector<Value>> out;
    // In chunks: one statement per 500 units.
    for (size_t i = 0; i < ids.size(); i += 500) {
      std::string list;
      for (size_t j = i; j < ids.size() && j < i + 500; ++j) {
        if (!list.empty()) list += ',';
        list += std::to_string(ids[j]);
      }
      int y = year;
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT unit_id, indicator_id, num, den, units FROM indicator_values "
                                    "WHERE school_year = :y AND unit_id IN ({})",
                                    list),
           soci::use(y));
      for (const auto& r : rs) out[db::GetInt(r, size_t{0})].push_back(ValueFromRow(r, 1));
    }
    return out;
  }

  absl::StatusOr<std::vector<int>> Years(soci::session& s, int64_t unit_id) override {
    long long u = unit_id;
    std::vector<int> out;
    soci::rowset<soci::row> rs = (s.prepare << "SELECT DISTINCT school_year FROM indicator_values "
                                               "WHERE unit_id = :u ORDER BY school_year",
                                  soci::use(u));
    for (const auto& r : rs) out.push_back(static_cast<int>(db::GetInt(r, size_t{0})));
    return out;
  }

  absl::Status AddValue(soci::session& s, int64_t unit_id, int64_t school_id, int year, const std::string& indicator_id,
                        double dnum, double dden, int64_t dunits, int64_t now) override {
    long long u = unit_id, sc = school_id, du = dunits, t = now;
    int y = year;
    std::string id = indicator_id;
    soci::statement up =
        (s.prepare << "UPDATE indicator_values SET num = num + :a, den = den + :b, "
                      "units = units + :c, updated_at = :t "
                      "WHERE unit_id = :u AND school_year = :y AND indicator_id = :i",
         soci::use(dnum), soci::use(dden), soci::use(du), soci::use(t), soci::use(u), soci::use(y), soci::use(id));
    up.execute(true);
    if (up.get_affected_rows() > 0) return absl::OkStatus();
    s << "INSERT INTO indicator_values (unit_id, school_id, school_year, indicator_id, num, den, units, "
         "updated_at) VALUES (:u, :s, :y, :i, :a, :b, :c, :t)",
        soci::use(u), soci::use(sc), soci::use(y), soci::use(id), soci::use(dnum), soci::use(dden), soci::use(du),
        soci::use(t);
    return absl::OkStatus();
  }

  absl::Status ClearYear(soci::session& s, int year) override {
    int y = year;
    s << "DELETE FROM indicator_facts WHERE school_year = :y", soci::use(y);
    s << "DELETE FROM indicator_values WHERE school_year = :y", soci::use(y);
    return absl::OkStatus();
  }

  absl::StatusOr<std::map<int64_t, std::vector<Value>>> AllValues(soci::session& s, int year) override {
    int y = year;
    std::map<int64_t, std::vector<Value>> out;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT unit_id, indicator_id, num, den, units FROM indicator_values "
                      "WHERE school_year = :y AND (units <> 0 OR num <> 0 OR den <> 0) ORDER BY unit_id, indicator_id",
         soci::use(y));
    for (const auto& r : rs) out[db::GetInt(r, size_t{0})].push_back(ValueFromRow(r, 1));
    return out;
  }

  absl::Status Mark(soci::session& s, int64_t unit_id, int64_t school_id, int year, int64_t now, bool prompt) override {
    long long u = unit_id, sc = school_id, t = prompt ? RefreshMark::kPrompt : now;
    int y = year;
    if (prompt)
      s << "INSERT INTO indicator_refresh_marks (unit_id, school_id, school_year, marked_at, version) "
           "VALUES (:u, :s, :y, :t, 1) ON CONFLICT (unit_id, school_year) "
           "DO UPDATE SET version = indicator_refresh_marks.version + 1, marked_at = excluded.marked_at",
          soci::use(u), soci::use(sc), soci::use(y), soci::use(t);
    else
      s << "INSERT INTO indicator_refresh_marks (unit_id, school_id, school_year, marked_at, version) "
           "VALUES (:u, :s, :y, :t, 1) ON CONFLICT (unit_id, school_year) "
           "DO UPDATE SET version = indicator_refresh_marks.version + 1",
          soci::use(u), soci::use(sc), soci::use(y), soci::use(t);
    return absl::OkStatus();
  }

  absl::Status MarkAll(soci::session& s, int year, int64_t now) override {
    long long t = now;
    int y = year;
    // (SQLite reads ON CONFLICT after INSERT … SELECT only when the SELECT
    // has a WHERE clause.)
    s << "INSERT INTO indicator_refresh_marks (unit_id, school_id, school_year, marked_at, version) "
         "SELECT id, CASE WHEN kind = 'school' THEN id ELSE 0 END, :y, :t, 1 FROM org_units "
         "WHERE kind IN ('school', 'district', 'city') "
         "ON CONFLICT (unit_id, school_year) DO UPDATE SET version = indicator_refresh_marks.version + 1",
        soci::use(y), soci::use(t);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<RefreshMark>> Marked(soci::session& s, int64_t before, int limit) override {
    long long b = before;
    int n = limit;
    std::vector<RefreshMark> out;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT unit_id, school_id, school_year, marked_at, version FROM indicator_refresh_marks "
                      "WHERE marked_at <= :b ORDER BY marked_at, unit_id, school_year LIMIT :n",
         soci::use(b), soci::use(n));
    for (const auto& r : rs)
      out.push_back(RefreshMark{.unit_id = db::GetInt(r, size_t{0}),
                                .school_id = db::GetInt(r, size_t{1}),
                                .year = static_cast<int>(db::GetInt(r, size_t{2})),
                                .marked_at = db::GetInt(r, size_t{3}),
                                .version = db::GetInt(r, size_t{4})});
    return out;
  }

  absl::StatusOr<bool> Unmark(soci::session& s, const RefreshMark& read, int64_t now) override {
    long long u = read.unit_id, v = read.version, m = read.marked_at, t = now, p = RefreshMark::kPrompt;
    int y = read.year;
    soci::statement del = (s.prepare << "DELETE FROM indicator_refresh_marks "
                                        "WHERE unit_id = :u AND school_year = :y AND version = :v",
                           soci::use(u), soci::use(y), soci::use(v));
    del.execute(true);
    if (del.get_affected_rows() == 1) return true;
    // A mark still at the time read waits again; one made prompt meanwhile
    // (its time changed), or a prompt one read, stays as it is.
    s << "UPDATE indicator_refresh_marks SET marked_at = :t "
         "WHERE unit_id = :u AND school_year = :y AND marked_at = :m AND marked_at <> :p",
        soci::use(t), soci::use(u), soci::use(y), soci::use(m), soci::use(p);
    return false;
  }

  absl::StatusOr<std::optional<SignOff>> SignOffOf(soci::session& s, int64_t school_id, int year) override {
    long long sc = school_id;
    int y = year;
    long long id = 0;
    s << "SELECT id FROM indicator_signoffs WHERE school_id = :s AND school_year = :y", soci::use(sc), soci::use(y),
        soci::into(id);
    if (!s.got_data()) return std::optional<SignOff>();
    return SignOffById(s, id);
  }

  absl::StatusOr<std::optional<SignOff>> SignOffById(soci::session& s, int64_t id) override {
    long long i = id;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT " << kSignOffCols << " FROM indicator_signoffs WHERE id = :i", soci::use(i));
    std::optional<SignOff> out;
    for (const auto& r : rs) {
      XQ_ASSIGN_OR_RETURN(SignOff so, FromRow(r));
      out = std::move(so);
    }
    if (!out) return out;
    soci::rowset<soci::row> steps =
        (s.prepare << "SELECT step, actor_id, actor_role, comment, at FROM indicator_signoff_steps "
                      "WHERE signoff_id = :i ORDER BY at, id",
         soci::use(i));
    for (const auto& r : steps)
      out->steps.push_back({db::GetStr(r, size_t{0}), db::GetInt(r, size_t{1}), db::GetStr(r, size_t{2}),
                            db::GetStr(r, size_t{3}), db::GetInt(r, size_t{4})});
    return out;
  }

  absl::StatusOr<std::vector<SignOff>> SignOffsUnder(soci::session& s, const std::string& path, int year) override {
    std::string like = LikePrefix(path);
    int y = year;
    std::vector<SignOff> out;
    soci::rowset<soci::row> rs =
        (s.prepare << "SELECT " << kSignOffColsQ
                   << " FROM indicator_signoffs o JOIN org_units u ON u.id = o.school_id "
                      "WHERE o.school_year = :y AND u.path LIKE :p ESCAPE '\\' ORDER BY o.school_id",
         soci::use(y), soci::use(like));
    for (const auto& r : rs) {
      XQ_ASSIGN_OR_RETURN(SignOff so, FromRow(r));
      out.push_back(std::move(so));
    }
    return out;
  }

  absl::Status SaveSignOff(soci::session& s, const SignOff& so, const SignOffStep& step) override {
    long long id = so.id, sc = so.school_id, sb = so.submitted_by, sa = so.submitted_at;
    long long rb = so.reviewed_by, ra = so.reviewed_at, ab = so.accepted_by, aa = so.accepted_at;
    soci::indicator irb = rb ? soci::i_ok : soci::i_null, ira = ra ? soci::i_ok : soci::i_null;
    soci::indicator iab = ab ? soci::i_ok : soci::i_null, iaa = aa ? soci::i_ok : soci::i_null;
    int y = so.school_year, v = so.version;
    std::string state(SignOffStateName(so.state)), snap = EncodeSnapshot(so.snapshot), comment = so.comment;
    long long exists = 0;
    s << "SELECT COUNT(*) FROM indicator_signoffs WHERE id = :i", soci::use(id), soci::into(exists);
    if (exists) {
      s << "UPDATE indicator_signoffs SET state = :st, version = :v, snapshot = :sn, submitted_by = :sb, "
           "submitted_at = :sa, reviewed_by = :rb, reviewed_at = :ra, accepted_by = :ab, accepted_at = :aa, "
           "comment = :c WHERE id = :i",
          soci::use(state), soci::use(v), soci::use(snap), soci::use(sb), soci::use(sa), soci::use(rb, irb),
          soci::use(ra, ira), soci::use(ab, iab), soci::use(aa, iaa), soci::use(comment), soci::use(id);
    } else {
      s << "INSERT INTO indicator_signoffs (id, school_id, school_year, state, version, snapshot, submitted_by, "
           "submitted_at, reviewed_by, reviewed_at, accepted_by, accepted_at, comment) VALUES (:i, :s, :y, :st, "
           ":v, :sn, :sb, :sa, :rb, :ra, :ab, :aa, :c)",
          soci::use(id), soci::use(sc), soci::use(y), soci::use(state), soci::use(v), soci::use(snap), soci::use(sb),
          soci::use(sa), soci::use(rb, irb), soci::use(ra, ira), soci::use(ab, iab), soci::use(aa, iaa),
          soci::use(comment);
    }
    long long sid = NewId(), actor = step.actor_id, at = step.at;
    std::string st = step.step, role = step.actor_role, c = step.comment;
    s << "INSERT INTO indicator_signoff_steps (id, signoff_id, school_id, step, actor_id, actor_role, comment, at) "
         "VALUES (:a, :b, :c, :d, :e, :f, :g, :h)",
        soci::use(sid), soci::use(id), soci::use(sc), soci::use(st), soci::use(actor), soci::use(role), soci::use(c),
        soci::use(at);
    return absl::OkStatus();
  }

 private:
  static constexpr const char* kSignOffCols =
      "id, school_id, school_year, state, version, snapshot, submitted_by, submitted_at, "
      "COALESCE(reviewed_by, 0), COALESCE(reviewed_at, 0), COALESCE(accepted_by, 0), COALESCE(accepted_at, 0), "
      "comment";
  static constexpr const char* kSignOffColsQ =
      "o.id, o.school_id, o.school_year, o.state, o.version, o.snapshot, o.submitted_by, o.submitted_at, "
      "COALESCE(o.reviewed_by, 0), COALESCE(o.reviewed_at, 0), COALESCE(o.accepted_by, 0), "
      "COALESCE(o.accepted_at, 0), o.comment";

  static absl::StatusOr<SignOff> FromRow(const soci::row& r) {
    SignOff so;
    so.id = db::GetInt(r, size_t{0});
    so.school_id = db::GetInt(r, size_t{1});
    so.school_year = static_cast<int>(db::GetInt(r, size_t{2}));
    auto st = SignOffStateFromName(db::GetStr(r, size_t{3}));
    if (!st) return Internal("unknown sign-off state " + db::GetStr(r, size_t{3}));
    so.state = *st;
    so.version = static_cast<int>(db::GetInt(r, size_t{4}));
    XQ_ASSIGN_OR_RETURN(so.snapshot, DecodeSnapshot(db::GetStr(r, size_t{5})));
    so.submitted_by = db::GetInt(r, size_t{6});
    so.submitted_at = db::GetInt(r, size_t{7});
    so.reviewed_by = db::GetInt(r, size_t{8});
    so.reviewed_at = db::GetInt(r, size_t{9});
    so.accepted_by = db::GetInt(r, size_t{10});
    so.accepted_at = db::GetInt(r, size_t{11});
    so.comment = db::GetStr(r, size_t{12});
    return so;
  }
};

}  // namespace

std::unique_ptr<IndicatorStore> NewSociIndicatorStore() { return std::make_unique<SociIndicatorStore>(); }

std::string_view SignOffStateName(SignOffState s) {
  switch (s) {
    case SignOffState::kSubmitted:
      return "submitted";
    case SignOffState::kReturned:
      return "returned";
    case SignOffState::kDistrictApproved:
      return "district_approved";
    case SignOffState::kAccepted:
      return "accepted";
  }
  return "submitted";
}

std::optional<SignOffState> SignOffStateFromName(std::string_view s) {
  for (auto st :
       {SignOffState::kSubmitted, SignOffState::kReturned, SignOffState::kDistrictApproved, SignOffState::kAccepted})
    if (SignOffStateName(st) == s) return st;
  return std::nullopt;
}

// One line per value: id, num, den, units (tab-separated; %.17g keeps doubles exact).
std::string EncodeSnapshot(const std::vector<Value>& values) {
  std::string out;
  for (const Value& v : values) out += fmt::format("{}\t{:.17g}\t{:.17g}\t{}\n", v.indicator_id, v.num, v.den, v.units);
  return out;
}

absl::StatusOr<std::vector<Value>> DecodeSnapshot(const std::string& text) {
  std::vector<Value> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Value v;
    std::istringstream ls(line);
    long long units = 0;
    if (!std::getline(ls, v.indicator_id, '\t') || !(ls >> v.num >> v.den >> units))
      return Internal("unreadable sign-off snapshot");
    v.units = units;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace xq::indicators
