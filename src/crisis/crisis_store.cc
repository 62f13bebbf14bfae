#include "crisis/crisis_store.h"

#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"

namespace xq::crisis {
namespace {

constexpr const char* kCaseSelect =
    "SELECT c.id, c.school_id, c.student_id, c.unit_path, c.source, c.source_id, c.level, c.status, c.step, "
    "c.step_owner, c.step_due_at, c.escalated_path, c.escalated_at, c.opened_by, c.opened_at, c.closed_at, "
    "s.name AS student_name, s.student_no, a.display_name AS owner_name, u.name AS school_name "
    "FROM crisis_cases c JOIN students s ON s.id = c.student_id "
    "LEFT JOIN accounts a ON a.id = c.step_owner LEFT JOIN org_units u ON u.id = c.school_id ";

Case CaseOf(const soci::row& r) {
  Case c;
  c.id = db::GetInt(r, "id");
  c.school_id = db::GetInt(r, "school_id");
  c.student_id = db::GetInt(r, "student_id");
  c.unit_path = db::GetStr(r, "unit_path");
  c.source = db::GetStr(r, "source");
  c.source_id = db::GetInt(r, "source_id");
  c.level = static_cast<int>(db::GetInt(r, "level"));
  c.status = db::GetStr(r, "status");
  c.step = db::GetStr(r, "step");
  c.step_owner = db::GetInt(r, "step_owner");
  c.step_due_at = db::GetInt(r, "step_due_at");
  c.escalated_path = db::GetStr(r, "escalated_path");
  c.escalated_at = db::GetInt(r, "escalated_at");
  c.opened_by = db::GetInt(r, "opened_by");
  c.opened_at = db::GetInt(r, "opened_at");
  c.closed_at = db::GetInt(r, "closed_at");
  c.student_name = db::GetStr(r, "student_name");
  c.student_no = db::GetStr(r, "student_no");
  c.owner_name = db::GetStr(r, "owner_name");
  c.school_name = db::GetStr(r, "school_name");
  return c;
}

constexpr const char* kItemSelect =
    "SELECT i.id, i.step, i.kind, i.body, i.starts_at, i.ends_at, i.state, i.by_account, i.at, "
    "a.display_name AS by_name FROM crisis_items i LEFT JOIN accounts a ON a.id = i.by_account ";

CaseItem ItemOf(const soci::row& r) {
  CaseItem i;
  i.id = db::GetInt(r, "id");
  i.step = db::GetStr(r, "step");
  i.kind = db::GetStr(r, "kind");
  i.body = db::GetStr(r, "body");
  i.starts_at = db::GetInt(r, "starts_at");
  i.ends_at = db::GetInt(r, "ends_at");
  i.state = db::GetStr(r, "state");
  i.by_account = db::GetInt(r, "by_account");
  i.at = db::GetInt(r, "at");
  i.by_name = db::GetStr(r, "by_name");
  return i;
}

constexpr const char* kReferralSelect =
    "SELECT r.id, r.school_id, r.case_id, r.student_id, r.unit_path, r.hospital_id, r.summary, r.state, "
    "r.due_at, r.escalated_path, r.accepted_at, r.appointment_at, r.clinical, r.advice, r.answered_at, "
    "r.created_by, r.created_at, h.name AS hospital_name, s.name AS student_name "
    "FROM crisis_referrals r JOIN crisis_hospitals h ON h.id = r.hospital_id "
    "JOIN students s ON s.id = r.student_id ";

Referral ReferralOf(const soci::row& row) {
  Referral r;
  r.id = db::GetInt(row, "id");
  r.school_id = db::GetInt(row, "school_id");
  r.case_id = db::GetInt(row, "case_id");
  r.student_id = db::GetInt(row, "student_id");
  r.unit_path = db::GetStr(row, "unit_path");
  r.hospital_id = db::GetInt(row, "hospital_id");
  r.summary = db::GetStr(row, "summary");
  r.state = db::GetStr(row, "state");
  r.due_at = db::GetInt(row, "due_at");
  r.escalated_path = db::GetStr(row, "escalated_path");
  r.accepted_at = db::GetInt(row, "accepted_at");
  r.appointment_at = db::GetInt(row, "appointment_at");
  r.clinical = db::GetStr(row, "clinical");
  r.advice = db::GetStr(row, "advice");
  r.answered_at = db::GetInt(row, "answered_at");
  r.created_by = db::GetInt(row, "created_by");
  r.created_at = db::GetInt(row, "created_at");
  r.hospital_name = db::GetStr(row, "hospital_name");
  r.student_name = db::GetStr(row, "student_name");
  return r;
}

constexpr const char* kReturnSelect =
    "SELECT r.id, r.school_id, r.case_id, r.student_id, r.unit_path, r.certificate, r.certificate_name, "
    "r.certificate_type, r.assessment, r.plan_neutral, r.state, r.created_by, r.created_at, r.planned_at, "
    "s.name AS student_name FROM crisis_returns r JOIN students s ON s.id = r.student_id ";

Return ReturnOf(const soci::row& row) {
  Return r;
  r.id = db::GetInt(row, "id");
  r.school_id = db::GetInt(row, "school_id");
  r.case_id = db::GetInt(row, "case_id");
  r.student_id = db::GetInt(row, "student_id");
  r.unit_path = db::GetStr(row, "unit_path");
  r.certificate = db::GetStr(row, "certificate");
  r.certificate_name = db::GetStr(row, "certificate_name");
  r.certificate_type = db::GetStr(row, "certificate_type");
  r.assessment = db::GetStr(row, "assessment");
  r.plan_neutral = db::GetStr(row, "plan_neutral");
  r.state = db::GetStr(row, "state");
  r.created_by = db::GetInt(row, "created_by");
  r.created_at = db::GetInt(row, "created_at");
  r.planned_at = db::GetInt(row, "planned_at");
  r.student_name = db::GetStr(row, "student_name");
  return r;
}

constexpr const char* kBreakGlassSelect =
    "SELECT b.id, b.school_id, b.case_id, b.account_id, b.role, b.reason, b.opened_at, b.expires_at, "
    "b.reviewed_by, b.reviewed_at, b.review_comment, a.display_name AS account_name "
    "FROM crisis_break_glass b LEFT JOIN accounts a ON a.id = b.account_id ";

BreakGlass BreakGlassOf(const soci::row& r) {
  BreakGlass b;
  b.id = db::GetInt(r, "id");
  b.school_id = db::GetInt(r, "school_id");
  b.case_id = db::GetInt(r, "case_id");
  b.account_id = db::GetInt(r, "account_id");
  b.role = db::GetStr(r, "role");
  b.reason = db::GetStr(r, "reason");
  b.opened_at = db::GetInt(r, "opened_at");
  b.expires_at = db::GetInt(r, "expires_at");
  b.reviewed_by = db::GetInt(r, "reviewed_by");
  b.reviewed_at = db::GetInt(r, "reviewed_at");
  b.review_comment = db::GetStr(r, "review_comment");
  b.account_name = db::GetStr(r, "account_name");
  return b;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out.empty() ? "0" : out;
}

absl::Status LoadConsults(soci::session& s, Case& c) {
  long long id = c.id;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT account_id FROM crisis_consults WHERE case_id = :c", soci::use(id));
  for (const auto& r : rows) c.consulted.push_back(db::GetInt(r, 0));
  return absl::OkStatus();
}

class SociCrisisStore final : public CrisisStore {
 public:
  explicit SociCrisisStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<StudentPlace>> StudentPlaceOf(int64_t student_id) override {
    std::optional<StudentPlace> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, StudentPlaceIn(s, student_id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<std::string>> UnitPath(int64_t unit_id) override {
    std::optional<std::string> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = unit_id;
      soci::rowset<soci::row> rows = (s.prepare << "SELECT path FROM org_units WHERE id = :id", soci::use(id));
      for (const auto& r : rows) out = db::GetStr(r, 0);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<int64_t> CaseOfSource(std::string_view source, int64_t source_id) override {
    int64_t out = 0;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, CaseOfSourceIn(s, source, source_id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status CreateCase(const Case& c, const CaseItem& first, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      XQ_RETURN_IF_ERROR(InsertCaseIn(s, c));
      if (first.id != 0) XQ_RETURN_IF_ERROR(InsertItemIn(s, c.school_id, c.id, first));
      return also(s);
    });
  }

  absl::StatusOr<std::optional<Case>> GetCase(int64_t id) override {
    std::optional<Case> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, GetCaseIn(s, id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<Case>> ListCases(const CaseFilter& f, int64_t after_at, int64_t after_id,
                                              int limit) override {
    std::vector<std::string> ors;
    if (!f.paths.empty()) ors.push_back(db::PathScopeClause("c.unit_path", f.paths));
    for (const std::string& g : f.escalated_scopes) {
      if (!db::IsSafeOrgPath(g)) continue;
      ors.push_back(
          fmt::format("(c.escalated_path <> '' AND '{}' LIKE c.escalated_path || '%' AND c.status = 'open' "
                      "AND c.unit_path LIKE '{}%')",
                      g, g));
    }
    if (f.consulted_account != 0) {
      ors.push_back(
          fmt::format("c.id IN (SELECT case_id FROM crisis_consults WHERE account_id = {})", f.consulted_account));
    }
    if (ors.empty()) return std::vector<Case>{};
    std::string where = "(";
    for (size_t i = 0; i < ors.size(); ++i) where += (i ? " OR " : "") + ors[i];
    where += ")";
    std::vector<Case> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long at = after_at, id = after_id;
      int lim = limit;
      std::string st = f.status;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kCaseSelect) + "WHERE " + where +
                            " AND (:st = '' OR c.status = :st2) AND (:id = 0 OR c.opened_at < :at OR "
                            "(c.opened_at = :at2 AND c.id < :id2)) ORDER BY c.opened_at DESC, c.id DESC LIMIT :lim",
           soci::use(st), soci::use(st), soci::use(id), soci::use(at), soci::use(at), soci::use(id), soci::use(lim));
      for (const auto& r : rows) out.push_back(CaseOf(r));
      for (Case& c : out) XQ_RETURN_IF_ERROR(LoadConsults(s, c));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<Case>> CasesOfStudent(int64_t student_id) override {
    std::vector<Case> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = student_id;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kCaseSelect) + "WHERE c.student_id = :s ORDER BY c.opened_at", soci::use(id));
      for (const auto& r : rows) out.push_back(CaseOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<CaseItem>> ListItems(int64_t case_id) override {
    std::vector<CaseItem> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = case_id;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kItemSelect) + "WHERE i.case_id = :c ORDER BY i.at, i.id", soci::use(id));
      for (const auto& r : rows) out.push_back(ItemOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status AddItem(const Case& c, const CaseItem& item, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      XQ_RETURN_IF_ERROR(InsertItemIn(s, c.school_id, c.id, item));
      return also(s);
    });
  }

  absl::Status Advance(const Case& c, std::string_view from, std::string_view to, int64_t owner, int64_t due_at,
                       bool close, int64_t now, const CaseItem& record, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = c.id, own = owner, due = due_at, closed = close ? now : 0;
      std::string f(from), t(to), status = close ? "closed" : "open";
      soci::statement up =
          (s.prepare << "UPDATE crisis_cases SET step = :t, step_owner = :o, step_due_at = :d, status = :st, "
                        "closed_at = :ca WHERE id = :id AND step = :f AND status = 'open'",
           soci::use(t), soci::use(own), soci::use(due), soci::use(status), soci::use(closed), soci::use(id),
           soci::use(f));
      up.execute(true);
      if (up.get_affected_rows() == 0) return Conflict("the case has moved on or is closed", "step");
      if (record.id != 0) XQ_RETURN_IF_ERROR(InsertItemIn(s, c.school_id, c.id, record));
      return also(s);
    });
  }

