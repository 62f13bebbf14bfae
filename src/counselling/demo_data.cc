#include "counselling/demo_data.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "counselling/counselling_store.h"
#include "db/row.h"
#include "soci/soci.h"

namespace xq::counselling {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1'000'000;
constexpr int64_t kDay = 24 * kHour;

struct DemoPeople {
  int64_t psych = 0, school = 0, head_teacher = 0;
  std::vector<StudentRef> students;  // class 1, the demo student first
};

absl::StatusOr<DemoPeople> People(db::Database& db) {
  DemoPeople p;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    long long psych = 0, school = 0, head = 0, student = 0;
    soci::indicator i1, i2, i3, i4;
    s << "SELECT MIN(a.id), MIN(ra.school_id) FROM accounts a JOIN role_assignments ra ON ra.account_id = a.id "
         "WHERE a.username = 'psych_staff' AND ra.role = 'psych_staff'",
        soci::into(psych, i1), soci::into(school, i2);
    s << "SELECT MIN(id) FROM accounts WHERE username = 'head_teacher'", soci::into(head, i3);
    s << "SELECT MIN(person_id) FROM accounts WHERE username = 'student'", soci::into(student, i4);
    if (i1 != soci::i_ok || i2 != soci::i_ok || i4 != soci::i_ok) return absl::OkStatus();
    p.psych = psych;
    p.school = school;
    p.head_teacher = i3 == soci::i_ok ? head : 0;
    soci::rowset<soci::row> rows = (s.prepare << "SELECT st.id, st.school_id, st.unit_path, st.name FROM students st "
                                                 "JOIN students me ON me.class_id = st.class_id WHERE me.id = :id "
                                                 "ORDER BY CASE WHEN st.id = :id2 THEN 0 ELSE 1 END, st.id LIMIT 6",
                                    soci::use(student), soci::use(student));
    for (const auto& r : rows)
      p.students.push_back(
          {db::GetInt(r, "id"), db::GetInt(r, "school_id"), db::GetStr(r, "unit_path"), db::GetStr(r, "name")});
    return absl::OkStatus();
  }));
  return p;
}

absl::Status None(soci::session&) { return absl::OkStatus(); }

}  // namespace

absl::StatusOr<DemoCounsellingSummary> SeedDemoCounselling(db::Database& db, const crypto::KeyRing& keys,
                                                           const Clock& clock) {
  DemoCounsellingSummary sum;
  XQ_ASSIGN_OR_RETURN(DemoPeople p, People(db));
  if (p.psych == 0 || p.students.size() < 4) return sum;  // not the demo city
  auto store = NewSociCounsellingStore(db);
  const int64_t now = clock.NowMicros();
  // Midnight in Asia/Shanghai (UTC+8, no daylight saving).
  const int64_t today = (now + 8 * kHour) / kDay * kDay - 8 * kHour;
  XQ_RETURN_IF_ERROR(store->SetCentreHead(p.school, p.psych, p.psych, now, None));

  // Today (whatever the weekday: the demo has something to see now) and
  // the next four school days; no weekend after today.
  std::vector<int> days{0};
  for (int d = 1; days.size() < 5; ++d) {
    const int64_t weekday = ((today + 8 * kHour) / kDay + d + 4) % 7;  // 1970-01-01 was a Thursday
    if (weekday != 0 && weekday != 6) days.push_back(d);
  }
  std::vector<Slot> slots;
  for (int day : days)
    for (int hour : {9, 10, 11, 14, 15, 16}) {
      Slot s;
      s.id = NewId();
      s.school_id = p.school;
      s.counsellor_account_id = p.psych;
      s.room = day % 2 ? "心理辅导室 2" : "心理辅导室 1";
      s.starts_at = today + day * kDay + hour * kHour;
      s.ends_at = s.starts_at + kHour - 10 * 60 * 1'000'000;
      s.created_at = now;
      slots.push_back(s);
    }
  XQ_RETURN_IF_ERROR(store->CreateSlots(slots, None));
  sum.slots = static_cast<int64_t>(slots.size());

  // Today: four students; the next school day at 10:00 the demo student.
  auto book = [&](const Slot& slot, const StudentRef& st, std::string source) -> absl::StatusOr<Booking> {
    Booking b;
    b.id = NewId();
    b.school_id = st.school_id;
    b.slot_id = slot.id;
    b.student_id = st.id;
    b.unit_path = st.unit_path;
    b.source = std::move(source);
    b.state = "booked";
    b.created_by = p.psych;
    b.created_at = b.updated_at = now;
    XQ_RETURN_IF_ERROR(store->InsertBooking(b, None));
    ++sum.bookings;
    return b;
  };
  XQ_ASSIGN_OR_RETURN(Booking b0, book(slots[0], p.students[1], "self"));
  XQ_ASSIGN_OR_RETURN(Booking b1, book(slots[1], p.students[2], "walk_in"));
  XQ_ASSIGN_OR_RETURN(Booking b2, book(slots[3], p.students[3], "referral"));
  XQ_RETURN_IF_ERROR(book(slots[7], p.students[0], "self").status());
  XQ_RETURN_IF_ERROR(store->SetBookingState(b1.id, "no_show", now, None).status());

  if (p.head_teacher) {
    Referral r;
    r.id = NewId();
    r.school_id = p.students[3].school_id;
    r.student_id = p.students[3].id;
    r.unit_path = p.students[3].unit_path;
    r.referred_by = p.head_teacher;
    r.reason = "近两周课堂上注意力不集中，和同学交流明显减少，希望心理中心老师聊一聊。";
    r.created_at = now;
    XQ_RETURN_IF_ERROR(store->InsertReferral(r, None));
  }

  struct Demo {
    const Booking* booking;
    const StudentRef* student;
    const char* risk;
    const char* concern;
    const char* notes;
    const char* next;
  };
  const Demo records[] = {
      {&b0, &p.students[1], "low", "学业压力较大，考试前睡眠不好。", "来访者主动预约，谈到期中考试前的紧张和作息。",
       "两周后回访；练习放松训练。"},
      {&b2, &p.students[3], "medium", "班主任转介：近期与同学交流减少。", "来访者谈到与好友的矛盾，情绪低落约两周。",
       "一周后再次面谈；与班主任沟通课堂观察（不透露谈话内容）。"},
  };
  for (const Demo& d : records) {
    const auto held =
        std::find_if(slots.begin(), slots.end(), [&](const Slot& x) { return x.id == d.booking->slot_id; });
    if (held == slots.end() || held->starts_at > now) continue;  // not held yet
    SealedRecord r;
    r.id = NewId();
    r.school_id = d.student->school_id;
    r.student_id = d.student->id;
    r.unit_path = d.student->unit_path;
    r.booking_id = d.booking->id;
    r.author_account_id = p.psych;
    r.risk = d.risk;
    r.held_at = held->starts_at;
    r.created_at = r.updated_at = now;
    const std::string ad = "counselling_records:" + std::to_string(r.id);
    XQ_ASSIGN_OR_RETURN(r.concern_sealed, keys.Seal(d.concern, ad));
    XQ_ASSIGN_OR_RETURN(r.notes_sealed, keys.Seal(d.notes, ad));
    XQ_ASSIGN_OR_RETURN(r.next_steps_sealed, keys.Seal(d.next, ad));
    XQ_RETURN_IF_ERROR(store->InsertRecord(r, None));
    XQ_RETURN_IF_ERROR(store->SetBookingState(d.booking->id, "attended", now, None).status());
    ++sum.records;
  }
  return sum;
}

}  // namespace xq::counselling
