#include "events/events.h"

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"

namespace xq::events {

absl::StatusOr<int64_t> Publish(soci::session& s, Event e) {
  if (e.kind.empty()) return Internal("an event needs a kind");
  if (e.id == 0) e.id = NewId();
  long long id = e.id, school = e.school_id, at = e.created_at;
  s << "INSERT INTO events (id, school_id, kind, subject, payload, created_at) VALUES (:i, :s, :k, :j, :p, :t)",
      soci::use(id), soci::use(school), soci::use(e.kind), soci::use(e.subject), soci::use(e.payload), soci::use(at);
  return e.id;
}

absl::Status PublishAll(soci::session& s, std::vector<Event>& events) {
  if (events.empty()) return absl::OkStatus();
  for (const Event& e : events)
    if (e.kind.empty()) return Internal("an event needs a kind");
  long long id = 0, school = 0, at = 0;
  std::string kind, subject, payload;
  soci::statement st =
      (s.prepare << "INSERT INTO events (id, school_id, kind, subject, payload, created_at) VALUES (:i, :s, :k, :j, "
                    ":p, :t)",
       soci::use(id), soci::use(school), soci::use(kind), soci::use(subject), soci::use(payload), soci::use(at));
  for (Event& e : events) {
    if (e.id == 0) e.id = NewId();
    id = e.id, school = e.school_id, at = e.created_at;
    kind = e.kind, subject = e.subject, payload = e.payload;
    st.execute(true);
  }
  return absl::OkStatus();
}

namespace {

class OutboxLog final : public Log {
 public:
  explicit OutboxLog(db::Database& db) : db_(db) {}
  const std::string& name() const override { return name_; }

  absl::StatusOr<std::vector<Event>> Read(int64_t after, int limit, const std::vector<std::string>& kinds) override {
    std::vector<Event> out;
    std::string sql = "SELECT seq, id, school_id, kind, subject, payload, created_at FROM events WHERE seq > :a";
    std::vector<db::Database::Param> params = {static_cast<long long>(after)};
    if (!kinds.empty()) {
      sql += " AND kind IN (";
      for (size_t i = 0; i < kinds.size(); ++i) {
        sql += i ? ", :k" + std::to_string(i) : ":k0";
        params.emplace_back(kinds[i]);
      }
      sql += ")";
    }
    sql += " ORDER BY seq LIMIT " + std::to_string(limit);
    XQ_RETURN_IF_ERROR(db_.Query(sql, params, [&](const soci::row& r) {
      Event e;
      e.position = db::GetInt(r, 0);
      e.id = db::GetInt(r, 1);
      e.school_id = db::GetInt(r, 2);
      e.kind = db::GetStr(r, 3);
      e.subject = db::GetStr(r, 4);
      e.payload = db::GetStr(r, 5);
      e.created_at = db::GetInt(r, 6);
      out.push_back(std::move(e));
    }));
    return out;
  }

 private:
  db::Database& db_;
  std::string name_ = kOutbox;
};

}  // namespace

std::unique_ptr<Log> NewOutboxLog(db::Database& db) { return std::make_unique<OutboxLog>(db); }

}  // namespace xq::events
