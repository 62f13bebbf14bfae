#include "auth/auth_service.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <unordered_set>

#include "auth/password.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "policy/policy.h"
#include "spdlog/spdlog.h"

namespace xq::auth {
namespace {

// A change is committed within this long of the time it records.
constexpr int64_t kAuthChangeOverlapUs = 10'000'000;

absl::Status LockedOut(int64_t seconds) {
  return WithRetryAfter(RateLimited("too many failed logins; try again later"),
                        static_cast<int>(std::max<int64_t>(seconds, 1)));
}

std::string PrimaryRole(const policy::Principal* p) {
  if (!p || p->actor.grants.empty()) return {};
  return std::string(policy::RoleName(p->actor.grants.front().role));
}

// Scope paths where the actor administers accounts.
std::vector<std::string> AdminScopes(const policy::Actor& actor) {
  std::vector<std::string> out;
  for (const auto& g : actor.grants) {
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = policy::DataClass::kAccounts;
    r.unit_path = g.unit_path;
    if (policy::Decide(one, policy::Action::kRead, r).allowed) out.push_back(g.unit_path);
  }
  return out;
}

bool InAnyScope(const policy::Actor& actor, std::string_view path) {
  return std::any_of(actor.grants.begin(), actor.grants.end(),
                     [&](const policy::Grant& g) { return policy::InScope(g.unit_path, path); });
}

// A password an administrator chose (created or reset): it allows only the
// change. An account without a password ("!slip": a student who signs in
// with login slips) has nothing to change.
bool HasTemporaryPassword(const Account& a) {
  return a.must_change_password && !a.password_hash.empty() && a.password_hash.front() != '!';
}

}  // namespace

std::string HashToken(std::string_view token) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  std::string hex(65, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
  hex.resize(64);
  return hex;
}

int AuthService::RetryAfterOf(const absl::Status& s) { return xq::RetryAfterOf(s).value_or(0); }

AuthService::AuthService(AuthStore& store, audit::AuditLog& audit, const Clock& clock, AuthOptions options)
    : store_(store),
      audit_(audit),
      clock_(clock),
      options_(options),
      throttle_(ThrottleOptions{options.max_failed_logins_per_address, options.address_window_s,
                                options.max_failed_logins, options.max_lockout_s, true}) {
  dummy_hash_ = HashPassword("not-a-real-password-" + RandomHex(8)).value_or("");
}

audit::Event AuthService::AuditEvent(const policy::Principal* p, std::string action, std::string object_type,
                                     std::string object_id, std::string outcome, std::string detail) const {
  audit::Event e;
  e.actor_id = p ? p->account_id : 0;
  e.actor_role = PrimaryRole(p);
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

absl::Status AuthService::Audit(const policy::Principal* p, std::string action, std::string object_type,
                                std::string object_id, std::string outcome, std::string detail) {
  return audit::Record(audit_, AuditEvent(p, std::move(action), std::move(object_type), std::move(object_id),
                                          std::move(outcome), std::move(detail)));
}

absl::StatusOr<policy::Actor> AuthService::BuildActor(const Account& a, const std::vector<RoleGrant>& grants) {
  policy::Actor actor;
  actor.account_id = a.id;
  for (const auto& g : grants) {
    auto role = policy::RoleFromName(g.role);
    if (!role) continue;  // unknown role names grant nothing
    actor.grants.push_back(policy::Grant{*role, g.unit_id, g.unit_path});
  }
  if (a.person_type == "student") actor.student_id = a.person_id;
  if (a.person_type == "guardian" && a.person_id) {
    XQ_ASSIGN_OR_RETURN(actor.child_ids, store_.ChildrenOf(a.person_id));
  }
  if (a.person_type == "staff" && a.person_id) {
    XQ_ASSIGN_OR_RETURN(actor.paired_student_ids, store_.PairedStudentsOf(a.person_id));
  }
  return actor;
}

absl::StatusOr<LoginResult> AuthService::Login(std::string_view username, std::string_view password,
                                               std::string_view remote_addr) {
  if (username.empty() || username.size() > 64) return InvalidArgument("username is required", "username");
  if (password.empty() || password.size() > 128) return InvalidArgument("password is required", "password");
  const int64_t now = clock_.NowMicros();
  const std::string detail = fmt::format("{{\"remote\":\"{}\"}}", remote_addr);
  if (int64_t wait = throttle_.AddressWait(remote_addr, now)) {
    XQ_RETURN_IF_ERROR(Audit(nullptr, "login_failed", "address", std::string(remote_addr), "denied", detail));
    return LockedOut(wait);
  }
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccountByUsername(username));
  if (!account || account->disabled) {
    // A name without an account locks out like a real one (no enumeration).
    if (int64_t wait = throttle_.NameWait(username, now)) {
      XQ_RETURN_IF_ERROR(Audit(nullptr, "login_failed", "account", std::string(username), "denied", detail));
      return LockedOut(wait);
    }
    (void)VerifyPassword(dummy_hash_, password);  // same cost as a real check
    XQ_RETURN_IF_ERROR(Audit(nullptr, "login_failed", "account", std::string(username), "failed", detail));
    throttle_.AddressFailed(remote_addr, now);
    if (int64_t secs = throttle_.NameFailed(username, now)) return LockedOut(secs);
    return Unauthenticated("wrong username or password");
  }
  if (account->locked_until > now) {
    XQ_RETURN_IF_ERROR(Audit(nullptr, "login_failed", "account", IdToString(account->id), "denied", detail));
    return LockedOut((account->locked_until - now + 999'999) / 1'000'000);
  }
  if (!VerifyPassword(account->password_hash, password)) {
    int failed = account->failed_logins + 1;
    const int64_t secs = LoginThrottle::LockSeconds(failed, options_.max_failed_logins, options_.max_lockout_s, true);
    const int64_t locked_until = secs ? now + secs * 1'000'000 : 0;
    XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, failed, locked_until));
    XQ_RETURN_IF_ERROR(Audit(nullptr, "login_failed", "account", IdToString(account->id), "failed", detail));
    throttle_.AddressFailed(remote_addr, now);
    if (locked_until) return LockedOut(secs);
    return Unauthenticated("wrong username or password");
  }
  if (account->failed_logins != 0 || account->locked_until != 0) {
    XQ_RETURN_IF_ERROR(store_.SetLoginFailures(account->id, 0, 0));
  }
  if (gate_) {
    XQ_ASSIGN_OR_RETURN(auto grants, store_.GrantsOf(account->id));
    XQ_ASSIGN_OR_RETURN(auto challenge, gate_->AfterPassword(*account, grants));
    if (challenge) {
      XQ_RETURN_IF_ERROR(Audit(nullptr, "login_second_step", "account", IdToString(account->id), "ok",
                               fmt::format("{{\"remote\":\"{}\",\"step\":\"{}\"}}", remote_addr, challenge->step)));
      LoginResult result;
      result.challenge = std::move(challenge);
      return result;
    }
  }
  return OpenSession(*account, remote_addr);
}

absl::StatusOr<LoginResult> AuthService::OpenSession(const Account& signed_in, std::string_view remote_addr,
                                                     std::string_view how) {
  const int64_t now = clock_.NowMicros();
  std::string detail = fmt::format("{{\"remote\":\"{}\"}}", remote_addr);
  if (how != "password") detail = fmt::format("{{\"remote\":\"{}\",\"second_factor\":\"{}\"}}", remote_addr, how);
  auto account = std::make_optional(signed_in);
  LoginResult result;
  result.token = RandomHex(32);  // 256 bits
  Session session{HashToken(result.token), account->id, RandomHex(16), now, now};
  XQ_ASSIGN_OR_RETURN(auto grants, store_.GrantsOf(account->id));
  XQ_ASSIGN_OR_RETURN(auto actor, BuildActor(*account, grants));
  policy::Principal p;
  p.account_id = account->id;
  p.username = account->username;
  p.actor = actor;
  // The session and its audit entry are written together.
  XQ_RETURN_IF_ERROR(store_.CreateSession(
      session, audit::RecordingIn(audit_, AuditEvent(&p, "login", "account", IdToString(account->id), "ok", detail))));
  if (auto r = Build(SignedIn{session, *account, grants}, now))
    Hold(r, Generation());  // its first request needs no read
  account->password_hash.clear();
  result.me = Me{*account, std::move(grants), policy::Capabilities(actor), session.csrf_token};
  return result;
}

std::shared_ptr<const AuthService::Resolved> AuthService::CachedSession(const std::string& hash, int64_t now) {
  if (options_.principal_cache_s <= 0) return nullptr;
  std::lock_guard lk(cache_mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end()) return nullptr;
  if (now - it->second->loaded_at >= options_.principal_cache_s * 1'000'000) {
    KeepIdleClock(*it->second);
    cache_.erase(it);
    return nullptr;
  }
  return it->second;
}

std::shared_ptr<const AuthService::Resolved> AuthService::LoadSession(const std::string& hash, int64_t now) {
  const uint64_t generation = Generation();
  auto signed_in = store_.FindSignedIn(hash);
  if (!signed_in.ok() || !*signed_in) return nullptr;
  auto r = Build(**signed_in, now);
  if (r) Hold(r, generation);
  return r;
}

uint64_t AuthService::Generation() {
  std::lock_guard lk(cache_mu_);
  return generation_;
}

void AuthService::Hold(const std::shared_ptr<const Resolved>& r, uint64_t generation) {
  if (options_.principal_cache_s <= 0) return;
  std::lock_guard lk(cache_mu_);
  if (generation == generation_) cache_[r->principal.session_key] = r;
}

std::shared_ptr<const AuthService::Resolved> AuthService::Build(const SignedIn& signed_in, int64_t now) {
  const Account& account = signed_in.account;
  if (account.disabled) return nullptr;
  auto actor = BuildActor(account, signed_in.grants);
  if (!actor.ok()) return nullptr;
  const Session& s = signed_in.session;
  auto r = std::make_shared<Resolved>();
  r->principal.account_id = s.account_id;
  r->principal.username = account.username;
  r->principal.display_name = account.display_name;
  r->principal.csrf_token = s.csrf_token;
  r->principal.session_key = s.token_hash;
  r->principal.actor = std::move(*actor);
  r->principal.must_change_password = HasTemporaryPassword(account);
  r->created_at = s.created_at;
  r->loaded_at = now;
  r->last_seen_at = s.last_seen_at;
  r->persisted_seen_at = s.last_seen_at;
  return r;
}

absl::StatusOr<AuthService::HeldSessions> AuthService::HoldSignedInSessions(size_t limit) {
  if (options_.principal_cache_s <= 0) return HeldSessions{};
  const int64_t now = clock_.NowMicros();
  const int64_t read_at = SystemClock::Instance().NowMicros();
  XQ_ASSIGN_OR_RETURN(auto sessions, store_.SignedInSince(now - options_.idle_timeout_s * 1'000'000, limit));
  std::vector<std::shared_ptr<const Resolved>> built;
  for (const auto& si : sessions) {
    if (now - si.session.created_at > options_.absolute_timeout_s * 1'000'000) continue;
    if (auto r = Build(si, now)) built.push_back(std::move(r));
  }
  // Sessions may have ended and accounts changed while they were read: those
  // logged since are left out. Under the lock no forget can come between the
  // log and the insert; what is logged later is forgotten by ApplyAuthChanges.
  std::lock_guard lk(cache_mu_);
  XQ_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(read_at - kAuthChangeOverlapUs));
  std::unordered_set<std::string> ended;
  std::unordered_set<int64_t> changed;
  for (const auto& c : changes) {
    if (c.token_hash.empty())
      changed.insert(c.account_id);
    else
      ended.insert(c.token_hash);
  }
  HeldSessions held;
  for (auto& r : built) {
    if (ended.count(r->principal.session_key) || changed.count(r->principal.account_id)) continue;
    const int64_t student = r->principal.actor.student_id;
    if (cache_.try_emplace(r->principal.session_key, std::move(r)).second) {  // never over a fresher read
      ++held.sessions;
      if (student != 0) held.student_ids.push_back(student);
    }
  }
  return held;
}

