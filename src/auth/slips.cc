#include "auth/slips.h"

#include <algorithm>

#include "auth/auth_service.h"
#include "auth/password.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "db/row.h"
#include "db/auth_changes.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/policy.h"
#include "spdlog/spdlog.h"

namespace xq::auth {
namespace {

constexpr int64_t kCodeLifetimeMicros = int64_t{7} * 86'400'000'000;
constexpr int kMaxFailures = 5;
// No 0/O, 1/I/L: codes are typed from paper.
constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

std::string NewCode() {
  const std::string hex = RandomHex(10);
  std::string code;
  for (size_t i = 0; i + 1 < hex.size() && code.size() < 8; i += 2) {
    int v = std::stoi(hex.substr(i, 2), nullptr, 16);
    code += kAlphabet[static_cast<size_t>(v) % kAlphabet.size()];
  }
  return code;
}

std::string NormaliseCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == ' ' || c == '-') continue;
    out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

}  // namespace

SlipService::SlipService(db::Database& db, AuthStore& store, audit::AuditLog& audit, const Clock& clock,
                         AuthService& auth)
    : db_(db),
      store_(store),
      audit_(audit),
      clock_(clock),
      auth_(auth),
      names_(ThrottleOptions{.max_failed_logins = kMaxFailures, .doubling = false}) {}

audit::Event SlipService::AuditEvent(int64_t actor, std::string role, std::string action, std::string object_id,
                                     int64_t student_id, std::string outcome, std::string detail) const {
  audit::Event e;
  e.actor_id = actor;
  e.actor_role = std::move(role);
  e.action = std::move(action);
  e.object_type = "account";
  e.object_id = std::move(object_id);
  e.student_id = student_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

absl::Status SlipService::Audit(int64_t actor, std::string role, std::string action, std::string object_id,
                                int64_t student_id, std::string outcome, std::string detail) {
  return audit::Record(audit_, AuditEvent(actor, std::move(role), std::move(action), std::move(object_id), student_id,
                                          std::move(outcome), std::move(detail)));
}

absl::StatusOr<std::vector<Slip>> SlipService::IssueSlips(const policy::Principal& p, int64_t class_id) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.FindUnit(class_id));
  std::string role;
  bool allowed = false;
  if (unit && unit->kind == "class") {
    policy::Resource r;
    r.data_class = policy::DataClass::kRoster;
    r.unit_path = unit->path;
    for (const auto& g : p.actor.grants) {
      if (g.role != policy::Role::kHeadTeacher && g.role != policy::Role::kPsychStaff &&
          g.role != policy::Role::kSchoolDataAdmin)
        continue;
      policy::Actor one = p.actor;
      one.grants = {g};
      if (policy::InScope(g.unit_path, unit->path) && policy::Decide(one, policy::Action::kRead, r).allowed) {
        allowed = true;
        role = std::string(policy::RoleName(g.role));
        break;
      }
    }
  }
  if (!allowed) {
    XQ_RETURN_IF_ERROR(Audit(p.account_id, "", "denied", IdToString(class_id), 0, "denied", "issue login slips"));
    return NotFound("class not found");
  }
  const int64_t now = clock_.NowMicros();
  std::vector<Slip> out;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long cid = class_id;
    std::vector<std::tuple<int64_t, std::string, std::string, int64_t>> students;
    {
      soci::rowset<soci::row> rows =
          (s.prepare << "SELECT id, student_no, name, school_id FROM students WHERE class_id = :c "
                        "AND status = 'active' ORDER BY student_no",
           soci::use(cid));
      for (const auto& r : rows)
        students.emplace_back(db::GetInt(r, 0), db::GetStr(r, 1), db::GetStr(r, 2), db::GetInt(r, 3));
    }
    for (const auto& [sid, no, name, school] : students) {
      long long student = sid, at = now, by = p.account_id, exp = now + kCodeLifetimeMicros, sch = school;
      long long account = 0;
      std::string username;
      soci::indicator ind = soci::i_null;
      s << "SELECT id, username FROM accounts WHERE person_type = 'student' AND person_id = :p", soci::use(student),
          soci::into(account, ind), soci::into(username);
      if (ind != soci::i_ok) {
        account = NewId();
        username = fmt::format("s{}-{}", school, no);
        // Not a hash any password verifies against: the first sign-in is by code.
        std::string hash = "!slip";
        s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, person_id, "
             "school_id, must_change_password, created_at, updated_at) VALUES (:a, :b, :c, :d, 'student', "
             ":e, :f, 1, :g, :h)",
            soci::use(account), soci::use(username), soci::use(hash), soci::use(name), soci::use(student),
            soci::use(sch), soci::use(at), soci::use(at);
        long long rid = NewId();
        s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, granted_by, "
             "created_at) VALUES (:a, :b, 'student', :c, :d, :e, :f)",
            soci::use(rid), soci::use(account), soci::use(cid), soci::use(sch), soci::use(by), soci::use(at);
      }
      Slip slip{sid, no, name, username, NewCode(), exp};
      std::string hash = HashToken(slip.code);
      s << "DELETE FROM student_login_codes WHERE account_id = :a", soci::use(account);
      s << "INSERT INTO student_login_codes (account_id, code_hash, expires_at, issued_by, issued_at) "
           "VALUES (:a, :b, :c, :d, :e)",
          soci::use(account), soci::use(hash), soci::use(exp), soci::use(by), soci::use(at);
      out.push_back(std::move(slip));
    }
    // The codes and their audit entry commit together.
    return audit::RecordingIn(
        audit_, AuditEvent(p.account_id, role, "slips_issued", IdToString(class_id), 0, "ok",
                           fmt::format("{{\"class_id\":\"{}\",\"slips\":{}}}", IdToString(class_id), out.size())))(s);
  }));
  return out;
}

