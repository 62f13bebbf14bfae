#include "audit/audit.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <limits>

#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::audit {
namespace {

const std::string kGenesis(64, '0');

void Field(std::string* out, std::string_view v) {
  // Length-prefixed so that no two field lists serialise alike.
  *out += std::to_string(v.size());
  *out += ':';
  out->append(v.data(), v.size());
  *out += '|';
}

std::string ComputeHash(int64_t seq, int64_t at, const Event& e, const std::string& prev) {
  std::string buf;
  buf.reserve(256);
  Field(&buf, prev);
  Field(&buf, std::to_string(seq));
  Field(&buf, std::to_string(at));
  Field(&buf, std::to_string(e.actor_id));
  Field(&buf, e.actor_role);
  Field(&buf, e.action);
  Field(&buf, e.object_type);
  Field(&buf, e.object_id);
  Field(&buf, std::to_string(e.student_id));
  Field(&buf, std::to_string(e.school_id));
  Field(&buf, e.outcome);
  Field(&buf, e.purpose);
  Field(&buf, e.detail);
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), nullptr, 0);
  std::string hex(65, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
  hex.resize(64);
  return hex;
}

Entry ReadEntry(const soci::row& r) {
  Entry e;
  e.seq = db::GetInt(r, "seq");
  e.at = db::GetInt(r, "at");
  e.event.actor_id = db::GetInt(r, "actor_id");
  e.event.actor_role = db::GetStr(r, "actor_role");
  e.event.action = db::GetStr(r, "action");
  e.event.object_type = db::GetStr(r, "object_type");
  e.event.object_id = db::GetStr(r, "object_id");
  e.event.student_id = db::GetInt(r, "student_id");
  e.event.school_id = db::GetInt(r, "school_id");
  e.event.outcome = db::GetStr(r, "outcome");
  e.event.purpose = db::GetStr(r, "purpose");
  e.event.detail = db::GetStr(r, "detail");
  e.prev_hash = db::GetStr(r, "prev_hash");
  e.hash = db::GetStr(r, "hash");
  return e;
}

constexpr const char* kColumns =
    "seq, at, actor_id, actor_role, action, object_type, object_id, student_id, school_id, "
    "outcome, purpose, detail, prev_hash, hash";

// PostgreSQL, one entry after an existing head: the entry and the new head
// in one statement, not prepared (one round trip, where a prepared insert
// and the head's update took four), as the head's lock is held until the
// commit and every other append waits for it.
void AppendOneIn(soci::session& s, const Event& e, int64_t now, long long last_seq, const std::string& last_hash) {
  long long seq = last_seq + 1, at = now, actor = e.actor_id, student = e.student_id, school = e.school_id;
  std::string hash = ComputeHash(seq, at, e, last_hash), prev = last_hash;
  soci::indicator i_actor = actor ? soci::i_ok : soci::i_null, i_student = student ? soci::i_ok : soci::i_null,
                  i_school = school ? soci::i_ok : soci::i_null;
  std::string role = e.actor_role, action = e.action, otype = e.object_type, oid = e.object_id, outcome = e.outcome,
              purpose = e.purpose, detail = e.detail;
  s << "WITH entry AS (INSERT INTO audit_log (seq, at, actor_id, actor_role, action, object_type, object_id, "
       "student_id, school_id, outcome, purpose, detail, prev_hash, hash) VALUES (:seq, :at, :actor, :role, "
       ":action, :otype, :oid, :student, :school, :outcome, :purpose, :detail, :prev, :hash)) "
       "UPDATE audit_head SET seq = :head_seq, hash = :head_hash WHERE id = 1",
      soci::use(seq), soci::use(at), soci::use(actor, i_actor), soci::use(role), soci::use(action), soci::use(otype),
      soci::use(oid), soci::use(student, i_student), soci::use(school, i_school), soci::use(outcome),
      soci::use(purpose), soci::use(detail), soci::use(prev), soci::use(hash), soci::use(seq), soci::use(hash);
}

}  // namespace

absl::Status AuditLog::Record(const Event& e) {
  if (e.action.empty()) return Internal("audit event without action");
  Waiter me{.event = &e};
  std::unique_lock lk(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (writing_) {
      written_.wait(lk);
      continue;
    }
    // Leader: write what is queued (this entry among it) in one transaction.
    writing_ = true;
    std::vector<Waiter*> group;
    while (!queue_.empty() && group.size() < kMaxGroup) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    lk.unlock();
    std::vector<const Event*> events;
    events.reserve(group.size());
    for (const Waiter* w : group) events.push_back(w->event);
    absl::Status st;
    try {
      st = db_.InTransaction([&](soci::session& s) { return AppendIn(s, events); });
    } catch (...) {
      st = db::StatusFromCurrentException("audit");
    }
    lk.lock();
    for (Waiter* w : group) {
      w->status = st;
      w->done = true;
    }
    writing_ = false;
    ++group_writes_;
    written_.notify_all();
  }
  return me.status;
}

int64_t AuditLog::GroupWrites() {
  std::lock_guard lk(mu_);
  return group_writes_;
}

absl::Status AuditLog::RecordIn(soci::session& s, const Event& e) { return AppendIn(s, {&e}); }

absl::Status AuditLog::RecordAllIn(soci::session& s, const std::vector<const Event*>& events) {
  return AppendIn(s, events);
}

