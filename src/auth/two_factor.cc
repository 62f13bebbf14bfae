#include "auth/two_factor.h"

#include "audit/audited.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "audit/audited.h"
#include "auth/totp.h"
#include "core/ids.h"
#include "core/status.h"
#include "db/auth_changes.h"
#include "db/row.h"
#include "fmt/format.h"
#include "policy/principal.h"
#include "policy/policy.h"
#include "spdlog/spdlog.h"

namespace xq::auth {
namespace {

constexpr std::string_view kIssuer = "心桥";
constexpr int kMaxFailures = 5;  // wrong codes in a row before the back-off
constexpr int64_t kMaxLockoutS = 3600;

std::string Hex(const unsigned char* p, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), p, n);
  hex.resize(n * 2);
  return hex;
}

std::string NormalizedRecoveryCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// 10 characters of 32 (no I, L, O, U): 50 bits, shown as XXXXX-XXXXX.
std::string NewRecoveryCode() {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string code;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) code += '-';
    code += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  return code;
}

absl::Status ChallengeGone() {
  return WithField(Unauthenticated("this sign-in step has expired; sign in again"), "challenge");
}

class SqlTwoFactorStore final : public TwoFactorStore {
 public:
  explicit SqlTwoFactorStore(db::Database& db) : db_(db) {}

  absl::StatusOr<std::optional<std::string>> Setting(std::string_view key) override {
    std::optional<std::string> out;
    XQ_RETURN_IF_ERROR(db_.Query("SELECT value FROM city_settings WHERE key = :k", {std::string(key)},
                                 [&](const soci::row& r) { out = db::GetStr(r, std::size_t{0}); }));
    return out;
  }