absl::StatusOr<SlipLoginResult> SlipService::Login(std::string_view login, std::string_view code,
                                                   std::optional<std::string> new_password,
                                                   std::string_view remote_addr) {
  if (login.empty() || login.size() > 64) return InvalidArgument("login is required", "login");
  if (code.empty() || code.size() > 32) return InvalidArgument("code is required", "code");
  if (new_password) XQ_RETURN_IF_ERROR(CheckPasswordStrength(*new_password, "new_password"));
  const std::string detail = fmt::format("{{\"remote\":\"{}\",\"method\":\"slip\"}}", remote_addr);
  const int64_t now = clock_.NowMicros();
  LoginThrottle& addresses = auth_.throttle();
  auto locked_out = [](int64_t secs) {
    return WithRetryAfter(RateLimited("too many failed logins; try again later"),
                          static_cast<int>(std::max<int64_t>(secs, 1)));
  };
  if (int64_t wait = addresses.AddressWait(remote_addr, now)) {
    XQ_RETURN_IF_ERROR(Audit(0, "", "login_failed", std::string(remote_addr), 0, "denied", detail));
    return locked_out(wait);
  }
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccountByUsername(login));
  if (!account || account->disabled || account->person_type != "student") {
    // Same answers as a real login name (no enumeration).
    if (int64_t wait = names_.NameWait(login, now)) {
      XQ_RETURN_IF_ERROR(Audit(0, "", "login_failed", std::string(login), 0, "denied", detail));
      return locked_out(wait);
    }
    XQ_RETURN_IF_ERROR(Audit(0, "", "login_failed", std::string(login), 0, "failed", detail));
    addresses.AddressFailed(remote_addr, now);
    if (int64_t secs = names_.NameFailed(login, now)) return locked_out(secs);
    return Unauthenticated("wrong login or code");
  }
  if (account->locked_until > now) {
    XQ_RETURN_IF_ERROR(Audit(0, "", "login_failed", IdToString(account->id), account->person_id, "denied", detail));
    return locked_out((account->locked_until - now + 999'999) / 1'000'000);
  }
  const std::string hash = HashToken(NormaliseCode(code));
  // A student who set a password: this sign-in is a reset of it.
  const bool had_password = !account->password_hash.empty() && account->password_hash.front() != '!';
  std::string new_hash = "!slip";
  if (new_password) {
    XQ_ASSIGN_OR_RETURN(new_hash, HashPassword(*new_password));
  }
  bool used = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long id = account->id, at = now;
    long long by = 0, when = 0;
    soci::indicator ind = soci::i_null;
    s << "SELECT issued_by, issued_at FROM student_login_codes WHERE account_id = :a AND code_hash = :h "
         "AND expires_at > :t",
        soci::use(id), soci::use(hash), soci::use(at), soci::into(by, ind), soci::into(when);
    if (!s.got_data() || ind != soci::i_ok) return absl::OkStatus();
    // Single use: the row is consumed by the sign-in that matches it.
    soci::statement st = (s.prepare << "DELETE FROM student_login_codes WHERE account_id = :a AND "
                                       "code_hash = :h AND expires_at > :t",
                          soci::use(id), soci::use(hash), soci::use(at));
    st.execute(true);
    used = st.get_affected_rows() > 0;
    if (!used) return absl::OkStatus();
    if (!had_password) return absl::OkStatus();
    int must = new_password ? 0 : 1;
    s << "UPDATE accounts SET password_hash = :h, must_change_password = :m, failed_logins = 0, "
         "locked_until = 0, updated_at = :t WHERE id = :id",
        soci::use(new_hash), soci::use(must), soci::use(at), soci::use(id);
    s << "DELETE FROM sessions WHERE account_id = :a", soci::use(id);
    db::RecordAccountChanged(s, account->id);
    // The drafts are the student's answers (D2); the holder of the slip
    // may be someone else, so they go rather than be shown.
    long long student = account->person_id;
    s << "DELETE FROM screening_drafts WHERE assignment_id IN (SELECT id FROM screening_assignments "
         "WHERE student_id = :s AND state <> 'submitted')",
        soci::use(student);
    std::string issuer;
    ind = soci::i_null;
    s << "SELECT display_name FROM accounts WHERE id = :b", soci::use(by), soci::into(issuer, ind);
    notice::Notice n;
    n.account_id = account->id;
    n.school_id = account->school_id;
    n.kind = "slip_reset";
    n.actor_id = by;
    n.actor_name = ind == soci::i_ok ? issuer : "";
    n.params = {{"issued_at", FormatRfc3339(when)}, {"signed_in_at", FormatRfc3339(at)}};
    notice::PostNotices(s, {n}, now);
    // The reset and its audit entry commit together.
    return audit::RecordingIn(
        audit_, AuditEvent(by, "", "password_reset", IdToString(account->id), account->person_id, "ok",
                           fmt::format("{{\"remote\":\"{}\",\"method\":\"slip\",\"issued_at\":\"{}\",\"sessions\":"
                                       "\"ended\",\"drafts\":\"discarded\"}}",
                                       remote_addr, FormatRfc3339(when))))(s);
  }));
  if (!used) {
    int failed = account->failed_logins + 1;
    int64_t locked_until = failed >= kMaxFailures ? now + int64_t{60} * 1'000'000 : 0;
    XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, failed, locked_until));
    XQ_RETURN_IF_ERROR(Audit(0, "", "login_failed", IdToString(account->id), account->person_id, "failed", detail));
    addresses.AddressFailed(remote_addr, now);
    if (locked_until) return locked_out(60);
    return Unauthenticated("wrong login or code");
  }
  if (had_password) {
    auth_.AccountChanged(account->id);
    account->password_hash = new_hash;
    account->must_change_password = !new_password;
  } else {
    if (account->failed_logins != 0 || account->locked_until != 0)
      XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, 0, 0));
    if (new_password) {
      XQ_RETURN_IF_ERROR(store_.SetPassword(account->id, new_hash, false, now));
      account->must_change_password = false;
    }
  }
  SlipLoginResult out;
  out.token = RandomHex(32);
  Session session{HashToken(out.token), account->id, RandomHex(16), now, now};
  XQ_RETURN_IF_ERROR(store_.CreateSession(
      session, audit::RecordingIn(audit_, AuditEvent(account->id, "student", "login", IdToString(account->id),
                                                     account->person_id, "ok", detail))));
  XQ_ASSIGN_OR_RETURN(out.grants, store_.GrantsOf(account->id));
  policy::Actor actor;
  actor.account_id = account->id;
  actor.student_id = account->person_id;
  for (const auto& g : out.grants)
    if (auto role = policy::RoleFromName(g.role)) actor.grants.push_back({*role, g.unit_id, g.unit_path});
  out.capabilities = policy::Capabilities(actor);
  out.csrf_token = session.csrf_token;
  account->password_hash.clear();
  out.account = *account;
  return out;
}

}  // namespace xq::auth