  absl::Status AddConsult(const Case& c, int64_t account_id, int64_t by, int64_t now,
                          const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long cid = c.id, acc = account_id, school = c.school_id, b = by, at = now;
      int n = 0;
      s << "SELECT COUNT(*) FROM crisis_consults WHERE case_id = :c AND account_id = :a", soci::use(cid),
          soci::use(acc), soci::into(n);
      if (n > 0) return Conflict("already consulted", "account_id");
      s << "INSERT INTO crisis_consults (case_id, account_id, school_id, added_by, added_at) "
           "VALUES (:a, :b, :c, :d, :e)",
          soci::use(cid), soci::use(acc), soci::use(school), soci::use(b), soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::vector<std::pair<Case, CaseItem>>> GuardianNotices(
      const std::vector<int64_t>& student_ids) override {
    std::vector<std::pair<Case, CaseItem>> out;
    if (student_ids.empty()) return out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kItemSelect) +
                            ", crisis_cases c WHERE c.id = i.case_id AND i.kind = 'notice_app' AND c.student_id IN (" +
                            IdList(student_ids) + ") ORDER BY i.at DESC");
      std::vector<std::pair<int64_t, CaseItem>> items;
      for (const auto& r : rows) items.push_back({0, ItemOf(r)});
      for (auto& [cid, item] : items) {
        long long iid = item.id, c = 0;
        s << "SELECT case_id FROM crisis_items WHERE id = :i", soci::use(iid), soci::into(c);
        XQ_ASSIGN_OR_RETURN(std::optional<Case> cs, GetCaseIn(s, c));
        if (cs) out.push_back({*cs, item});
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<std::pair<Case, CaseItem>>> GetItem(int64_t item_id) override {
    std::optional<std::pair<Case, CaseItem>> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      long long id = item_id;
      std::optional<CaseItem> item;
      long long cid = 0;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kItemSelect) + "WHERE i.id = :i", soci::use(id));
      for (const auto& r : rows) item = ItemOf(r);
      if (!item) return absl::OkStatus();
      s << "SELECT case_id FROM crisis_items WHERE id = :i", soci::use(id), soci::into(cid);
      XQ_ASSIGN_OR_RETURN(std::optional<Case> c, GetCaseIn(s, cid));
      if (c) out = std::make_pair(*c, *item);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status SetItemState(int64_t item_id, std::string_view from, std::string_view to,
                            const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = item_id;
      std::string f(from), t(to);
      soci::statement up = (s.prepare << "UPDATE crisis_items SET state = :t WHERE id = :id AND state = :f",
                            soci::use(t), soci::use(id), soci::use(f));
      up.execute(true);
      if (up.get_affected_rows() == 0) return Conflict("already " + t, "state");
      return also(s);
    });
  }