absl::Status AuthService::ApplyAuthChanges() {
  constexpr int64_t kOverlap = kAuthChangeOverlapUs;
  constexpr int64_t kKeep = int64_t{24} * 3600 * 1'000'000;
  std::lock_guard lk(changes_mu_);
  const int64_t now = SystemClock::Instance().NowMicros();
  if (changes_read_at_ == 0) changes_read_at_ = now;
  const int64_t since = changes_read_at_ - kOverlap;
  XQ_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(since));
  changes_read_at_ = now;
  std::erase_if(changes_applied_, [&](const auto& k) { return std::get<0>(k) < since; });
  for (auto& c : changes) {
    auto [it, fresh] = changes_applied_.emplace(c.at, c.account_id, c.token_hash);
    if (!fresh) continue;
    if (!c.token_hash.empty())
      ForgetSession(c.token_hash);
    else
      ForgetAccount(c.account_id);
  }
  if (now - changes_pruned_at_ > 3600'000'000) {
    changes_pruned_at_ = now;
    XQ_RETURN_IF_ERROR(store_.PruneChanges(now - kKeep));
  }
  return absl::OkStatus();
}

void AuthService::ForgetSession(const std::string& hash) {
  std::lock_guard lk(cache_mu_);
  ++generation_;
  cache_.erase(hash);
}