absl::Status AuditLog::AppendIn(soci::session& s, const std::vector<const Event*>& events) {
  if (events.empty()) return absl::OkStatus();
  for (const Event* e : events)
    if (e->action.empty()) return Internal("audit event without action");
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  long long last_seq = 0;
  std::string last_hash = kGenesis;
  soci::indicator ind_seq = soci::i_null, ind_hash = soci::i_null;
  auto read_head = [&](const char* sql) {
    s << sql, soci::into(last_seq, ind_seq), soci::into(last_hash, ind_hash);
    return s.got_data() && ind_seq == soci::i_ok;
  };
  // Serialise appends, as the chain needs the previous hash. PostgreSQL:
  // the head's row lock, taken by the read itself (FOR UPDATE waits for the
  // append holding it and then reads the head it committed), so the lock
  // costs no round trip of its own while every append waits for it. Only
  // the very first append finds no row to lock: an advisory lock then, and
  // the head read again after it (a new statement sees what was committed
  // meanwhile). SQLite: the write transaction serialises.
  bool had_head = read_head(pg ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                               : "SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!had_head && pg) {
    s << "SELECT pg_advisory_xact_lock(727274)";
    had_head = read_head("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE");
  }
  if (!had_head) {
    last_seq = 0;
    last_hash = kGenesis;
  }
  if (pg && had_head && events.size() == 1) {
    AppendOneIn(s, *events.front(), clock_.NowMicros(), last_seq, last_hash);
    return absl::OkStatus();
  }
  // One statement for every entry: prepared once, run once per entry.
  long long seq = 0, at = 0, actor = 0, student = 0, school = 0;
  soci::indicator i_actor = soci::i_ok, i_student = soci::i_ok, i_school = soci::i_ok;
  std::string role, action, otype, oid, outcome, purpose, detail, prev, hash;
  soci::statement insert =
      (s.prepare << "INSERT INTO audit_log (seq, at, actor_id, actor_role, action, object_type, object_id, "
                    "student_id, school_id, outcome, purpose, detail, prev_hash, hash) VALUES (:seq, :at, "
                    ":actor, :role, :action, :otype, :oid, :student, :school, :outcome, :purpose, :detail, "
                    ":prev, :hash)",
       soci::use(seq), soci::use(at), soci::use(actor, i_actor), soci::use(role), soci::use(action), soci::use(otype),
       soci::use(oid), soci::use(student, i_student), soci::use(school, i_school), soci::use(outcome),
       soci::use(purpose), soci::use(detail), soci::use(prev), soci::use(hash));
  for (const Event* ev : events) {
    const Event& e = *ev;
    seq = last_seq + 1;
    at = clock_.NowMicros();
    hash = ComputeHash(seq, at, e, last_hash);
    actor = e.actor_id, student = e.student_id, school = e.school_id;
    i_actor = actor ? soci::i_ok : soci::i_null;
    i_student = student ? soci::i_ok : soci::i_null;
    i_school = school ? soci::i_ok : soci::i_null;
    role = e.actor_role, action = e.action, otype = e.object_type, oid = e.object_id;
    outcome = e.outcome, purpose = e.purpose, detail = e.detail, prev = last_hash;
    insert.execute(true);
    last_seq = seq;
    last_hash = hash;
  }
  if (!had_head) {
    s << "INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)", soci::use(last_seq), soci::use(last_hash);
  } else {
    s << "UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1", soci::use(last_seq), soci::use(last_hash);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Entry>> AuditLog::List(int64_t before_seq, int limit, std::optional<std::string> action) {
  std::vector<Entry> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long before = before_seq > 0 ? before_seq : std::numeric_limits<long long>::max();
    int lim = std::clamp(limit, 1, 1000);
    std::string sql = fmt::format("SELECT {} FROM audit_log WHERE seq < :before", kColumns);
    std::string act = action.value_or("");
    if (action) sql += " AND action = :action";
    sql += " ORDER BY seq DESC LIMIT :lim";
    soci::rowset<soci::row> rows = action ? (s.prepare << sql, soci::use(before), soci::use(act), soci::use(lim))
                                          : (s.prepare << sql, soci::use(before), soci::use(lim));
    for (const auto& r : rows) out.push_back(ReadEntry(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<VerifyResult> AuditLog::Verify() {
  VerifyResult result;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows = (s.prepare << fmt::format("SELECT {} FROM audit_log ORDER BY seq", kColumns));
    std::string prev = kGenesis;
    int64_t expected = 1;
    auto fail = [&](int64_t seq, std::string why) {
      result.ok = false;
      result.first_bad_seq = seq;
      result.problem = std::move(why);
    };
    for (const auto& r : rows) {
      Entry e = ReadEntry(r);
      ++result.entries;
      if (e.seq != expected) {
        fail(expected, e.seq > expected ? fmt::format("entry {} is missing", expected)
                                        : fmt::format("entry {} is out of order", e.seq));
        return absl::OkStatus();
      }
      if (e.prev_hash != prev) {
        fail(e.seq, fmt::format("entry {} does not link to entry {}", e.seq, e.seq - 1));
        return absl::OkStatus();
      }
      if (ComputeHash(e.seq, e.at, e.event, e.prev_hash) != e.hash) {
        fail(e.seq, fmt::format("entry {} was changed after it was written", e.seq));
        return absl::OkStatus();
      }
      prev = e.hash;
      ++expected;
    }
    long long head_seq = 0;
    std::string head_hash;
    soci::indicator ind = soci::i_null;
    s << "SELECT seq, hash FROM audit_head WHERE id = 1", soci::into(head_seq, ind), soci::into(head_hash);
    const int64_t last = expected - 1;
    if (!s.got_data() || ind != soci::i_ok) {
      if (last != 0) fail(1, "audit head is missing");
    } else if (head_seq != last || head_hash != prev) {
      fail(last + 1, fmt::format("entries after {} were removed (head says {})", last, head_seq));
    }
    return absl::OkStatus();
  }));
  return result;
}

}  // namespace xq::audit
