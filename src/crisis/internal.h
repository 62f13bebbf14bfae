// Helpers shared by the crisis service's files (internal to the module).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crisis/model.h"
#include "notice/model.h"
#include "policy/model.h"

namespace xq::crisis {

// What policy needs to decide about the case for this actor (D5 at the
// student's class; escalated, consulted, closed).
policy::Resource ResourceOf(const policy::Actor& a, const Case& c);

// Whether the case was escalated to the actor's level: a crisis-group grant
// at or under the level it reached (escalated_path), holding the case.
bool EscalatedFor(const policy::Actor& a, const std::string& escalated_path, const std::string& unit_path);

// One notice per distinct account of `to` (0s skipped), of one kind and params.
std::vector<notice::Notice> NoticesTo(const std::vector<int64_t>& to, int64_t school_id, std::string kind,
                                      std::map<std::string, std::string> params);
// The same notices marked urgent: also sent through the recipients' outbound
// channels (module notify) and opening the notices dialog at sign-in.
std::vector<notice::Notice> Urgent(std::vector<notice::Notice> notices);

}  // namespace xq::crisis