void AuthService::ForgetAccount(int64_t account_id) {
  std::lock_guard lk(cache_mu_);
  ++generation_;
  absl::erase_if(cache_, [&](const auto& e) {
    if (e.second->principal.account_id != account_id) return false;
    KeepIdleClock(*e.second);  // the session itself goes on
    return true;
  });
}

void AuthService::DropStaleSessions(int64_t now) {
  const int64_t ttl = options_.principal_cache_s * 1'000'000;
  std::lock_guard lk(cache_mu_);
  if (now - cache_swept_at_ < ttl) return;
  cache_swept_at_ = now;
  absl::erase_if(cache_, [&](const auto& e) {
    if (now - e.second->loaded_at < ttl) return false;
    KeepIdleClock(*e.second);
    return true;
  });
}

void AuthService::KeepIdleClock(const Resolved& r) {
  const int64_t t = r.last_seen_at.load(std::memory_order_relaxed);
  if (t <= r.persisted_seen_at.load(std::memory_order_relaxed)) return;
  std::lock_guard lk(seen_mu_);
  int64_t& kept = seen_[r.principal.session_key];
  kept = std::max(kept, t);
}

std::optional<policy::Principal> AuthService::Resolve(std::string_view token) {
  auto p = ResolveShared(token);
  if (!p) return std::nullopt;
  return *p;
}

