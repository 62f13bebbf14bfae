#include "plans/plans_store.h"

#include <utility>

#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::plans {
namespace {

using db::GetInt;
using db::GetStr;

std::string EncodeResponsible(const std::vector<Responsible>& v) {
  std::string out;
  for (const auto& r : v) out += r.role + '\t' + r.name + '\n';
  return out;
}

std::vector<Responsible> DecodeResponsible(const std::string& s) {
  std::vector<Responsible> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back({line.substr(0, tab), line.substr(tab + 1)});
    start = end + 1;
  }
  return out;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr char kPlanCols[] =
    "p.id, p.school_id, p.student_id, p.level, p.goals, p.measures, p.responsible, p.next_review_date, p.state, "
    "p.close_reason, p.created_by, p.created_at, p.updated_at, p.closed_at, s.name";

Plan PlanFromRow(const soci::row& r) {
  Plan p;
  p.id = GetInt(r, 0);
  p.school_id = GetInt(r, 1);
  p.student_id = GetInt(r, 2);
  p.level = static_cast<int>(GetInt(r, 3));
  p.goals = GetStr(r, 4);
  p.measures = GetStr(r, 5);
  p.responsible = DecodeResponsible(GetStr(r, 6));
  p.next_review_date = GetStr(r, 7);
  p.state = GetStr(r, 8);
  p.close_reason = GetStr(r, 9);
  p.created_by = GetInt(r, 10);
  p.created_at = GetInt(r, 11);
  p.updated_at = GetInt(r, 12);
  p.closed_at = GetInt(r, 13);
  p.student_name = GetStr(r, 14);
  return p;
}

void LoadNotes(soci::session& s, Plan& p) {
  long long id = p.id;
  soci::rowset<soci::row> rs =
      (s.prepare << "SELECT id, note, source, author_account_id, created_at FROM plan_notes WHERE plan_id = :p "
                    "ORDER BY created_at, id",
       soci::use(id));
  for (const auto& r : rs) p.notes.push_back({GetInt(r, 0), GetStr(r, 1), GetStr(r, 2), GetInt(r, 3), GetInt(r, 4)});
}

// "(s.unit_path LIKE :p0 OR ...)" over the prefixes (bound by the caller).
std::string PrefixClause(const std::vector<std::string>& prefixes, const char* col) {
  std::string out;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (i) out += " OR ";
    out += fmt::format("{} LIKE :p{}", col, i);
  }
  return "(" + (out.empty() ? std::string("1 = 0") : out) + ")";
}

std::string LikeOf(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_') continue;  // paths hold digits and '/' only
    out += c;
  }
  return out + '%';
}

