#include "records/facts.h"

#include <algorithm>

#include "core/status.h"
#include "db/row.h"
#include "records/model.h"

namespace xq::records {
namespace {

struct Row {
  std::string kind;
  Values values;
  double Num(const std::string& f) const {
    auto it = values.find(f);
    return it == values.end() || !it->second.num ? 0 : *it->second.num;
  }
  bool Has(const std::string& f) const {
    auto it = values.find(f);
    return it != values.end() && it->second.num.has_value();
  }
  const std::string& Text(const std::string& f) const {
    static const std::string kEmpty;
    auto it = values.find(f);
    return it == values.end() ? kEmpty : it->second.text;
  }
};

// The records of one unit and school year (school_id 0 with a unit: the
// unit's own records), with their values.
absl::StatusOr<std::vector<Row>> Load(soci::session& s, bool by_school, int64_t id, int school_year) {
  try {
    std::map<long long, Row> rows;
    const long long key = id, year = school_year;
    const std::string where =
        by_school ? "r.school_id = :id AND r.unit_id = r.school_id" : "r.unit_id = :id AND r.school_id = 0";
    soci::rowset<soci::row> rs = (s.prepare << "SELECT r.id, r.kind, v.field, v.num, v.txt FROM work_records r "
                                               "LEFT JOIN work_record_values v ON v.record_id = r.id WHERE " +
                                                   where + " AND r.school_year = :y",
                                  soci::use(key, "id"), soci::use(year, "y"));
    for (const auto& r : rs) {
      Row& row = rows[db::GetInt(r, 0)];
      row.kind = db::GetStr(r, 1);
      if (r.get_indicator(2) == soci::i_null) continue;
      Value v;
      if (r.get_indicator(3) != soci::i_null) {
        v.num = r.get_properties(3).get_data_type() == soci::dt_double ? r.get<double>(3)
                                                                       : static_cast<double>(db::GetInt(r, 3));
      }
      v.text = db::GetStr(r, 4);
      row.values[db::GetStr(r, 2)] = std::move(v);
    }
    std::vector<Row> out;
    for (auto& [_, r] : rows) out.push_back(std::move(r));
    return out;
  } catch (const std::exception& e) {
    return Internal(std::string("records facts: ") + e.what());
  }
}

bool RoomMeetsStandard(const Row& room) {
  return std::all_of(RoomChecklist().begin(), RoomChecklist().end(), [&](const ChecklistItem& item) {
    return room.Has(std::string(item.field)) && room.Num(std::string(item.field)) >= item.at_least;
  });
}

}  // namespace

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int school_year) {
  XQ_ASSIGN_OR_RETURN(std::vector<Row> rows, Load(s, true, school_id, school_year));
  std::map<std::string, double> f;
  bool any_staff = false, any_room = false, any_course = false, any_univ = false, any_activity = false,
       any_training = false, any_family = false, any_funding = false;
  double ft = 0, ft_q = 0, classes = 0, periods = 0, school_based = 0, hours = 0, h_res = 0, h_life = 0, trained = 0,
         sessions = 0, funding = 0;
  bool room_ok = false, univ_ok = false, mh_month = false, resilience = false, station = false;
  for (const Row& r : rows) {
    if (r.kind == "staff") {
      any_staff = true;
      if (r.Text("employment") == "full_time") {
        ++ft;
        if (r.Num("certified") != 0) ++ft_q;
      }
    } else if (r.kind == "rooms") {
      any_room = true;
      room_ok = room_ok || RoomMeetsStandard(r);
    } else if (r.kind == "courses") {
      any_course = true;
      const std::string& type = r.Text("course_type");
      if (type == "timetable" && r.Num("periods_per_week") > 0) {
        ++classes;
        periods += r.Num("periods_per_week");
      }
      if (type == "school_based") ++school_based;
      if (type == "university_compulsory") {
        any_univ = true;
        const double h = r.Num("hours");
        univ_ok = univ_ok || (h >= 32 && h <= 36 && r.Num("credits") == 2);
      }
      hours += r.Has("hours") ? r.Num("hours") : r.Num("hours_resilience") + r.Num("hours_life") + r.Num("hours_other");
      h_res += r.Num("hours_resilience");
      h_life += r.Num("hours_life");
    } else if (r.kind == "activities") {
      any_activity = true;
      const bool held = r.Num("held") != 0;
      if (held && r.Text("activity") == "mh_month") mh_month = true;
      if (held && r.Text("activity") == "resilience") resilience = true;
    } else if (r.kind == "training") {
      any_training = true;
      const std::string& role = r.Text("trainee_role");
      if (role == "head_teacher" || role == "counsellor") trained += r.Num("trainees");
    } else if (r.kind == "family") {
      any_family = true;
      if (r.Text("site_type") == "school_station") station = true;
      sessions += r.Num("sessions");
    } else if (r.kind == "funding") {
      any_funding = true;
      funding += r.Num("amount_yuan");
    }
  }
  if (any_staff) {
    f["psych_teachers_fulltime"] = ft;
    f["psych_teachers_fulltime_qualified"] = ft_q;
  }
  if (any_room) f["psych_room_standard"] = room_ok ? 1 : 0;
  if (any_course) {
    f["classes_with_timetable"] = classes;
    f["course_periods_per_week_sum"] = periods;
    f["school_based_courses"] = school_based;
    f["course_hours_total"] = hours;
    f["course_hours_resilience"] = h_res;
    f["course_hours_life"] = h_life;
  }
  if (any_univ) f["university_course_ok"] = univ_ok ? 1 : 0;
  if (any_activity) {
    f["mh_month_held"] = mh_month ? 1 : 0;
    f["resilience_programme_held"] = resilience ? 1 : 0;
  }
  if (any_training) f["head_teachers_trained"] = trained;
  if (any_family) {
    f["family_guidance_station"] = station ? 1 : 0;
    f["family_sessions"] = sessions;
  }
  if (any_funding) f["funding_yuan"] = funding;
  return f;
}

absl::StatusOr<std::map<std::string, double>> UnitFacts(soci::session& s, int64_t unit_id, int school_year) {
  XQ_ASSIGN_OR_RETURN(std::vector<Row> rows, Load(s, false, unit_id, school_year));
  std::map<std::string, double> f;
  bool any_training = false, any_research = false, any_family = false;
  double total = 0, mh = 0, research = 0, stations = 0, stations_public = 0;
  bool centre = false;
  for (const Row& r : rows) {
    if (r.kind == "training") {
      any_training = true;
      total += r.Num("hours");
      if (r.Num("mental_health") != 0) mh += r.Num("hours");
    } else if (r.kind == "research") {
      any_research = true;
      ++research;
    } else if (r.kind == "family") {
      any_family = true;
      const std::string& type = r.Text("site_type");
      if (type == "district_centre") centre = true;
      if (type == "community_station") {
        ++stations;
        if (r.Num("public_service") != 0) ++stations_public;
      }
    }
  }
  if (any_training) {
    f["district_training_hours_total"] = total;
    f["district_training_hours_mh"] = mh;
  }
  if (any_research) f["research_psych_staff"] = research;
  if (any_family) {
    f["family_centre"] = centre ? 1 : 0;
    f["community_stations"] = stations;
    f["community_stations_public_service"] = stations_public;
  }
  return f;
}

}  // namespace xq::records