std::shared_ptr<const policy::Principal> AuthService::ResolveShared(std::string_view token) {
  if (token.size() != 64) return nullptr;
  const std::string hash = HashToken(token);
  const int64_t now = clock_.NowMicros();
  std::shared_ptr<const Resolved> r = CachedSession(hash, now);
  const bool held = r != nullptr;
  if (!r) r = LoadSession(hash, now);
  if (!r) return nullptr;
  auto last_seen_of = [&](const Resolved& x) {
    int64_t t = x.last_seen_at.load(std::memory_order_relaxed);
    std::lock_guard lk(seen_mu_);
    if (auto it = seen_.find(hash); it != seen_.end()) t = std::max(t, it->second);
    return t;
  };
  int64_t last_seen = last_seen_of(*r);
  auto expired = [&] {
    return now - last_seen > options_.idle_timeout_s * 1'000'000 ||
           now - r->created_at > options_.absolute_timeout_s * 1'000'000;
  };
  if (expired() && held) {
    // Another server may have seen the session since it was read here.
    ForgetSession(hash);
    r = LoadSession(hash, now);
    if (!r) return nullptr;
    last_seen = last_seen_of(*r);
  }
  if (expired()) {
    {
      std::lock_guard lk(seen_mu_);
      seen_.erase(hash);
    }
    ForgetSession(hash);
    (void)store_.DeleteSession(hash);
    return nullptr;
  }
  // The idle clock moves in memory with every request. FlushSessionActivity
  // writes it for restarts and other servers, only once it has moved on by
  // a sixth of the idle timeout (at least a minute): with every request
  // writing, the session table took as many random page writes as the
  // submissions did. A crash or another server may so end a session up to
  // that much early, never late.
  r->last_seen_at.store(now, std::memory_order_relaxed);
  const int64_t persist_after = std::max<int64_t>(60'000'000, options_.idle_timeout_s * 1'000'000 / 6);
  if (now - r->persisted_seen_at.load(std::memory_order_relaxed) > persist_after) {
    r->persisted_seen_at.store(now, std::memory_order_relaxed);
    std::lock_guard lk(seen_mu_);
    seen_[hash] = now;
  }
  return std::shared_ptr<const policy::Principal>(r, &r->principal);  // shares r's ownership
}

absl::Status AuthService::FlushSessionActivity() {
  if (options_.principal_cache_s > 0) DropStaleSessions(clock_.NowMicros());
  std::unordered_map<std::string, int64_t> seen;
  {
    std::lock_guard lk(seen_mu_);
    seen.swap(seen_);
  }
  if (seen.empty()) return absl::OkStatus();
  std::vector<std::pair<std::string, int64_t>> rows(seen.begin(), seen.end());
  absl::Status st = store_.TouchSessions(rows);
  if (!st.ok()) {  // keep them for the next try (newer times win)
    std::lock_guard lk(seen_mu_);
    for (auto& [h, t] : rows) {
      auto [it, fresh] = seen_.emplace(h, t);
      if (!fresh) it->second = std::max(it->second, t);
    }
  }
  return st;
}

absl::Status AuthService::Logout(const policy::Principal& p) {
  ForgetSession(p.session_key);
  XQ_RETURN_IF_ERROR(store_.DeleteSession(
      p.session_key, audit::RecordingIn(audit_, AuditEvent(&p, "logout", "account", IdToString(p.account_id), "ok"))));
  return absl::OkStatus();
}

absl::StatusOr<Me> AuthService::GetMe(const policy::Principal& p) {
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccount(p.account_id));
  if (!account) return Unauthenticated();
  account->password_hash.clear();
  XQ_ASSIGN_OR_RETURN(auto grants, store_.GrantsOf(p.account_id));
  return Me{*account, std::move(grants), policy::Capabilities(p.actor), p.csrf_token};
}

