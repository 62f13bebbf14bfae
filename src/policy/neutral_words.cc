#include "policy/neutral_words.h"

#include <algorithm>

#include "core/status.h"

namespace xq::policy {
namespace {

// Curated to name conditions, diagnoses, scales and screening outcomes,
// not everyday words: "障碍" alone is not listed (障碍物, 沟通障碍 are
// ordinary), only its diagnostic compounds; "担心", "压力", "情绪",
// "紧张", "失眠", "心理问题" are not listed either: they are how staff
// describe a student neutrally. Words match as substrings of the UTF-8
// text (Latin abbreviations in capitals only).
const std::vector<std::string_view> kWords = {
    "创伤后应激障碍",
    "注意缺陷多动障碍",
    "精神分裂症",
    "强迫性障碍",
    "双相情感障碍",
    "边缘型人格障碍",
    "人格障碍",
    "进食障碍",
    "心境障碍",
    "焦虑障碍",
    "焦虑症",
    "抑郁症",
    "抑郁障碍",
    "精神疾病",
    "精神障碍",
    "精神分裂",
    "精神病",
    "自杀倾向",
    "自杀风险",
    "重度抑郁",
    "强迫症",
    "恐惧症",
    "恐怖症",
    "躁狂",
    "躁郁",
    "双相",
    "厌食症",
    "暴食症",
    "多动症",
    "自闭症",
    "孤独症",
    "抑郁",
    "焦虑",
    "阳性",
    "疑似",
    "确诊",
    "病态",
    "PTSD",
    "ADHD",
    "PHQ",
    "GAD",
};

}  // namespace

const std::vector<std::string_view>& DiagnosticWords() {
  static const std::vector<std::string_view> kSorted = [] {
    auto v = kWords;
    std::stable_sort(v.begin(), v.end(), [](auto a, auto b) { return a.size() > b.size(); });
    return v;
  }();
  return kSorted;
}

std::vector<std::string> DiagnosticWordsIn(std::string_view text) {
  std::vector<std::string> found;
  // Blank out each match so that a shorter word inside it is not reported
  // again (精神分裂症 → not also 精神分裂).
  std::string rest(text);
  for (std::string_view w : DiagnosticWords()) {
    bool hit = false;
    for (size_t at = rest.find(w); at != std::string::npos; at = rest.find(w, at)) {
      hit = true;
      std::fill(rest.begin() + static_cast<std::ptrdiff_t>(at),
                rest.begin() + static_cast<std::ptrdiff_t>(at + w.size()), '\x01');
    }
    if (hit) found.emplace_back(w);
  }
  return found;
}

absl::Status CheckNeutralText(std::string_view text, std::string_view field) {
  auto words = DiagnosticWordsIn(text);
  if (words.empty()) return absl::OkStatus();
  std::string list;
  for (const auto& w : words) list += (list.empty() ? "" : "、") + w;
  return WithCode(InvalidArgument("text for neutral views contains diagnostic words: " + list +
                                      "; describe what to do or notice instead",
                                  field),
                  "diagnostic_wording");
}

}  // namespace xq::policy
