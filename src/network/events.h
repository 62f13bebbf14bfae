// Events the network module publishes (docs/design.md "Events"), subject
// "student:<id>", JSON payload after the timeline convention (student_id,
// data_class "D6", summary_zh, ref_type, ref_id, occurred_at) plus:
//   network.observation_reported  observation_id, category, urgency
//                                 (immediate|soon|record), reporter_account_id,
//                                 unit_path, category_label
// The warning module raises an urgent 一级 warning from an "immediate" one.
#pragma once

namespace xq::network {

inline constexpr char kObservationReported[] = "network.observation_reported";

}  // namespace xq::network
