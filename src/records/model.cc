#include "records/model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "fmt/format.h"

namespace xq::records {
namespace {

FieldSpec Text(std::string_view name, std::string_view label, bool required, std::string_view help) {
  return FieldSpec{name, label, FieldType::kText, required, 0, 0, {}, help};
}
FieldSpec Int(std::string_view name, std::string_view label, bool required, double min, double max,
              std::string_view help) {
  return FieldSpec{name, label, FieldType::kInt, required, min, max, {}, help};
}
FieldSpec Num(std::string_view name, std::string_view label, bool required, double min, double max,
              std::string_view help) {
  return FieldSpec{name, label, FieldType::kNumber, required, min, max, {}, help};
}
FieldSpec Bool(std::string_view name, std::string_view label, bool required, std::string_view help) {
  return FieldSpec{name, label, FieldType::kBool, required, 0, 1, {}, help};
}
FieldSpec Date(std::string_view name, std::string_view label, bool required, std::string_view help) {
  return FieldSpec{name, label, FieldType::kDate, required, 0, 0, {}, help};
}
FieldSpec Pick(std::string_view name, std::string_view label, bool required, std::vector<Choice> choices,
               std::string_view help) {
  return FieldSpec{name, label, FieldType::kChoice, required, 0, 0, std::move(choices), help};
}

std::vector<KindSpec> MakeKinds() {
  std::vector<KindSpec> k;
  k.push_back({"staff",
               "心理教师",
               Level::kSchool,
               {Text("name", "姓名", true, "心理健康教育教师姓名"),
                Pick("employment", "专兼职", true, {{"full_time", "专职"}, {"part_time", "兼职"}}, "专职 或 兼职"),
                Text("qualification", "资质", false, "如：心理学专业本科、心理健康教育教师资格"),
                Bool("certified", "具备专业资质", true, "是/否：是否具备心理健康教育专业资质"),
                Date("since", "任职日期", false, "YYYY-MM-DD")}});
  k.push_back(
      {"training",
       "培训",
       Level::kBoth,
       {Text("title", "培训名称", true, "培训项目名称"),
        Pick("trainee_role", "参训对象", true,
             {{"head_teacher", "班主任"}, {"counsellor", "辅导员"}, {"psych_teacher", "心理教师"}, {"other", "其他"}},
             "班主任 / 辅导员 / 心理教师 / 其他"),
        Int("trainees", "参训人数", true, 0, 100000, "本次培训的参训人数"),
        Pick("certificate", "证书等级", false, {{"A", "A"}, {"B", "B"}, {"C", "C"}}, "A / B / C，无证书留空"),
        Num("hours", "学时", true, 0, 10000, "本次培训学时"),
        Bool("mental_health", "心理健康专题", true, "是/否：是否为心理健康教育专题（区级国培学时统计用）"),
        Date("date", "日期", true, "YYYY-MM-DD")}});
  k.push_back(
      {"rooms",
       "心理辅导室",
       Level::kSchool,
       {Text("name", "名称", true, "如：心理辅导中心"), Num("area_m2", "面积(平方米)", true, 0, 100000, "总使用面积"),
        Bool("individual_room", "个体辅导室", true, "是/否"), Bool("group_room", "团体辅导室", true, "是/否"),
        Bool("relaxation", "放松设备", true, "是/否：音乐放松、减压设备等"), Bool("sand_tray", "沙盘室", true, "是/否"),
        Bool("reception", "接待区", true, "是/否：预约接待区域"),
        Bool("privacy", "隔音与私密", true, "是/否：隔音、遮挡，保护隐私")}});
  k.push_back({"courses",
               "课程",
               Level::kSchool,
               {Pick("course_type", "课程类型", true,
                     {{"timetable", "班级课时"}, {"school_based", "校本课程"}, {"university_compulsory", "高校必修课"}},
                     "班级课时 / 校本课程 / 高校必修课"),
                Text("name", "班级或课程名称", true, "班级课时填班级名称，其他填课程名称"),
                Num("periods_per_week", "周课时", false, 0, 40, "班级课时：每周节数（可为 0.5）"),
                Num("hours", "总学时", false, 0, 1000, "本学年总学时；高校必修课 32–36"),
                Num("credits", "学分", false, 0, 20, "高校必修课：2"),
                Num("hours_resilience", "学时-高峰体验压力韧性", false, 0, 1000, "其中高峰体验、压力与韧性主题学时"),
                Num("hours_life", "学时-动机感恩生命教育", false, 0, 1000, "其中动机、感恩与生命教育主题学时"),
                Num("hours_other", "学时-其他主题", false, 0, 1000, "其中其他主题学时")}});
  k.push_back(
      {"activities",
       "活动",
       Level::kSchool,
       {Pick("activity", "活动类型", true,
             {{"mh_month", "5·25心理健康月"}, {"resilience", "阳光成长计划"}, {"other", "其他"}},
             "5·25心理健康月 / 阳光成长计划 / 其他"),
        Text("name", "活动名称", true, "活动名称"), Bool("held", "已举办", true, "是/否"),
        Date("date", "日期", false, "YYYY-MM-DD"), Int("participants", "参与人数", false, 0, 1000000, "参与人数")}});
  k.push_back({"family",
               "家庭教育",
               Level::kBoth,
               {Pick("site_type", "站点类型", true,
                     {{"school_station", "学校家庭教育指导站"},
                      {"district_centre", "区家庭教育指导中心"},
                      {"community_station", "社区家庭教育指导站"}},
                     "学校家庭教育指导站 / 区家庭教育指导中心 / 社区家庭教育指导站"),
                Text("name", "名称", true, "站点名称"), Bool("public_service", "提供公益心理服务", true, "是/否"),
                Int("sessions", "家长指导场次", true, 0, 100000, "本学年面向家长的指导场次"),
                Int("participants", "家长参与人次", false, 0, 10000000, "家长参与人次")}});
  k.push_back({"funding",
               "经费",
               Level::kSchool,
               {Num("amount_yuan", "金额(元)", true, 0, 1e10, "本学年心理健康教育经费，元"),
                Text("source", "来源", false, "如：生均公用经费、专项经费"), Text("note", "说明", false, "")}});
  k.push_back({"research",
               "教研人员",
               Level::kUnit,
               {Text("name", "姓名", true, "心理健康教育教研员姓名"), Bool("full_time", "专职", true, "是/否"),
                Text("title", "职称", false, "")}});
  return k;
}

std::string Trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  // A full-width space (U+3000) at either end, as Chinese spreadsheets leave it.
  constexpr std::string_view kIdeoSpace = "\xE3\x80\x80";
  while (s.starts_with(kIdeoSpace)) s.remove_prefix(kIdeoSpace.size());
  while (s.ends_with(kIdeoSpace)) s.remove_suffix(kIdeoSpace.size());
  return std::string(s);
}

std::optional<double> ParseNumber(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool ValidDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1950 || y > 2100 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
  return true;
}

std::string NumText(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

}  // namespace

std::string_view FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kText:
      return "text";
    case FieldType::kInt:
      return "int";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBool:
      return "bool";
    case FieldType::kDate:
      return "date";
    case FieldType::kChoice:
      return "choice";
  }
  return "text";
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kSchool:
      return "school";
    case Level::kUnit:
      return "unit";
    case Level::kBoth:
      return "both";
  }
  return "school";
}