absl::Status AuthService::ChangePassword(const policy::Principal& p, std::string_view current, std::string_view next) {
  XQ_RETURN_IF_ERROR(CheckPasswordStrength(next, "new_password"));
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccount(p.account_id));
  if (!account) return Unauthenticated();
  if (!VerifyPassword(account->password_hash, current)) {
    XQ_RETURN_IF_ERROR(Audit(&p, "password_change", "account", IdToString(p.account_id), "failed"));
    return InvalidArgument("current password is wrong", "current_password");
  }
  if (current == next) return InvalidArgument("new password equals the current one", "new_password");
  XQ_ASSIGN_OR_RETURN(auto hash, HashPassword(next));
  XQ_RETURN_IF_ERROR(store_.SetPassword(
      p.account_id, hash, false, clock_.NowMicros(),
      audit::RecordingIn(audit_, AuditEvent(&p, "password_change", "account", IdToString(p.account_id), "ok"))));
  // Other sessions of this account end; this one stays.
  XQ_RETURN_IF_ERROR(store_.DeleteSessionsOf(p.account_id, p.session_key));
  ForgetAccount(p.account_id);
  return absl::OkStatus();
}

absl::StatusOr<AccountPage> AuthService::ListAccounts(const policy::Principal& p, std::optional<int64_t> unit_id,
                                                      std::string_view q, std::string_view after, int limit) {
  std::vector<std::string> scopes = AdminScopes(p.actor);
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "accounts", "", "denied", "list accounts"));
    return PermissionDenied("you do not administer accounts");
  }
  if (unit_id) {
    XQ_ASSIGN_OR_RETURN(auto unit, store_.FindUnit(*unit_id));
    bool visible = unit && std::any_of(scopes.begin(), scopes.end(),
                                       [&](const std::string& s) { return policy::InScope(s, unit->path); });
    if (!visible) return NotFound("org unit not found");
    scopes = {unit->path};
  }
  return store_.ListAccounts(scopes, q, after, std::clamp(limit, 1, 200));
}

absl::StatusOr<AccountView> AuthService::VisibleAccount(const policy::Principal& p, int64_t account_id) {
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccount(account_id));
  if (!account) return NotFound("account not found");
  XQ_ASSIGN_OR_RETURN(auto grants, store_.GrantsOf(account_id));
  XQ_ASSIGN_OR_RETURN(auto pending, store_.PendingRequestsOf(account_id));
  const auto scopes = AdminScopes(p.actor);
  auto in_scope = [&](const std::string& path) {
    return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) { return policy::InScope(s, path); });
  };
  bool visible =
      std::any_of(grants.begin(), grants.end(), [&](const RoleGrant& g) { return in_scope(g.unit_path); }) ||
      std::any_of(pending.begin(), pending.end(), [&](const GrantRequest& r) { return in_scope(r.unit.path); });
  if (!visible) return NotFound("account not found");
  account->password_hash.clear();
  return AccountView{*account, std::move(grants), std::move(pending)};
}

