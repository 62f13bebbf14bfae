// Facts of the work records for the supervision indicators (cross-module
// contract 3). The indicators module calls these after the event kinds in
// kFactEventKinds (for event.school_id, or the unit of the event's subject
// when school_id is 0). A name is omitted when no record says anything
// about it (no staff record: no psych_teachers_fulltime), so "not
// recorded" stays apart from "recorded as 0".
//
// SchoolFacts (a school's own records of the school year):
//   psych_teachers_fulltime            staff rows 专职
//   psych_teachers_fulltime_qualified  of which 具备专业资质
//   psych_room_standard                0/1: a room meets every RoomChecklist() item
//   classes_with_timetable             班级课时 rows with periods_per_week > 0
//   course_periods_per_week_sum        their periods_per_week summed
//   school_based_courses               校本课程 rows
//   course_hours_total                 hours of every course row (a row without
//                                      hours counts its three theme hours)
//   course_hours_resilience            高峰体验/压力/韧性 hours
//   course_hours_life                  动机/感恩/生命教育 hours
//   university_course_ok               0/1, only with a 高校必修课 row: one has
//                                      32–36 hours and 2 credits
//   mh_month_held                      0/1: 5·25 心理健康月 held
//   resilience_programme_held          0/1: 阳光成长计划 held
//   head_teachers_trained              trainees of training rows for 班主任/辅导员
//   family_guidance_station            0/1: a 学校家庭教育指导站
//   family_sessions                    sessions for parents summed
//   funding_yuan                       funding summed
// UnitFacts (a district's or the city's own records):
//   district_training_hours_total, district_training_hours_mh (心理健康专题),
//   research_psych_staff, family_centre (0/1), community_stations,
//   community_stations_public_service
// Thread-safe: reads through the caller's session only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::records {

inline const std::vector<std::string> kFactEventKinds = {"records.changed"};

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int school_year);
absl::StatusOr<std::map<std::string, double>> UnitFacts(soci::session& s, int64_t unit_id, int school_year);

}  // namespace xq::records