class SociPlansStore final : public PlansStore {
 public:
  explicit SociPlansStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<Plan>> CurrentPlan(int64_t student_id) override {
    std::optional<Plan> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long id = student_id;
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT {} FROM plans p JOIN students s ON s.id = p.student_id "
                                    "WHERE p.student_id = :s ORDER BY CASE WHEN p.state = 'open' THEN 0 ELSE 1 END, "
                                    "p.created_at DESC LIMIT 1",
                                    kPlanCols),
           soci::use(id));
      for (const auto& r : rs) out = PlanFromRow(r);
      if (out) LoadNotes(s, *out);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<Plan>> GetPlan(int64_t id) override {
    std::optional<Plan> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long lid = id;
      soci::rowset<soci::row> rs =
          (s.prepare << fmt::format("SELECT {} FROM plans p JOIN students s ON s.id = p.student_id WHERE p.id = :id",
                                    kPlanCols),
           soci::use(lid));
      for (const auto& r : rs) out = PlanFromRow(r);
      if (out) LoadNotes(s, *out);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status InsertPlan(const Plan& p, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(int64_t open, OpenPlanIdIn(s, p.student_id));
      if (open) return Conflict("the student has an open plan", "student_id");
      XQ_RETURN_IF_ERROR(InsertPlanIn(s, p));
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::Status UpdatePlan(const Plan& p, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = p.id, level = p.level, at = p.updated_at;
      std::string resp = EncodeResponsible(p.responsible);
      soci::statement st = (s.prepare << "UPDATE plans SET level = :l, goals = :g, measures = :m, responsible = :r, "
                                         "next_review_date = :d, updated_at = :t WHERE id = :id AND state = 'open'",
                            soci::use(level), soci::use(p.goals), soci::use(p.measures), soci::use(resp),
                            soci::use(p.next_review_date), soci::use(at), soci::use(id));
      st.execute(true);
      if (st.get_affected_rows() != 1) return Conflict("the plan is closed");
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::Status AddNote(int64_t plan_id, int64_t school_id, const Note& n, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      XQ_RETURN_IF_ERROR(InsertNoteIn(s, plan_id, school_id, n));
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::Status ClosePlan(int64_t id, const std::string& reason, int64_t now, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long lid = id, at = now, at2 = now;
      soci::statement st =
          (s.prepare << "UPDATE plans SET state = 'closed', close_reason = :r, closed_at = :t, updated_at = :u "
                        "WHERE id = :id AND state = 'open'",
           soci::use(reason), soci::use(at), soci::use(at2), soci::use(lid));
      st.execute(true);
      if (st.get_affected_rows() != 1) return Conflict("the plan is closed already");
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<Plan>> ListOverdue(const std::vector<std::string>& prefixes, const std::string& today,
                                                const std::string& after_date, int64_t after_id, int limit) override {
    std::vector<Plan> out;
    if (prefixes.empty()) return out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      const std::string sql = fmt::format(
          "SELECT {} FROM plans p JOIN students s ON s.id = p.student_id WHERE p.state = 'open' AND "
          "p.next_review_date < :today AND {} AND (:ad0 = '' OR p.next_review_date > :ad1 OR "
          "(p.next_review_date = :ad2 AND p.id > :aid)) ORDER BY p.next_review_date, p.id LIMIT :n",
          kPlanCols, PrefixClause(prefixes, "s.unit_path"));
      soci::statement st = (s.prepare << sql);
      soci::row r;
      std::string t = today, a0 = after_date, a1 = after_date, a2 = after_date;
      long long aid = after_id, n = limit;
      std::vector<std::string> likes;
      for (const auto& p : prefixes) likes.push_back(LikeOf(p));
      st.exchange(soci::use(t, "today"));
      for (size_t i = 0; i < likes.size(); ++i) st.exchange(soci::use(likes[i], fmt::format("p{}", i)));
      st.exchange(soci::use(a0, "ad0"));
      st.exchange(soci::use(a1, "ad1"));
      st.exchange(soci::use(a2, "ad2"));
      st.exchange(soci::use(aid, "aid"));
      st.exchange(soci::use(n, "n"));
      st.exchange(soci::into(r));
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) out.push_back(PlanFromRow(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<Unit>> FindUnit(int64_t id) override {
    std::optional<Unit> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long lid = id;
      soci::rowset<soci::row> rs =
          (s.prepare << "SELECT id, school_id, path, kind, name FROM org_units WHERE id = :id", soci::use(lid));
      for (const auto& r : rs) out = Unit{GetInt(r, 0), GetInt(r, 1), GetStr(r, 2), GetStr(r, 3), GetStr(r, 4)};
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status InsertReview(const ReviewMeeting& m, int64_t expires_at, const Also& also) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = m.id, school = m.school_id, unit = m.unit_id, by = m.recorded_by, at = m.created_at;
      std::string attendees;
      for (const auto& a : m.attendees) attendees += a + '\n';
      s << "INSERT INTO review_meetings (id, school_id, unit_id, unit_path, held_on, attendees, next_review_date, "
           "recorded_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
          soci::use(id), soci::use(school), soci::use(unit), soci::use(m.unit_path), soci::use(m.held_on),
          soci::use(attendees), soci::use(m.next_review_date), soci::use(by), soci::use(at);
      for (const Decision& d : m.decisions) {
        long long student = d.student_id, before = d.level_before, after = d.level_after, exp = expires_at;
        s << "INSERT INTO review_decisions (meeting_id, school_id, student_id, decision, level_before, level_after, "
             "note) VALUES (:a, :b, :c, :d, :e, :f, :g)",
            soci::use(id), soci::use(school), soci::use(student), soci::use(d.decision), soci::use(before),
            soci::use(after), soci::use(d.note);
        if (d.decision == "clear") {
          s << "UPDATE attention_levels SET state = 'cleared', set_by = :b, set_at = :t WHERE student_id = :s",
              soci::use(by), soci::use(at), soci::use(student);
        } else {
          std::string guidance(LevelGuidance(d.level_after));
          long long n = 0;
          s << "SELECT COUNT(*) FROM attention_levels WHERE student_id = :s", soci::use(student), soci::into(n);
          if (n > 0) {
            s << "UPDATE attention_levels SET level = :l, guidance = :g, state = 'active', set_by = :b, set_at = :t, "
                 "expires_at = :e WHERE student_id = :s",
                soci::use(after), soci::use(guidance), soci::use(by), soci::use(at), soci::use(exp), soci::use(student);
          } else {
            s << "INSERT INTO attention_levels (student_id, school_id, unit_path, level, guidance, state, set_by, "
                 "set_at, expires_at) VALUES (:s, :sc, :p, :l, :g, 'active', :b, :t, :e)",
                soci::use(student), soci::use(school), soci::use(d.student_path), soci::use(after), soci::use(guidance),
                soci::use(by), soci::use(at), soci::use(exp);
          }
        }
        s << "UPDATE plans SET next_review_date = :d, updated_at = :t WHERE student_id = :s AND state = 'open'",
            soci::use(m.next_review_date), soci::use(at), soci::use(student);
      }
      return also ? also(s) : absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<ReviewMeeting>> ListReviews(const std::vector<std::string>& prefixes, int64_t before_id,
                                                         int limit) override {
    std::vector<ReviewMeeting> out;
    if (prefixes.empty()) return out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      const std::string sql = fmt::format(
          "SELECT id, school_id, unit_id, unit_path, held_on, attendees, next_review_date, recorded_by, created_at "
          "FROM review_meetings m WHERE {} AND (CAST(:b0 AS BIGINT) = 0 OR id < :b1) ORDER BY id DESC LIMIT :n",
          PrefixClause(prefixes, "m.unit_path"));
      soci::statement st = (s.prepare << sql);
      soci::row r;
      std::vector<std::string> likes;
      for (const auto& p : prefixes) likes.push_back(LikeOf(p));
      long long b0 = before_id, b1 = before_id, n = limit;
      for (size_t i = 0; i < likes.size(); ++i) st.exchange(soci::use(likes[i], fmt::format("p{}", i)));
      st.exchange(soci::use(b0, "b0"));
      st.exchange(soci::use(b1, "b1"));
      st.exchange(soci::use(n, "n"));
      st.exchange(soci::into(r));
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) {
        ReviewMeeting m;
        m.id = GetInt(r, 0);
        m.school_id = GetInt(r, 1);
        m.unit_id = GetInt(r, 2);
        m.unit_path = GetStr(r, 3);
        m.held_on = GetStr(r, 4);
        m.attendees = Lines(GetStr(r, 5));
        m.next_review_date = GetStr(r, 6);
        m.recorded_by = GetInt(r, 7);
        m.created_at = GetInt(r, 8);
        out.push_back(std::move(m));
      }
      for (auto& m : out) {
        long long id = m.id;
        soci::rowset<soci::row> rs =
            (s.prepare << "SELECT student_id, decision, level_before, level_after, note FROM review_decisions "
                          "WHERE meeting_id = :m",
             soci::use(id));
        for (const auto& d : rs) {
          Decision x;
          x.student_id = GetInt(d, 0);
          x.decision = GetStr(d, 1);
          x.level_before = static_cast<int>(GetInt(d, 2));
          x.level_after = static_cast<int>(GetInt(d, 3));
          x.note = GetStr(d, 4);
          m.decisions.push_back(std::move(x));
        }
      }
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<PlansStore> NewSociPlansStore(db::Database& db) { return std::make_unique<SociPlansStore>(db); }

absl::StatusOr<int64_t> OpenPlanIdIn(soci::session& s, int64_t student_id) {
  long long id = student_id;
  int64_t out = 0;
  soci::rowset<soci::row> rs =
      (s.prepare << "SELECT id FROM plans WHERE student_id = :s AND state = 'open'", soci::use(id));
  for (const auto& r : rs) out = GetInt(r, 0);
  return out;
}

absl::Status InsertPlanIn(soci::session& s, const Plan& p) {
  long long id = p.id, school = p.school_id, student = p.student_id, level = p.level, by = p.created_by,
            at = p.created_at, at2 = p.created_at;
  std::string resp = EncodeResponsible(p.responsible);
  s << "INSERT INTO plans (id, school_id, student_id, level, goals, measures, responsible, next_review_date, state, "
       "created_by, created_at, updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, 'open', :i, :j, :k)",
      soci::use(id), soci::use(school), soci::use(student), soci::use(level), soci::use(p.goals), soci::use(p.measures),
      soci::use(resp), soci::use(p.next_review_date), soci::use(by), soci::use(at), soci::use(at2);
  return absl::OkStatus();
}

absl::Status InsertNoteIn(soci::session& s, int64_t plan_id, int64_t school_id, const Note& n) {
  long long id = n.id, plan = plan_id, school = school_id, author = n.author_account_id, at = n.created_at;
  s << "INSERT INTO plan_notes (id, plan_id, school_id, note, source, author_account_id, created_at) "
       "VALUES (:a, :b, :c, :d, :e, :f, :g)",
      soci::use(id), soci::use(plan), soci::use(school), soci::use(n.note), soci::use(n.source), soci::use(author),
      soci::use(at);
  long long t = n.created_at;
  s << "UPDATE plans SET updated_at = :t WHERE id = :p", soci::use(t), soci::use(plan);
  return absl::OkStatus();
}

}  // namespace xq::plans