absl::StatusOr<AccountView> AuthService::CreateAccount(const policy::Principal& p, const NewAccount& in) {
  if (in.username.size() < 3 || in.username.size() > 64 ||
      !std::all_of(in.username.begin(), in.username.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      }))
    return InvalidArgument("username must be 3-64 letters, digits, '_', '.' or '-'", "username");
  if (in.display_name.empty() || in.display_name.size() > 100)
    return InvalidArgument("display_name is required (at most 100 bytes)", "display_name");
  XQ_RETURN_IF_ERROR(CheckPasswordStrength(in.password, "password"));
  if (in.roles.empty()) return InvalidArgument("at least one role is required", "roles");
  if (in.roles.size() > 20) return InvalidArgument("too many roles", "roles");
  Account a;
  a.id = NewId();
  a.username = in.username;
  a.display_name = in.display_name;
  a.person_type = "staff";
  a.must_change_password = true;  // the administrator set it; the user replaces it
  std::vector<RoleGrant> grants;
  std::vector<UnitRef> units;
  std::vector<policy::Role> roles;
  for (size_t i = 0; i < in.roles.size(); ++i) {
    const auto& [role_name, unit_id] = in.roles[i];
    const std::string field = fmt::format("roles[{}]", i);
    auto role = policy::RoleFromName(role_name);
    if (!role) return InvalidArgument("unknown role", field + ".role");
    if (*role == policy::Role::kStudent || *role == policy::Role::kGuardian)
      return InvalidArgument("student and guardian accounts come from the roster", field + ".role");
    XQ_ASSIGN_OR_RETURN(auto unit, store_.FindUnit(unit_id));
    if (!unit) return NotFound("org unit not found");
    if (!a.school_id && unit->school_id) a.school_id = unit->school_id;
    units.push_back(std::move(*unit));
    roles.push_back(*role);
  }
  // The new account is staff of the first role's school (or of none above
  // schools); every role is then decided as a grant to it.
  AccountView created{a, {}, {}};
  for (size_t i = 0; i < roles.size(); ++i) {
    const std::string field = fmt::format("roles[{}]", i);
    const UnitRef& unit = units[i];
    auto d = policy::DecideGrantTo(p.actor, roles[i], unit.path, TargetOf(created, unit));
    if (!d.allowed) {
      XQ_RETURN_IF_ERROR(Audit(&p, "denied", "role_grant", IdToString(unit.id), "denied", d.reason));
      // The caller may know units inside its scope exist; others stay hidden.
      if (!InAnyScope(p.actor, unit.path)) return NotFound("org unit not found");
      return WithField(PermissionDenied("you may not grant this role here"), field + ".role");
    }
    if (d.needs_approval) {
      GrantRequest r;
      r.id = NewId();
      r.account_id = a.id;
      r.account_username = a.username;
      r.account_display_name = a.display_name;
      r.role = std::string(policy::RoleName(roles[i]));
      r.unit = unit;
      r.requested_by = p.account_id;
      r.requested_by_name = p.display_name;
      r.requested_at = clock_.NowMicros();
      r.state = "pending";
      created.pending.push_back(std::move(r));
    } else {
      RoleGrant g{NewId(),   a.id,          std::string(policy::RoleName(roles[i])), unit.id, unit.name, unit.kind,
                  unit.path, unit.school_id};
      created.grants.push_back(g);
      grants.push_back(std::move(g));
    }
  }
  XQ_ASSIGN_OR_RETURN(a.password_hash, HashPassword(in.password));
  // The account, its grants and its pending requests with their notices
  // are written together or not at all.
  std::vector<notice::Notice> notices;
  for (const auto& r : created.pending) {
    XQ_ASSIGN_OR_RETURN(auto n, GrantNotices(p, "grant_requested", r));
    notices.insert(notices.end(), n.begin(), n.end());
  }
  std::vector<audit::Event> entries{AuditEvent(&p, "account_create", "account", IdToString(a.id), "ok", a.username)};
  for (const auto& g : grants)
    entries.push_back(
        AuditEvent(&p, "grant", "account", IdToString(a.id), "ok", fmt::format("{}@{}", g.role, g.unit_id)));
  for (const auto& r : created.pending)
    entries.push_back(AuditEvent(&p, "grant_requested", "account", IdToString(a.id), "ok",
                                 fmt::format("{}@{} request {}", r.role, r.unit.id, IdToString(r.id))));
  auto st = store_.CreateAccount(a, grants, clock_.NowMicros(), created.pending, notices,
                                 audit::RecordingIn(audit_, std::move(entries)));
  if (st.code() == absl::StatusCode::kAlreadyExists) return Conflict("username is taken", "username");
  XQ_RETURN_IF_ERROR(st);
  a.password_hash.clear();
  created.account = a;
  return created;
}

policy::GrantTarget AuthService::TargetOf(const AccountView& v, const UnitRef& unit) {
  policy::GrantTarget t;
  t.account_id = v.account.id;
  t.person_type = v.account.person_type;
  // Staff of a school get roles of that school; staff above schools
  // (district, city) roles above schools.
  t.member_of_unit = v.account.school_id == unit.school_id;
  for (const auto& g : v.grants)
    if (auto r = policy::RoleFromName(g.role)) t.roles.push_back(*r);
  return t;
}

absl::StatusOr<std::vector<notice::Notice>> AuthService::GrantNotices(const policy::Principal& p, std::string kind,
                                                                      const GrantRequest& r,
                                                                      std::vector<int64_t> extra) {
  XQ_ASSIGN_OR_RETURN(auto to, store_.AccountsToTell(r.unit.school_id, r.unit.path));
  to.insert(to.end(), extra.begin(), extra.end());
  std::sort(to.begin(), to.end());
  to.erase(std::unique(to.begin(), to.end()), to.end());
  std::vector<notice::Notice> out;
  for (int64_t id : to) {
    notice::Notice n;
    n.account_id = id;
    n.school_id = r.unit.school_id;
    n.kind = kind;
    n.actor_id = p.account_id;
    n.actor_name = p.display_name.empty() ? p.username : p.display_name;
    n.params = {{"account", r.account_display_name},
                {"username", r.account_username},
                {"role", r.role},
                {"unit", r.unit.name},
                {"requested_by", r.requested_by_name},
                {"request_id", IdToString(r.id)}};
    if (auto role = policy::RoleFromName(r.role)) n.params["role_label"] = std::string(policy::RoleLabelZh(*role));
    out.push_back(std::move(n));
  }
  return out;
}