const std::vector<KindSpec>& Kinds() {
  static const std::vector<KindSpec> kKinds = MakeKinds();
  return kKinds;
}

const KindSpec* FindKind(std::string_view name) {
  for (const KindSpec& k : Kinds())
    if (k.name == name) return &k;
  return nullptr;
}

bool KindFitsUnit(const KindSpec& kind, std::string_view unit_kind) {
  const bool school = unit_kind == "school";
  const bool unit = unit_kind == "district" || unit_kind == "city";
  switch (kind.level) {
    case Level::kSchool:
      return school;
    case Level::kUnit:
      return unit;
    case Level::kBoth:
      return school || unit;
  }
  return false;
}

const std::vector<ChecklistItem>& RoomChecklist() {
  // 中小学心理辅导室建设指南: a room of its own of adequate size, with
  // individual and group counselling, relaxation, sand tray, a reception
  // area and privacy.
  static const std::vector<ChecklistItem> kItems = {
      {"area_m2", 60},  {"individual_room", 1}, {"group_room", 1}, {"relaxation", 1},
      {"sand_tray", 1}, {"reception", 1},       {"privacy", 1},
  };
  return kItems;
}

bool ValidSchoolYear(int y) { return y >= 2000 && y <= 2100; }

Values ParseValues(const KindSpec& kind, const std::map<std::string, std::string>& raw, int row,
                   std::vector<FieldError>& errors) {
  Values out;
  auto fail = [&](const FieldSpec& f, std::string msg) {
    errors.push_back({row, std::string(f.label_zh), std::string(f.name), std::move(msg)});
  };
  for (const auto& [name, _] : raw) {
    const bool known =
        std::any_of(kind.fields.begin(), kind.fields.end(), [&](const FieldSpec& f) { return f.name == name; });
    if (!known) errors.push_back({row, name, name, fmt::format("「{}」没有字段 {}", kind.label_zh, name)});
  }
  for (const FieldSpec& f : kind.fields) {
    auto it = raw.find(std::string(f.name));
    const std::string s = it == raw.end() ? std::string() : Trim(it->second);
    if (s.empty()) {
      if (f.required) fail(f, fmt::format("「{}」必填", f.label_zh));
      continue;
    }
    Value v;
    switch (f.type) {
      case FieldType::kText:
        if (s.size() > 600) {
          fail(f, fmt::format("「{}」过长（最多 200 字）", f.label_zh));
          continue;
        }
        v.text = s;
        break;
      case FieldType::kInt:
      case FieldType::kNumber: {
        auto n = ParseNumber(s);
        if (!n) {
          fail(f, fmt::format("「{}」应为数字，而不是“{}”", f.label_zh, s));
          continue;
        }
        if (f.type == FieldType::kInt && *n != std::floor(*n)) {
          fail(f, fmt::format("「{}」应为整数，而不是“{}”", f.label_zh, s));
          continue;
        }
        if (*n < f.min || *n > f.max) {
          fail(f, fmt::format("「{}」应在 {} 到 {} 之间，而不是 {}", f.label_zh, NumText(f.min), NumText(f.max), s));
          continue;
        }
        v.num = *n;
        break;
      }
      case FieldType::kBool: {
        static const std::vector<std::string_view> kYes = {"是", "有", "1", "true", "yes", "y", "TRUE", "Y"};
        static const std::vector<std::string_view> kNo = {"否", "无", "0", "false", "no", "n", "FALSE", "N"};
        if (std::find(kYes.begin(), kYes.end(), s) != kYes.end())
          v.num = 1;
        else if (std::find(kNo.begin(), kNo.end(), s) != kNo.end())
          v.num = 0;
        else {
          fail(f, fmt::format("「{}」应填“是”或“否”，而不是“{}”", f.label_zh, s));
          continue;
        }
        break;
      }
      case FieldType::kDate:
        if (!ValidDate(s)) {
          fail(f, fmt::format("「{}」应为日期 YYYY-MM-DD，而不是“{}”", f.label_zh, s));
          continue;
        }
        v.text = s;
        break;
      case FieldType::kChoice: {
        auto c = std::find_if(f.choices.begin(), f.choices.end(),
                              [&](const Choice& ch) { return ch.code == s || ch.label_zh == s; });
        if (c == f.choices.end()) {
          std::string allowed;
          for (const Choice& ch : f.choices) allowed += (allowed.empty() ? "" : "、") + std::string(ch.label_zh);
          fail(f, fmt::format("「{}」应为 {} 之一，而不是“{}”", f.label_zh, allowed, s));
          continue;
        }
        v.text = std::string(c->code);
        break;
      }
    }
    out[std::string(f.name)] = std::move(v);
  }
  return out;
}

std::string FormatValue(const FieldSpec& f, const Value& v, bool zh) {
  switch (f.type) {
    case FieldType::kText:
    case FieldType::kDate:
      return v.text;
    case FieldType::kInt:
    case FieldType::kNumber:
      return v.num ? NumText(*v.num) : "";
    case FieldType::kBool:
      if (!v.num) return "";
      return zh ? (*v.num != 0 ? "是" : "否") : (*v.num != 0 ? "1" : "0");
    case FieldType::kChoice:
      if (!zh) return v.text;
      for (const Choice& c : f.choices)
        if (c.code == v.text) return std::string(c.label_zh);
      return v.text;
  }
  return v.text;
}

}  // namespace xq::records