  absl::Status CreateHospital(const Hospital& h, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = h.id, unit = h.unit_id, at = 0;
      std::string name = h.name;
      s << "INSERT INTO crisis_hospitals (id, school_id, unit_id, name, created_at) VALUES (:a, 0, :b, :c, :d)",
          soci::use(id), soci::use(unit), soci::use(name), soci::use(at);
      for (int64_t a : h.liaisons) {
        long long acc = a;
        s << "INSERT INTO crisis_hospital_liaisons (hospital_id, account_id, school_id) VALUES (:a, :b, 0)",
            soci::use(id), soci::use(acc);
      }
      return also(s);
    });
  }

  absl::StatusOr<std::vector<Hospital>> ListHospitals() override {
    std::vector<Hospital> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      soci::rowset<soci::row> rows = (s.prepare << "SELECT id, unit_id, name FROM crisis_hospitals ORDER BY name, id");
      for (const auto& r : rows) out.push_back({db::GetInt(r, 0), db::GetInt(r, 1), db::GetStr(r, 2), {}});
      for (Hospital& h : out) {
        long long id = h.id;
        soci::rowset<soci::row> ls =
            (s.prepare << "SELECT account_id FROM crisis_hospital_liaisons WHERE hospital_id = :h", soci::use(id));
        for (const auto& r : ls) h.liaisons.push_back(db::GetInt(r, 0));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<Hospital>> GetHospital(int64_t id) override {
    XQ_ASSIGN_OR_RETURN(std::vector<Hospital> all, ListHospitals());
    for (Hospital& h : all)
      if (h.id == id) return std::optional<Hospital>(std::move(h));
    return std::optional<Hospital>();
  }

  absl::StatusOr<std::vector<int64_t>> HospitalsOfLiaison(int64_t account_id) override {
    std::vector<int64_t> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = account_id;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT hospital_id FROM crisis_hospital_liaisons WHERE account_id = :a", soci::use(id));
      for (const auto& r : rows) out.push_back(db::GetInt(r, 0));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status CreateReferral(const Referral& r, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, school = r.school_id, cid = r.case_id, sid = r.student_id, hid = r.hospital_id,
                due = r.due_at, by = r.created_by, at = r.created_at;
      std::string path = r.unit_path, summary = r.summary, state = r.state;
      s << "INSERT INTO crisis_referrals (id, school_id, case_id, student_id, unit_path, hospital_id, summary, "
           "state, due_at, created_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k)",
          soci::use(id), soci::use(school), soci::use(cid), soci::use(sid), soci::use(path), soci::use(hid),
          soci::use(summary), soci::use(state), soci::use(due), soci::use(by), soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<Referral>> GetReferral(int64_t id) override {
    std::optional<Referral> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(out, GetReferralIn(s, id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<Referral>> ListReferrals(const std::vector<std::string>& paths,
                                                      const std::vector<int64_t>& hospitals, int64_t case_id,
                                                      int limit) override {
    std::vector<std::string> ors;
    if (!paths.empty()) ors.push_back(db::PathScopeClause("r.unit_path", paths));
    if (!hospitals.empty()) ors.push_back("r.hospital_id IN (" + IdList(hospitals) + ")");
    if (ors.empty()) return std::vector<Referral>{};
    std::string where = "(" + ors[0] + (ors.size() > 1 ? " OR " + ors[1] : "") + ")";
    if (case_id != 0) where += fmt::format(" AND r.case_id = {}", case_id);
    std::vector<Referral> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      int lim = limit;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kReferralSelect) + "WHERE " + where +
                                                       " ORDER BY r.created_at DESC, r.id DESC LIMIT :lim",
                                      soci::use(lim));
      for (const auto& r : rows) out.push_back(ReferralOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status UpdateReferral(const Referral& r, std::string_view from_state,
                              const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, acc = r.accepted_at, app = r.appointment_at, ans = r.answered_at;
      std::string st = r.state, clin = r.clinical, adv = r.advice, from(from_state);
      soci::statement up =
          (s.prepare << "UPDATE crisis_referrals SET state = :s, accepted_at = :a, appointment_at = :b, "
                        "clinical = :c, advice = :d, answered_at = :e WHERE id = :id AND state = :f",
           soci::use(st), soci::use(acc), soci::use(app), soci::use(clin), soci::use(adv), soci::use(ans),
           soci::use(id), soci::use(from));
      up.execute(true);
      if (up.get_affected_rows() == 0) return Conflict("the referral has changed meanwhile", "state");
      return also(s);
    });
  }

  absl::Status CreateReturn(const Return& r, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, school = r.school_id, cid = r.case_id, sid = r.student_id, by = r.created_by,
                at = r.created_at;
      std::string path = r.unit_path, cert = r.certificate, name = r.certificate_name, type = r.certificate_type,
                  state = r.state;
      int n = 0;
      s << "SELECT COUNT(*) FROM crisis_returns WHERE case_id = :c", soci::use(cid), soci::into(n);
      if (n > 0) return Conflict("the certificate of this case is on file already", "file");
      s << "INSERT INTO crisis_returns (id, school_id, case_id, student_id, unit_path, certificate, certificate_name, "
           "certificate_type, state, created_by, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k)",
          soci::use(id), soci::use(school), soci::use(cid), soci::use(sid), soci::use(path), soci::use(cert),
          soci::use(name), soci::use(type), soci::use(state), soci::use(by), soci::use(at);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<Return>> ReturnOfCase(int64_t case_id) override {
    std::optional<Return> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long id = case_id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kReturnSelect) + "WHERE r.case_id = :c", soci::use(id));
      for (const auto& r : rows) out = ReturnOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status PlanReturn(const Return& r, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = r.id, at = r.planned_at;
      std::string a = r.assessment, p = r.plan_neutral;
      s << "UPDATE crisis_returns SET assessment = :a, plan_neutral = :p, state = 'planned', planned_at = :t "
           "WHERE id = :id",
          soci::use(a), soci::use(p), soci::use(at), soci::use(id);
      return also(s);
    });
  }

  absl::StatusOr<std::vector<Return>> ListReturns(const std::vector<std::string>& paths, int limit) override {
    std::vector<Return> out;
    if (paths.empty()) return out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      int lim = limit;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kReturnSelect) + "WHERE " + db::PathScopeClause("r.unit_path", paths) +
                            " ORDER BY r.created_at DESC, r.id DESC LIMIT :l",
           soci::use(lim));
      for (const auto& r : rows) out.push_back(ReturnOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<TraceLine>> TraceOfStudent(int64_t student_id, int limit) override {
    std::vector<TraceLine> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long sid = student_id;
      int lim = limit;
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT l.seq, l.at, l.actor_id, l.actor_role, l.action, l.object_type, l.object_id, "
                        "l.outcome, l.purpose, l.detail, a.display_name FROM audit_log l LEFT JOIN accounts a "
                        "ON a.id = l.actor_id WHERE l.student_id = :s ORDER BY l.seq LIMIT :l",
           soci::use(sid), soci::use(lim));
      for (const auto& r : rows) {
        TraceLine t;
        t.source = "audit";
        t.seq = db::GetInt(r, 0);
        t.at = db::GetInt(r, 1);
        t.actor_id = db::GetInt(r, 2);
        t.actor_role = db::GetStr(r, 3);
        t.action = db::GetStr(r, 4);
        t.object_type = db::GetStr(r, 5);
        t.object_id = db::GetStr(r, 6);
        t.outcome = db::GetStr(r, 7);
        t.purpose = db::GetStr(r, 8);
        t.detail = db::GetStr(r, 9);
        t.actor_name = db::GetStr(r, 10);
        out.push_back(std::move(t));
      }
      std::string subject = "student:" + std::to_string(student_id);
      soci::rowset<soci::row> evs =
          (s.prepare << "SELECT seq, created_at, kind, payload FROM events WHERE subject = :s ORDER BY seq LIMIT :l",
           soci::use(subject), soci::use(lim));
      for (const auto& r : evs) {
        TraceLine t;
        t.source = "event";
        t.seq = db::GetInt(r, 0);
        t.at = db::GetInt(r, 1);
        t.action = db::GetStr(r, 2);
        t.detail = db::GetStr(r, 3);  // the payload; the service keeps its summary
        out.push_back(std::move(t));
      }
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status CreateBreakGlass(const BreakGlass& b, const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = b.id, school = b.school_id, cid = b.case_id, acc = b.account_id, at = b.opened_at,
                exp = b.expires_at;
      std::string role = b.role, reason = b.reason;
      s << "INSERT INTO crisis_break_glass (id, school_id, case_id, account_id, role, reason, opened_at, "
           "expires_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h)",
          soci::use(id), soci::use(school), soci::use(cid), soci::use(acc), soci::use(role), soci::use(reason),
          soci::use(at), soci::use(exp);
      return also(s);
    });
  }

  absl::StatusOr<std::optional<BreakGlass>> ActiveBreakGlass(int64_t account_id, int64_t case_id,
                                                             int64_t now) override {
    std::optional<BreakGlass> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long acc = account_id, cid = case_id, t = now;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kBreakGlassSelect) +
                            "WHERE b.account_id = :a AND b.case_id = :c AND b.expires_at > :t "
                            "ORDER BY b.expires_at DESC LIMIT 1",
           soci::use(acc), soci::use(cid), soci::use(t));
      for (const auto& r : rows) out = BreakGlassOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<BreakGlass>> ListBreakGlass(bool unreviewed_only, int limit) override {
    std::vector<BreakGlass> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      int lim = limit, only = unreviewed_only ? 1 : 0;
      soci::rowset<soci::row> rows =
          (s.prepare << std::string(kBreakGlassSelect) +
                            "WHERE (:o = 0 OR b.reviewed_at = 0) ORDER BY b.opened_at DESC, b.id DESC LIMIT :l",
           soci::use(only), soci::use(lim));
      for (const auto& r : rows) out.push_back(BreakGlassOf(r));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::optional<BreakGlass>> GetBreakGlass(int64_t id) override {
    std::optional<BreakGlass> out;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
      long long i = id;
      soci::rowset<soci::row> rows = (s.prepare << std::string(kBreakGlassSelect) + "WHERE b.id = :i", soci::use(i));
      for (const auto& r : rows) out = BreakGlassOf(r);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status ReviewBreakGlass(int64_t id, int64_t by, std::string_view comment, int64_t now,
                                const audit::InTransaction& also) override {
    return db_.InTransaction([&](soci::session& s) {
      long long i = id, b = by, at = now;
      std::string c(comment);
      soci::statement up = (s.prepare << "UPDATE crisis_break_glass SET reviewed_by = :b, reviewed_at = :t, "
                                         "review_comment = :c WHERE id = :i AND reviewed_at = 0",
                            soci::use(b), soci::use(at), soci::use(c), soci::use(i));
      up.execute(true);
      if (up.get_affected_rows() == 0) return Conflict("already reviewed", "id");
      return also(s);
    });
  }

 private:
  db::Database& db_;
};

}  // namespace