absl::StatusOr<AuthService::GrantOutcome> AuthService::Grant(const policy::Principal& p, int64_t account_id,
                                                             std::string_view role_name, int64_t unit_id) {
  XQ_ASSIGN_OR_RETURN(auto target, VisibleAccount(p, account_id));
  auto role = policy::RoleFromName(role_name);
  if (!role) return InvalidArgument("unknown role", "role");
  XQ_ASSIGN_OR_RETURN(auto unit, store_.FindUnit(unit_id));
  if (!unit) return NotFound("org unit not found");
  auto d = policy::DecideGrantTo(p.actor, *role, unit->path, TargetOf(target, *unit));
  if (!d.allowed) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "role_grant", IdToString(account_id), "denied", d.reason));
    if (!InAnyScope(p.actor, unit->path)) return NotFound("org unit not found");
    if (account_id == p.account_id)
      return WithField(PermissionDenied("nobody grants a role to its own account"), "account");
    return WithField(PermissionDenied("you may not grant this role to this account here"), "role");
  }
  const int64_t now = clock_.NowMicros();
  GrantOutcome out;
  if (d.needs_approval) {
    const std::string name(policy::RoleName(*role));
    if (std::any_of(target.grants.begin(), target.grants.end(),
                    [&](const RoleGrant& g) { return g.role == name && g.unit_id == unit->id; }))
      return Conflict("the account already has this role here", "role");
    GrantRequest r;
    r.id = NewId();
    r.account_id = account_id;
    r.account_username = target.account.username;
    r.account_display_name = target.account.display_name;
    r.role = name;
    r.unit = *unit;
    r.requested_by = p.account_id;
    r.requested_by_name = p.display_name;
    r.requested_at = now;
    r.state = "pending";
    XQ_ASSIGN_OR_RETURN(auto notices, GrantNotices(p, "grant_requested", r));
    auto st = store_.CreateGrantRequest(
        r, notices,
        audit::RecordingIn(audit_, AuditEvent(&p, "grant_requested", "account", IdToString(account_id), "ok",
                                              fmt::format("{}@{} request {}", r.role, r.unit.id, IdToString(r.id)))));
    if (st.code() == absl::StatusCode::kAlreadyExists) return Conflict("this grant already waits for approval", "role");
    XQ_RETURN_IF_ERROR(st);
    out.request = std::move(r);
    return out;
  }
  RoleGrant g{NewId(),    account_id,     std::string(policy::RoleName(*role)), unit->id, unit->name, unit->kind,
              unit->path, unit->school_id};
  auto st = store_.AddGrant(g, p.account_id, now,
                            audit::RecordingIn(audit_, AuditEvent(&p, "grant", "account", IdToString(account_id), "ok",
                                                                  fmt::format("{}@{}", g.role, g.unit_id))));
  if (st.code() == absl::StatusCode::kAlreadyExists) return Conflict("the account already has this role here", "role");
  XQ_RETURN_IF_ERROR(st);
  ForgetAccount(account_id);
  out.grant = std::move(g);
  return out;
}

absl::StatusOr<std::vector<GrantRequest>> AuthService::ListGrantRequests(const policy::Principal& p,
                                                                         std::string_view state, int limit) {
  if (!state.empty() && state != "pending" && state != "approved" && state != "rejected")
    return InvalidArgument("state must be pending, approved or rejected", "state");
  // Administrators see requests in their scope; the psychology centre of a
  // school sees those of its school (it is told of every such grant).
  std::vector<std::string> scopes = AdminScopes(p.actor);
  for (const auto& g : p.actor.grants)
    if (g.role == policy::Role::kPsychStaff) scopes.push_back(g.unit_path);
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "grant_requests", "", "denied", "list grant requests"));
    return PermissionDenied("you do not administer accounts");
  }
  return store_.GrantRequests(scopes, state, std::clamp(limit, 1, 200));
}