  absl::StatusOr<std::optional<std::string>> SetSetting(std::string_view key, std::string_view value, int64_t by,
                                                        int64_t now) override {
    std::optional<std::string> before;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      std::string k(key), v(value), old;
      long long who = by, t = now;
      soci::indicator ind = soci::i_null;
      s << "SELECT value FROM city_settings WHERE key = :k", soci::use(k), soci::into(old, ind);
      if (s.got_data() && ind == soci::i_ok) {
        before = old;
        s << "UPDATE city_settings SET value = :v, updated_by = :b, updated_at = :t WHERE key = :k", soci::use(v),
            soci::use(who), soci::use(t), soci::use(k);
      } else {
        s << "INSERT INTO city_settings (key, value, updated_by, updated_at) VALUES (:k, :v, :b, :t)", soci::use(k),
            soci::use(v), soci::use(who), soci::use(t);
      }
      return absl::OkStatus();
    }));
    return before;
  }

  absl::StatusOr<std::optional<TwoFactorEnrolment>> FindEnrolment(int64_t account_id) override {
    std::optional<TwoFactorEnrolment> out;
    XQ_RETURN_IF_ERROR(
        db_.Query("SELECT account_id, school_id, secret, confirmed, last_step, failures, locked_until "
                  "FROM two_factor WHERE account_id = :a",
                  {static_cast<long long>(account_id)}, [&](const soci::row& r) {
                    TwoFactorEnrolment e;
                    e.account_id = db::GetInt(r, std::size_t{0});
                    e.school_id = db::GetInt(r, std::size_t{1});
                    e.secret = db::GetStr(r, std::size_t{2});
                    e.confirmed = db::GetInt(r, std::size_t{3}) != 0;
                    e.last_step = db::GetInt(r, std::size_t{4});
                    e.failures = static_cast<int>(db::GetInt(r, std::size_t{5}));
                    e.locked_until = db::GetInt(r, std::size_t{6});
                    out = std::move(e);
                  }));
    return out;
  }

  absl::Status SavePending(const TwoFactorEnrolment& e, int64_t now) override {
    return db_.InTransaction([&](soci::session& s) -> absl::Status {
      long long id = e.account_id, school = e.school_id, t = now;
      soci::indicator isc = school ? soci::i_ok : soci::i_null;
      long long confirmed = 0;
      s << "SELECT COUNT(*) FROM two_factor WHERE account_id = :a AND confirmed <> 0", soci::use(id),
          soci::into(confirmed);
      if (confirmed) return Conflict("two-factor sign-in is already set up");
      s << "DELETE FROM two_factor WHERE account_id = :a", soci::use(id);
      s << "INSERT INTO two_factor (account_id, school_id, secret, confirmed, last_step, failures, "
           "locked_until, created_at) VALUES (:a, :s, :k, 0, 0, 0, 0, :t)",
          soci::use(id), soci::use(school, isc), soci::use(e.secret), soci::use(t);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<bool> Confirm(int64_t account_id, int64_t step, const std::vector<std::string>& hashes,
                               int64_t now) override {
    bool done = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long id = account_id, st = step, t = now;
      soci::statement up = (s.prepare << "UPDATE two_factor SET confirmed = 1, last_step = :s, "
                                         "failures = 0, locked_until = 0, confirmed_at = :t "
                                         "WHERE account_id = :a AND confirmed = 0",
                            soci::use(st), soci::use(t), soci::use(id));
      up.execute(true);
      done = up.get_affected_rows() == 1;
      if (!done) return absl::OkStatus();
      long long school = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT school_id FROM two_factor WHERE account_id = :a", soci::use(id), soci::into(school, ind);
      soci::indicator isc = (ind == soci::i_ok && school) ? soci::i_ok : soci::i_null;
      s << "DELETE FROM two_factor_recovery_codes WHERE account_id = :a", soci::use(id);
      for (const auto& h : hashes) {
        s << "INSERT INTO two_factor_recovery_codes (account_id, school_id, code_hash) VALUES (:a, "
             ":s, :h)",
            soci::use(id), soci::use(school, isc), soci::use(h);
      }
      return absl::OkStatus();
    }));
    return done;
  }

  absl::StatusOr<bool> AcceptStep(int64_t account_id, int64_t step) override {
    bool done = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long id = account_id, st = step;
      soci::statement up = (s.prepare << "UPDATE two_factor SET last_step = :s, failures = 0, "
                                         "locked_until = 0 WHERE account_id = :a AND confirmed <> 0 "
                                         "AND last_step < :s2",
                            soci::use(st), soci::use(id), soci::use(st));
      up.execute(true);
      done = up.get_affected_rows() == 1;
      return absl::OkStatus();
    }));
    return done;
  }

  absl::Status SetFailures(int64_t account_id, int failures, int64_t locked_until) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = account_id, lu = locked_until;
      int f = failures;
      s << "UPDATE two_factor SET failures = :f, locked_until = :l WHERE account_id = :a", soci::use(f), soci::use(lu),
          soci::use(id);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<bool> UseRecoveryCode(int64_t account_id, std::string_view hash, int64_t now) override {
    bool done = false;
    XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
      long long id = account_id, t = now;
      std::string h(hash);
      soci::statement up = (s.prepare << "UPDATE two_factor_recovery_codes SET used_at = :t "
                                         "WHERE account_id = :a AND code_hash = :h AND used_at IS NULL",
                            soci::use(t), soci::use(id), soci::use(h));
      up.execute(true);
      done = up.get_affected_rows() == 1;
      if (done) {
        s << "UPDATE two_factor SET failures = 0, locked_until = 0 WHERE account_id = :a", soci::use(id);
      }
      return absl::OkStatus();
    }));
    return done;
  }

  absl::StatusOr<int> RecoveryCodesLeft(int64_t account_id) override {
    int64_t n = 0;
    XQ_RETURN_IF_ERROR(db_.Query(
        "SELECT COUNT(*) FROM two_factor_recovery_codes WHERE account_id = :a AND used_at IS NULL",
        {static_cast<long long>(account_id)}, [&](const soci::row& r) { n = db::GetInt(r, std::size_t{0}); }));
    return static_cast<int>(n);
  }

  absl::Status Reset(int64_t account_id) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = account_id;
      s << "DELETE FROM two_factor_recovery_codes WHERE account_id = :a", soci::use(id);
      s << "DELETE FROM two_factor_challenges WHERE account_id = :a", soci::use(id);
      s << "DELETE FROM two_factor WHERE account_id = :a", soci::use(id);
      s << "DELETE FROM sessions WHERE account_id = :a", soci::use(id);
      db::RecordAccountChanged(s, account_id);
      return absl::OkStatus();
    });
  }

  absl::Status CreateChallenge(const TwoFactorChallenge& c) override {
    return db_.InTransaction([&](soci::session& s) {
      long long id = c.account_id, school = c.school_id, created = c.created_at, expires = c.expires_at;
      soci::indicator isc = school ? soci::i_ok : soci::i_null;
      // An account has one open sign-in step at a time; old ones go.
      s << "DELETE FROM two_factor_challenges WHERE account_id = :a AND expires_at < :t", soci::use(id),
          soci::use(created);
      s << "INSERT INTO two_factor_challenges (token_hash, account_id, school_id, step, attempts, "
           "created_at, expires_at) VALUES (:h, :a, :s, :st, 0, :c, :e)",
          soci::use(c.token_hash), soci::use(id), soci::use(school, isc), soci::use(c.step), soci::use(created),
          soci::use(expires);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<TwoFactorChallenge>> FindChallenge(std::string_view hash) override {
    std::optional<TwoFactorChallenge> out;
    XQ_RETURN_IF_ERROR(
        db_.Query("SELECT token_hash, account_id, school_id, step, attempts, created_at, expires_at "
                  "FROM two_factor_challenges WHERE token_hash = :h",
                  {std::string(hash)}, [&](const soci::row& r) {
                    TwoFactorChallenge c;
                    c.token_hash = db::GetStr(r, std::size_t{0});
                    c.account_id = db::GetInt(r, std::size_t{1});
                    c.school_id = db::GetInt(r, std::size_t{2});
                    c.step = db::GetStr(r, std::size_t{3});
                    c.attempts = static_cast<int>(db::GetInt(r, std::size_t{4}));
                    c.created_at = db::GetInt(r, std::size_t{5});
                    c.expires_at = db::GetInt(r, std::size_t{6});
                    out = std::move(c);
                  }));
    return out;
  }

  absl::Status CountAttempt(std::string_view hash) override {
    return db_.InTransaction([&](soci::session& s) {
      std::string h(hash);
      s << "UPDATE two_factor_challenges SET attempts = attempts + 1 WHERE token_hash = :h", soci::use(h);
      return absl::OkStatus();
    });
  }

  absl::Status DeleteChallenge(std::string_view hash) override {
    return db_.InTransaction([&](soci::session& s) {
      std::string h(hash);
      s << "DELETE FROM two_factor_challenges WHERE token_hash = :h", soci::use(h);
      return absl::OkStatus();
    });
  }

 private:
  db::Database& db_;
};

}  // namespace

std::unique_ptr<TwoFactorStore> NewSqlTwoFactorStore(db::Database& db) {
  return std::make_unique<SqlTwoFactorStore>(db);
}

std::string RecoveryCodeHash(int64_t account_id, std::string_view code) {
  const std::string input = fmt::format("xq-recovery:{}:{}", account_id, NormalizedRecoveryCode(code));
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  return Hex(h.data(), h.size());
}

TwoFactorService::TwoFactorService(TwoFactorStore& store, AuthStore& accounts, AuthService& auth,
                                   audit::AuditLog& audit, const Clock& clock)
    : store_(store), accounts_(accounts), auth_(auth), audit_(audit), clock_(clock) {}

absl::Status TwoFactorService::Audit(const policy::Principal* p, int64_t actor_id, std::string action,
                                     std::string object_id, std::string outcome, std::string detail) {
  audit::Event e;
  e.actor_id = p ? p->account_id : actor_id;
  if (p && !p->actor.grants.empty()) e.actor_role = std::string(policy::RoleName(p->actor.grants.front().role));
  e.action = std::move(action);
  e.object_type = "account";
  e.object_id = std::move(object_id);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return audit::Record(audit_, e);
}

absl::StatusOr<bool> TwoFactorService::CityRequires() {
  XQ_ASSIGN_OR_RETURN(auto v, store_.Setting(kSettingKey));
  return !v || *v != "off";  // required unless the city switched it off
}

absl::StatusOr<std::optional<LoginChallenge>> TwoFactorService::AfterPassword(const Account& account,
                                                                              const std::vector<RoleGrant>& grants) {
  const bool sensitive = std::any_of(grants.begin(), grants.end(), [](const RoleGrant& g) {
    auto role = policy::RoleFromName(g.role);
    return role && policy::RequiresSecondFactor(*role);
  });
  if (!sensitive) return std::nullopt;
  XQ_ASSIGN_OR_RETURN(bool city, CityRequires());
  if (!city) return std::nullopt;  // the city switched it off (audited)
  XQ_ASSIGN_OR_RETURN(auto enrolment, store_.FindEnrolment(account.id));
  const bool enrolled = enrolment && enrolment->confirmed;
  LoginChallenge out;
  out.token = RandomHex(32);
  out.step = enrolled ? "totp" : "enrol";
  out.expires_in_s = kChallengeSeconds;
  TwoFactorChallenge c;
  c.token_hash = HashToken(out.token);
  c.account_id = account.id;
  c.school_id = account.school_id;
  c.step = out.step;
  c.created_at = clock_.NowMicros();
  c.expires_at = c.created_at + kChallengeSeconds * 1'000'000;
  XQ_RETURN_IF_ERROR(store_.CreateChallenge(c));
  return out;
}

absl::StatusOr<TwoFactorChallenge> TwoFactorService::OpenChallenge(std::string_view token, std::string_view step) {
  if (token.size() != 64) return ChallengeGone();
  const std::string hash = HashToken(token);
  XQ_ASSIGN_OR_RETURN(auto c, store_.FindChallenge(hash));
  if (!c) return ChallengeGone();
  if (c->expires_at <= clock_.NowMicros() || c->attempts >= kChallengeAttempts) {
    XQ_RETURN_IF_ERROR(store_.DeleteChallenge(hash));
    return ChallengeGone();
  }
  if (c->step != step) {
    return WithField(
        absl::FailedPreconditionError(c->step == "enrol" ? "set up two-factor sign-in first"
                                                         : "two-factor sign-in is already set up; enter a code"),
        "challenge");
  }
  return *c;
}

absl::Status TwoFactorService::WrongCode(const TwoFactorChallenge& c, const TwoFactorEnrolment* e,
                                         std::string_view what) {
  XQ_RETURN_IF_ERROR(store_.CountAttempt(c.token_hash));
  if (c.attempts + 1 >= kChallengeAttempts) XQ_RETURN_IF_ERROR(store_.DeleteChallenge(c.token_hash));
  int64_t locked_until = 0;
  if (e) {
    const int failures = e->failures + 1;
    if (failures >= kMaxFailures) {
      const int shift = std::min(failures - kMaxFailures, 16);
      locked_until = clock_.NowMicros() + std::min<int64_t>(int64_t{60} << shift, kMaxLockoutS) * 1'000'000;
    }
    XQ_RETURN_IF_ERROR(store_.SetFailures(e->account_id, failures, locked_until));
  }
  XQ_RETURN_IF_ERROR(Audit(nullptr, 0, "two_factor_failed", IdToString(c.account_id), "failed",
                           fmt::format("{{\"step\":\"{}\",\"with\":\"{}\"}}", c.step, what)));
  if (locked_until) {
    return WithRetryAfter(RateLimited("too many wrong codes; try again later"),
                          static_cast<int>((locked_until - clock_.NowMicros()) / 1'000'000));
  }
  return WithField(Unauthenticated("the code is not right"), what == "recovery_code" ? "recovery_code" : "code");
}

absl::StatusOr<LoginResult> TwoFactorService::Verify(std::string_view token, std::string_view code,
                                                     std::string_view recovery_code, std::string_view remote_addr) {
  if (code.empty() == recovery_code.empty()) return InvalidArgument("give either a code or a recovery code", "code");
  if (!code.empty() && code.size() > 16) return InvalidArgument("a code has 6 digits", "code");
  if (recovery_code.size() > 32) return InvalidArgument("not a recovery code", "recovery_code");
  XQ_ASSIGN_OR_RETURN(auto c, OpenChallenge(token, "totp"));
  XQ_ASSIGN_OR_RETURN(auto account, accounts_.FindAccount(c.account_id));
  XQ_ASSIGN_OR_RETURN(auto e, store_.FindEnrolment(c.account_id));
  if (!account || account->disabled || !e || !e->confirmed) {
    XQ_RETURN_IF_ERROR(store_.DeleteChallenge(c.token_hash));
    return ChallengeGone();
  }
  const int64_t now = clock_.NowMicros();
  if (e->locked_until > now) {
    return WithRetryAfter(RateLimited("too many wrong codes; try again later"),
                          static_cast<int>((e->locked_until - now + 999'999) / 1'000'000));
  }
  std::string how;
  if (!code.empty()) {
    auto secret = totp::FromBase32(e->secret);
    if (!secret) return Internal("two-factor secret unreadable");
    auto step = totp::MatchStep(*secret, code, now / 1'000'000, 1);
    bool ok = false;
    if (step && *step > e->last_step) {
      XQ_ASSIGN_OR_RETURN(ok, store_.AcceptStep(c.account_id, *step));
    }
    if (!ok) return WrongCode(c, &*e, "code");
    how = "totp";
  } else {
    XQ_ASSIGN_OR_RETURN(bool ok,
                        store_.UseRecoveryCode(c.account_id, RecoveryCodeHash(c.account_id, recovery_code), now));
    if (!ok) return WrongCode(c, &*e, "recovery_code");
    how = "recovery_code";
    XQ_ASSIGN_OR_RETURN(int left, store_.RecoveryCodesLeft(c.account_id));
    XQ_RETURN_IF_ERROR(Audit(nullptr, c.account_id, "two_factor_recovery_code_used", IdToString(c.account_id), "ok",
                             fmt::format("{{\"left\":{}}}", left)));
  }
  XQ_RETURN_IF_ERROR(store_.DeleteChallenge(c.token_hash));
  return auth_.OpenSession(*account, remote_addr, how);
}

absl::StatusOr<EnrolmentStart> TwoFactorService::StartEnrolment(std::string_view token) {
  XQ_ASSIGN_OR_RETURN(auto c, OpenChallenge(token, "enrol"));
  XQ_ASSIGN_OR_RETURN(auto account, accounts_.FindAccount(c.account_id));
  if (!account || account->disabled) return ChallengeGone();
  const std::string secret = totp::NewSecret();
  TwoFactorEnrolment e;
  e.account_id = account->id;
  e.school_id = account->school_id;
  e.secret = totp::Base32(secret);
  XQ_RETURN_IF_ERROR(store_.SavePending(e, clock_.NowMicros()));
  XQ_RETURN_IF_ERROR(Audit(nullptr, account->id, "two_factor_enrol_started", IdToString(account->id), "ok"));
  return EnrolmentStart{e.secret, totp::OtpauthUri(kIssuer, account->username, secret), account->username};
}

absl::StatusOr<EnrolmentDone> TwoFactorService::ConfirmEnrolment(std::string_view token, std::string_view code,
                                                                 std::string_view remote_addr) {
  if (code.empty() || code.size() > 16) return InvalidArgument("a code has 6 digits", "code");
  XQ_ASSIGN_OR_RETURN(auto c, OpenChallenge(token, "enrol"));
  XQ_ASSIGN_OR_RETURN(auto account, accounts_.FindAccount(c.account_id));
  if (!account || account->disabled) return ChallengeGone();
  XQ_ASSIGN_OR_RETURN(auto e, store_.FindEnrolment(c.account_id));
  if (!e || e->confirmed) return WithField(absl::FailedPreconditionError("start the set-up first"), "challenge");
  auto secret = totp::FromBase32(e->secret);
  if (!secret) return Internal("two-factor secret unreadable");
  const int64_t now = clock_.NowMicros();
  auto step = totp::MatchStep(*secret, code, now / 1'000'000, 1);
  if (!step) return WrongCode(c, nullptr, "code");
  EnrolmentDone done;
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    done.recovery_codes.push_back(NewRecoveryCode());
    hashes.push_back(RecoveryCodeHash(account->id, done.recovery_codes.back()));
  }
  XQ_ASSIGN_OR_RETURN(bool ok, store_.Confirm(account->id, *step, hashes, now));
  if (!ok) return WithField(absl::FailedPreconditionError("start the set-up first"), "challenge");
  XQ_RETURN_IF_ERROR(store_.DeleteChallenge(c.token_hash));
  XQ_RETURN_IF_ERROR(Audit(nullptr, account->id, "two_factor_enrolled", IdToString(account->id), "ok"));
  XQ_ASSIGN_OR_RETURN(done.login, auth_.OpenSession(*account, remote_addr, "totp"));
  return done;
}

absl::StatusOr<TwoFactorState> TwoFactorService::StateOf(const policy::Principal& p) {
  TwoFactorState s;
  XQ_ASSIGN_OR_RETURN(s.city_requires, CityRequires());
  XQ_ASSIGN_OR_RETURN(auto e, store_.FindEnrolment(p.account_id));
  s.enrolled = e && e->confirmed;
  s.required = s.city_requires && policy::RequiresSecondFactor(p.actor);
  if (s.enrolled) {
    XQ_ASSIGN_OR_RETURN(s.recovery_codes_left, store_.RecoveryCodesLeft(p.account_id));
  }
  return s;
}

absl::Status TwoFactorService::Reset(const policy::Principal& p, int64_t account_id) {
  XQ_ASSIGN_OR_RETURN(auto account, accounts_.FindAccount(account_id));
  if (!account) return NotFound("account not found");
  XQ_ASSIGN_OR_RETURN(auto grants, accounts_.GrantsOf(account_id));
  // Visible: the caller administers accounts where one of its roles lies.
  const bool visible = std::any_of(grants.begin(), grants.end(), [&](const RoleGrant& g) {
    policy::Resource r;
    r.data_class = policy::DataClass::kAccounts;
    r.unit_path = g.unit_path;
    return policy::Decide(p.actor, policy::Action::kRead, r).allowed;
  });
  if (!visible) return NotFound("account not found");
  if (account_id == p.account_id) {
    XQ_RETURN_IF_ERROR(Audit(&p, 0, "denied", IdToString(account_id), "denied", "two-factor reset of own account"));
    return PermissionDenied("another administrator must reset your two-factor sign-in");
  }
  const bool may = std::all_of(grants.begin(), grants.end(), [&](const RoleGrant& g) {
    auto role = policy::RoleFromName(g.role);
    return role && policy::DecideGrant(p.actor, *role, g.unit_path).allowed;
  });
  if (!may) {
    XQ_RETURN_IF_ERROR(Audit(&p, 0, "denied", IdToString(account_id), "denied", "two-factor reset"));
    return PermissionDenied("you may not reset this account's two-factor sign-in");
  }
  XQ_RETURN_IF_ERROR(store_.Reset(account_id));
  XQ_RETURN_IF_ERROR(Audit(&p, 0, "two_factor_reset", IdToString(account_id), "ok"));
  return absl::OkStatus();
}

absl::StatusOr<bool> TwoFactorService::GetCitySetting(const policy::Principal& p) {
  if (!policy::DecideCitySettings(p.actor, policy::Action::kRead).allowed)
    return PermissionDenied("the city's settings are for administrators");
  return CityRequires();
}

absl::Status TwoFactorService::SetCitySetting(const policy::Principal& p, bool required) {
  auto d = policy::DecideCitySettings(p.actor, policy::Action::kWrite);
  audit::Event e;
  e.actor_id = p.account_id;
  if (!p.actor.grants.empty()) e.actor_role = std::string(policy::RoleName(p.actor.grants.front().role));
  e.object_type = "city_settings";
  e.object_id = std::string(kSettingKey);
  if (!d.allowed) {
    e.action = "denied";
    e.outcome = "denied";
    e.detail = d.reason;
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    return PermissionDenied("only the city admin changes the city's settings");
  }
  XQ_ASSIGN_OR_RETURN(auto before,
                      store_.SetSetting(kSettingKey, required ? "on" : "off", p.account_id, clock_.NowMicros()));
  e.actor_role = "city_admin";
  e.action = "city_setting";
  e.outcome = "ok";
  e.detail = fmt::format("{{\"key\":\"{}\",\"from\":\"{}\",\"to\":\"{}\"}}", kSettingKey, before.value_or("on"),
                         required ? "on" : "off");
  return audit::Record(audit_, e);
}

}  // namespace xq::auth