absl::Status InsertCaseIn(soci::session& s, const Case& c) {
  long long id = c.id, school = c.school_id, student = c.student_id, src = c.source_id, owner = c.step_owner,
            due = c.step_due_at, esc_at = c.escalated_at, by = c.opened_by, at = c.opened_at;
  int level = c.level;
  std::string path = c.unit_path, source = c.source, status = c.status, step = c.step, esc = c.escalated_path;
  s << "INSERT INTO crisis_cases (id, school_id, student_id, unit_path, source, source_id, level, status, step, "
       "step_owner, step_due_at, escalated_path, escalated_at, opened_by, opened_at) "
       "VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, :l, :m, :n, :o)",
      soci::use(id), soci::use(school), soci::use(student), soci::use(path), soci::use(source), soci::use(src),
      soci::use(level), soci::use(status), soci::use(step), soci::use(owner), soci::use(due), soci::use(esc),
      soci::use(esc_at), soci::use(by), soci::use(at);
  return absl::OkStatus();
}

absl::Status InsertItemIn(soci::session& s, int64_t school_id, int64_t case_id, const CaseItem& i) {
  long long id = i.id, school = school_id, cid = case_id, st = i.starts_at, en = i.ends_at, by = i.by_account,
            at = i.at;
  std::string step = i.step, kind = i.kind, body = i.body, state = i.state;
  s << "INSERT INTO crisis_items (id, school_id, case_id, step, kind, body, starts_at, ends_at, state, by_account, "
       "at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k)",
      soci::use(id), soci::use(school), soci::use(cid), soci::use(step), soci::use(kind), soci::use(body),
      soci::use(st), soci::use(en), soci::use(state), soci::use(by), soci::use(at);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Case>> GetCaseIn(soci::session& s, int64_t id) {
  std::optional<Case> out;
  long long i = id;
  soci::rowset<soci::row> rows = (s.prepare << std::string(kCaseSelect) + "WHERE c.id = :id", soci::use(i));
  for (const auto& r : rows) out = CaseOf(r);
  if (out) XQ_RETURN_IF_ERROR(LoadConsults(s, *out));
  return out;
}

absl::StatusOr<int64_t> CaseOfSourceIn(soci::session& s, std::string_view source, int64_t source_id) {
  long long sid = source_id, id = 0;
  std::string src(source);
  soci::indicator ind = soci::i_null;
  s << "SELECT MAX(id) FROM crisis_cases WHERE source = :s AND source_id = :i", soci::use(src), soci::use(sid),
      soci::into(id, ind);
  return ind == soci::i_ok ? id : 0;
}

absl::Status SetEscalationIn(soci::session& s, int64_t case_id, const std::string& path, int64_t at) {
  long long id = case_id, t = at;
  std::string p = path;
  s << "UPDATE crisis_cases SET escalated_path = :p, escalated_at = :t WHERE id = :id", soci::use(p), soci::use(t),
      soci::use(id);
  return absl::OkStatus();
}

absl::Status SetReferralEscalationIn(soci::session& s, int64_t referral_id, const std::string& path) {
  long long id = referral_id;
  std::string p = path;
  s << "UPDATE crisis_referrals SET escalated_path = :p WHERE id = :id", soci::use(p), soci::use(id);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Referral>> GetReferralIn(soci::session& s, int64_t id) {
  std::optional<Referral> out;
  long long i = id;
  soci::rowset<soci::row> rows = (s.prepare << std::string(kReferralSelect) + "WHERE r.id = :id", soci::use(i));
  for (const auto& r : rows) out = ReferralOf(r);
  return out;
}

absl::StatusOr<std::vector<std::string>> AncestorPathsIn(soci::session& s, int64_t school_id) {
  std::vector<std::string> out;
  long long id = school_id;
  for (int depth = 0; depth < 8 && id != 0; ++depth) {
    std::string path;
    long long parent = 0;
    soci::indicator pi = soci::i_null, ind = soci::i_null;
    s << "SELECT path, parent_id FROM org_units WHERE id = :id", soci::use(id), soci::into(path, ind),
        soci::into(parent, pi);
    if (ind != soci::i_ok) break;
    out.push_back(path);
    id = pi == soci::i_ok ? parent : 0;
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> AccountsWithRoleAtIn(soci::session& s, std::string_view role,
                                                          const std::string& path) {
  std::vector<int64_t> out;
  std::string r(role), p = path;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT DISTINCT ra.account_id FROM role_assignments ra JOIN org_units u ON u.id = ra.org_unit_id "
                    "WHERE ra.role = :r AND u.path = :p",
       soci::use(r), soci::use(p));
  for (const auto& row : rows) out.push_back(db::GetInt(row, 0));
  return out;
}

absl::StatusOr<std::optional<StudentPlace>> StudentPlaceIn(soci::session& s, int64_t student_id) {
  std::optional<StudentPlace> out;
  long long id = student_id;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT school_id, unit_path FROM students WHERE id = :id", soci::use(id));
  for (const auto& r : rows) out = StudentPlace{db::GetInt(r, 0), db::GetStr(r, 1)};
  return out;
}

absl::StatusOr<std::optional<Return>> GetReturnIn(soci::session& s, int64_t id) {
  std::optional<Return> out;
  long long i = id;
  soci::rowset<soci::row> rows = (s.prepare << std::string(kReturnSelect) + "WHERE r.id = :id", soci::use(i));
  for (const auto& r : rows) out = ReturnOf(r);
  return out;
}

absl::StatusOr<std::vector<int64_t>> AccountsWithRoleIn(soci::session& s, std::string_view role, int64_t school_id) {
  std::vector<int64_t> out;
  std::string r(role);
  long long school = school_id;
  soci::rowset<soci::row> rows =
      (s.prepare
           << "SELECT DISTINCT ra.account_id FROM role_assignments ra JOIN org_units u ON u.id = ra.org_unit_id "
              "JOIN accounts a ON a.id = ra.account_id WHERE ra.role = :r AND u.school_id = :s AND a.disabled = 0",
       soci::use(r), soci::use(school));
  for (const auto& row : rows) out.push_back(db::GetInt(row, 0));
  return out;
}

absl::StatusOr<std::vector<int64_t>> GuardianAccountsIn(soci::session& s, int64_t student_id) {
  std::vector<int64_t> out;
  long long sid = student_id;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT a.id FROM accounts a JOIN student_guardians g ON a.person_type = 'guardian' AND "
                    "a.person_id = g.guardian_id WHERE g.student_id = :s",
       soci::use(sid));
  for (const auto& r : rows) out.push_back(db::GetInt(r, 0));
  return out;
}

absl::StatusOr<bool> HasRoleIn(soci::session& s, int64_t account_id, std::string_view role) {
  long long acc = account_id;
  std::string r(role);
  int n = 0;
  s << "SELECT COUNT(*) FROM role_assignments WHERE account_id = :a AND role = :r", soci::use(acc), soci::use(r),
      soci::into(n);
  return n > 0;
}

std::unique_ptr<CrisisStore> NewSociCrisisStore(db::Database& db) { return std::make_unique<SociCrisisStore>(db); }

}  // namespace xq::crisis
