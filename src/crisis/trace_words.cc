// The 倒查 report in words (TraceWhatZh, TraceRoleZh): auditors and school
// leaders read it, on screen, printed and in Excel, so no line is left in
// the codes the audit log keeps.
#include <map>
#include <string>
#include <string_view>

#include "crisis/trace_export.h"
#include "policy/model.h"

namespace xq::crisis {
namespace {

const std::map<std::string_view, std::string_view>& Actions() {
  static const std::map<std::string_view, std::string_view> kActions = {
      {"create", "新建"},
      {"read", "查看"},
      {"list", "查看列表"},
      {"write", "记录"},
      {"update", "修改"},
      {"advance", "推进步骤"},
      {"confirm", "确认"},
      {"consult", "邀请会诊"},
      {"refer", "绿色通道转介"},
      {"accept", "医院接收转介"},
      {"appointment", "医院记录就诊安排"},
      {"answer", "医院反馈结果"},
      {"receive", "接收"},
      {"share", "分享督导摘要"},
      {"cancel", "取消"},
      {"withdraw", "撤回"},
      {"inform", "一级预警知会"},
      {"escalate", "逐级上报"},
      {"deadline_missed", "超过期限"},
      {"acknowledge", "接收预警"},
      {"close", "关闭"},
      {"set_level", "调整级别"},
      {"resolve", "解除"},
      {"transfer", "档案转移"},
      {"trace", "生成倒查报告"},
      {"export", "导出"},
      {"break_glass", "紧急调阅"},
      {"break_glass_read", "紧急调阅查看"},
      {"review", "审核"},
      {"denied", "拒绝访问"},
      {"pair", "包联"},
      {"unpair", "解除包联"},
  };
  return kActions;
}

const std::map<std::string_view, std::string_view>& Objects() {
  static const std::map<std::string_view, std::string_view> kObjects = {
      {"crisis_case", "危机个案"},
      {"crisis_item", "个案记录"},
      {"crisis_referral", "转介"},
      {"crisis_return", "复学"},
      {"crisis_hospital", "合作医院"},
      {"crisis_break_glass", "紧急调阅"},
      {"warning", "预警"},
      {"follow_up", "随访"},
      {"student", "学生"},
      {"timeline", "学生档案"},
      {"archive", "学生档案"},
      {"plan", "一生一策"},
      {"observation", "观察报告"},
      {"risk_factor", "风险因素"},
      {"weekly_report", "心理委员周报"},
      {"counselling_record", "辅导记录"},
      {"counselling_booking", "辅导预约"},
      {"counselling_referral", "转介到心理中心"},
      {"counselling_share", "督导摘要"},
      {"counselling_waitlist", "候补"},
      {"trace", "倒查报告"},
      {"talk", "谈心谈话"},
      {"home_visit", "家访"},
      {"review", "定期研判"},
  };
  return kObjects;
}

// Details that are a word of the crisis steps' records or a step change.
std::string DetailZh(const std::string& detail) {
  static const std::map<std::string_view, std::string_view> kWords = {
      {"watch", "24小时监护"},
      {"guardian_notified", "已告知监护人"},
      {"notice_scan", "告知书（纸质签字扫描件）"},
      {"notice_app", "告知书（应用内确认）"},
      {"safety_plan", "安全计划"},
      {"certificate", "复学证明"},
      {"plan", "复学计划"},
      {"record", "步骤记录"},
      {"appointment", "就诊安排"},
      {"admission", "住院安排"},
      {"full", "完整内容"},
      {"report", "报告"},
      {"assess", "评估"},
      {"intervene", "干预"},
      {"refer", "转介"},
      {"close", "结案"},
  };
  if (auto it = kWords.find(detail); it != kWords.end()) return std::string(it->second);
  // A step change, "report->assess".
  if (auto arrow = detail.find("->"); arrow != std::string::npos) {
    auto from = kWords.find(std::string_view(detail).substr(0, arrow));
    auto to = kWords.find(std::string_view(detail).substr(arrow + 2));
    if (from != kWords.end() && to != kWords.end()) return std::string(from->second) + " → " + std::string(to->second);
  }
  return "";
}

}  // namespace

std::string TraceWhatZh(const TraceLine& line) {
  if (line.source != "audit") return line.detail.empty() ? line.action : line.detail;
  std::string out;
  if (auto it = Actions().find(line.action); it != Actions().end())
    out = it->second;
  else
    out = line.action;
  if (auto it = Objects().find(line.object_type); it != Objects().end()) out += " · " + std::string(it->second);
  if (std::string d = DetailZh(line.detail); !d.empty()) out += "：" + d;
  return out;
}

std::string TraceRoleZh(const std::string& role) {
  if (role.empty() || role == "system") return "系统";
  if (auto r = policy::RoleFromName(role)) return std::string(policy::RoleLabelZh(*r));
  return role;
}

}  // namespace xq::crisis