absl::StatusOr<GrantRequest> AuthService::DecideGrantRequest(const policy::Principal& p, int64_t request_id,
                                                             bool approve) {
  XQ_ASSIGN_OR_RETURN(auto req, store_.FindGrantRequest(request_id));
  const auto scopes = AdminScopes(p.actor);
  if (!req || std::none_of(scopes.begin(), scopes.end(),
                           [&](const std::string& s) { return policy::InScope(s, req->unit.path); }))
    return NotFound("grant request not found");
  if (req->state != "pending") return Conflict("the request is no longer pending", "state");
  auto role = policy::RoleFromName(req->role);
  if (!role) return Internal("unknown role in a grant request");
  XQ_ASSIGN_OR_RETURN(auto account, store_.FindAccount(req->account_id));
  if (!account) return NotFound("grant request not found");
  XQ_ASSIGN_OR_RETURN(auto grants, store_.GrantsOf(req->account_id));
  AccountView target{*account, std::move(grants), {}};
  auto d = policy::DecideApproval(p.actor, req->requested_by, *role, req->unit.path, TargetOf(target, req->unit));
  // Rejecting needs only the four-eyes part: a second administrator in scope.
  const bool may_reject = !approve && p.account_id != req->requested_by && p.account_id != req->account_id &&
                          policy::DecideGrant(p.actor, *role, req->unit.path).allowed;
  if (!d.allowed && !may_reject) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "grant_request", IdToString(request_id), "denied", d.reason));
    if (p.account_id == req->requested_by)
      return WithField(PermissionDenied("a second administrator must decide this request"), "request");
    if (p.account_id == req->account_id)
      return WithField(PermissionDenied("nobody decides a grant to its own account"), "request");
    return WithField(PermissionDenied("you may not approve this grant"), "request");
  }
  const int64_t now = clock_.NowMicros();
  req->state = approve ? "approved" : "rejected";
  req->decided_by = p.account_id;
  req->decided_by_name = p.display_name;
  req->decided_at = now;
  XQ_ASSIGN_OR_RETURN(auto notices, GrantNotices(p, approve ? "grant_approved" : "grant_rejected", *req,
                                                 {req->account_id, req->requested_by}));
  auto st = store_.DecideGrantRequest(
      request_id, approve, p.account_id, now, notices,
      audit::RecordingIn(audit_, AuditEvent(&p, approve ? "grant_approved" : "grant_rejected", "account",
                                            IdToString(req->account_id), "ok",
                                            fmt::format("{}@{} request {} asked by {}", req->role, req->unit.id,
                                                        IdToString(request_id), IdToString(req->requested_by)))));
  if (st.code() == absl::StatusCode::kAlreadyExists)
    return Conflict(approve ? "the request is no longer pending, or the account already has this role"
                            : "the request is no longer pending",
                    "state");
  XQ_RETURN_IF_ERROR(st);
  if (approve) ForgetAccount(req->account_id);
  return *req;
}

absl::Status AuthService::Revoke(const policy::Principal& p, int64_t account_id, int64_t grant_id) {
  XQ_ASSIGN_OR_RETURN(auto target, VisibleAccount(p, account_id));
  XQ_ASSIGN_OR_RETURN(auto grant, store_.FindGrant(grant_id));
  if (!grant || grant->account_id != account_id) return NotFound("role grant not found");
  auto role = policy::RoleFromName(grant->role);
  policy::Decision d;
  if (role) d = policy::DecideRevoke(p.actor, *role, grant->unit_path, account_id);
  if (!d.allowed) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "role_grant", IdToString(grant_id), "denied", "revoke: " + d.reason));
    if (account_id == p.account_id)
      return WithField(PermissionDenied("nobody revokes a role of its own account"), "account");
    return PermissionDenied("you may not revoke this role");
  }
  XQ_RETURN_IF_ERROR(store_.RemoveGrant(
      grant_id, audit::RecordingIn(audit_, AuditEvent(&p, "revoke", "account", IdToString(account_id), "ok",
                                                      fmt::format("{}@{}", grant->role, grant->unit_id)))));
  ForgetAccount(account_id);
  return absl::OkStatus();
}

absl::Status AuthService::ResetPassword(const policy::Principal& p, int64_t account_id, std::string_view new_password) {
  XQ_RETURN_IF_ERROR(CheckPasswordStrength(new_password, "new_password"));
  XQ_ASSIGN_OR_RETURN(auto target, VisibleAccount(p, account_id));
  // Every role of the account must be one the caller may revoke: never its
  // own account (it changes its own password with the current one).
  bool may =
      account_id != p.account_id && std::all_of(target.grants.begin(), target.grants.end(), [&](const RoleGrant& g) {
        auto role = policy::RoleFromName(g.role);
        return role && policy::DecideRevoke(p.actor, *role, g.unit_path, account_id).allowed;
      });
  if (!may) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "account", IdToString(account_id), "denied", "password reset"));
    if (account_id == p.account_id)
      return WithField(PermissionDenied("change your own password with the current one"), "account");
    return PermissionDenied("you may not reset this account's password");
  }
  XQ_ASSIGN_OR_RETURN(auto hash, HashPassword(new_password));
  // Its holder is told on the next sign-in who reset it and when.
  notice::Notice n;
  n.account_id = account_id;
  n.school_id = target.account.school_id;
  n.kind = "password_reset";
  n.actor_id = p.account_id;
  n.actor_name = p.display_name.empty() ? p.username : p.display_name;
  XQ_RETURN_IF_ERROR(store_.ResetPassword(
      account_id, hash, clock_.NowMicros(), {n},
      audit::RecordingIn(audit_,
                         AuditEvent(&p, "password_reset", "account", IdToString(account_id), "ok", "sessions ended"))));
  ForgetAccount(account_id);
  return absl::OkStatus();
}

}  // namespace xq::auth
