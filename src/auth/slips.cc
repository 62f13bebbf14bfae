#include "auth/slips.h"

#include <algorithm>

#include "auth/auth_service.h"
#include "auth/password.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
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

void SlipService::Audit(int64_t actor, std::string role, std::string action, std::string object_id,
                        int64_t student_id, std::string outcome, std::string detail) {
  audit::Event e;
  e.actor_id = actor;
  e.actor_role = std::move(role);
  e.action = std::move(action);
  e.object_type = "account";
  e.object_id = std::move(object_id);
  e.student_id = student_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  if (auto st = audit_.Record(e); !st.ok()) spdlog::error("audit write failed: {}", st.ToString());
}

absl::StatusOr<std::vector<Slip>> SlipService::IssueSlips(const http::Principal& p, int64_t class_id) {
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
    Audit(p.account_id, "", "denied", IdToString(class_id), 0, "denied", "issue login slips");
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
      s << "SELECT id, username FROM accounts WHERE person_type = 'student' AND person_id = :p",
          soci::use(student), soci::into(account, ind), soci::into(username);
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
    return absl::OkStatus();
  }));
  Audit(p.account_id, role, "slips_issued", IdToString(class_id), 0, "ok",
        fmt::format("{{\"class_id\":\"{}\",\"slips\":{}}}", IdToString(class_id), out.size()));
  return out;
}

absl::StatusOr<SlipLoginResult> SlipService::Login(std::string_view login, std::string_view code,
                                                   std::optional<std::string> new_password,
                                                   std::string_view remote_addr) {
  if (login.empty() || login.size() > 64) return InvalidArgument("login is required", "login");
  if (code.empty() || code.size() > 32) return InvalidArgument("code is required", "code");
  if (new_password) XQ_RETURN_IF_ERROR(CheckPasswordStrength(*new_password, "new_password"));
  const std::string detail = fmt::format("{{\"remote\":\"{}\",\"method\":\"slip\"}}", remote_addr);
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccountByUsername(login));
  const int64_t now = clock_.NowMicros();
  if (!account || account->disabled || account->person_type != "student") {
    Audit(0, "", "login_failed", std::string(login), 0, "failed", detail);
    return Unauthenticated("wrong login or code");
  }
  if (account->locked_until > now) {
    Audit(0, "", "login_failed", IdToString(account->id), account->person_id, "denied", detail);
    return http::WithRetryAfter(RateLimited("too many failed logins; try again later"),
                                static_cast<int>(std::max<int64_t>((account->locked_until - now) / 1'000'000, 1)));
  }
  const std::string hash = HashToken(NormaliseCode(code));
  bool used = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long id = account->id, at = now;
    // Single use: the row is consumed by the sign-in that matches it.
    soci::statement st = (s.prepare << "DELETE FROM student_login_codes WHERE account_id = :a AND "
                                       "code_hash = :h AND expires_at > :t",
                          soci::use(id), soci::use(hash), soci::use(at));
    st.execute(true);
    used = st.get_affected_rows() > 0;
    return absl::OkStatus();
  }));
  if (!used) {
    int failed = account->failed_logins + 1;
    int64_t locked_until = failed >= kMaxFailures ? now + int64_t{60} * 1'000'000 : 0;
    XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, failed, locked_until));
    Audit(0, "", "login_failed", IdToString(account->id), account->person_id, "failed", detail);
    return Unauthenticated("wrong login or code");
  }
  if (account->failed_logins != 0 || account->locked_until != 0)
    XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, 0, 0));
  if (new_password) {
    XQ_ASSIGN_OR_RETURN(auto ph, HashPassword(*new_password));
    XQ_RETURN_IF_ERROR(store_.SetPassword(account->id, ph, false, now));
    account->must_change_password = false;
  }
  SlipLoginResult out;
  out.token = RandomHex(32);
  Session session{HashToken(out.token), account->id, RandomHex(16), now, now};
  XQ_RETURN_IF_ERROR(store_.CreateSession(session));
  XQ_ASSIGN_OR_RETURN(out.grants, store_.GrantsOf(account->id));
  policy::Actor actor;
  actor.account_id = account->id;
  actor.student_id = account->person_id;
  for (const auto& g : out.grants)
    if (auto role = policy::RoleFromName(g.role)) actor.grants.push_back({*role, g.unit_id, g.unit_path});
  out.capabilities = policy::Capabilities(actor);
  out.csrf_token = session.csrf_token;
  Audit(account->id, "student", "login", IdToString(account->id), account->person_id, "ok", detail);
  account->password_hash.clear();
  out.account = *account;
  return out;
}

void RegisterSlipRoutes(http::Router& router, SlipService& svc, bool secure_cookies) {
  router.Add("POST", "/api/v1/login-slips", [&svc](http::Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return http::Response::Error(body.status());
    JsonReader r(*body);
    std::string class_id;
    r.Required("class_id", &class_id);
    if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
    auto id = IdFromString(class_id);
    if (!id) return http::Response::Error(InvalidArgument("class_id must be an id", "class_id"));
    auto slips = svc.IssueSlips(*req.principal, *id);
    if (!slips.ok()) return http::Response::Error(slips.status());
    Json items = Json::array();
    for (const auto& s : *slips) {
      items.push_back({{"student_id", IdToString(s.student_id)},
                       {"student_no", s.student_no},
                       {"name", s.name},
                       {"login", s.login},
                       {"code", s.code},
                       {"qr_text", fmt::format("/#/slip?login={}&code={}", s.login, s.code)},
                       {"expires_at", FormatRfc3339(s.expires_at)}});
    }
    return http::Response::Json({{"items", items}}, 201);
  });

  router.Add(
      "POST", "/api/v1/auth/slip-login",
      [&svc, secure_cookies](http::Request& req) {
        auto body = ParseJsonObject(req.body);
        if (!body.ok()) return http::Response::Error(body.status());
        JsonReader r(*body);
        std::string login, code;
        std::optional<std::string> new_password;
        r.Required("login", &login);
        r.Required("code", &code);
        r.Optional("new_password", &new_password);
        if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
        auto res = svc.Login(login, code, new_password, req.remote_addr);
        if (!res.ok()) return http::Response::Error(res.status());
        Json roles = Json::array();
        for (const auto& g : res->grants)
          roles.push_back({{"id", IdToString(g.id)}, {"role", g.role}, {"unit_id", IdToString(g.unit_id)},
                           {"unit_name", g.unit_name}, {"unit_kind", g.unit_kind}});
        http::Response out = http::Response::Json({{"id", IdToString(res->account.id)},
                                                   {"username", res->account.username},
                                                   {"display_name", res->account.display_name},
                                                   {"person_type", res->account.person_type},
                                                   {"must_change_password", res->account.must_change_password},
                                                   {"roles", roles},
                                                   {"capabilities", res->capabilities},
                                                   {"csrf_token", res->csrf_token}});
        std::string cookie = "xq_session=" + res->token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200";
        if (secure_cookies) cookie += "; Secure";
        out.headers.emplace_back("Set-Cookie", cookie);
        return out;
      },
      {.auth = http::Auth::kNone, .csrf = false, .max_body = 4096});
}

}  // namespace xq::auth
