#include "demo/names.h"

#include <array>

#include "fmt/format.h"

namespace xq::demo {
namespace {

// Common surnames, most frequent first; the first ones are drawn more often.
constexpr std::array<std::string_view, 100> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何",
    "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓",
    "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余",
    "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊",
    "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙",
    "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武", "乔", "贺", "赖", "龚", "文"};

constexpr std::array<std::string_view, 60> kMaleChars = {
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "辉", "鹏", "浩", "宇", "轩",
    "然", "博", "文", "昊", "天", "睿", "泽", "子", "俊", "凯", "晨", "阳", "航", "瑞", "铭",
    "宏", "志", "嘉", "乐", "一", "诚", "思", "远", "楠", "哲", "健", "帆", "毅", "晓", "峰",
    "亮", "飞", "斌", "宁", "彬", "健", "旭", "皓", "逸", "锦", "梓", "翔", "晟", "佳", "豪"};

constexpr std::array<std::string_view, 60> kFemaleChars = {
    "芳", "娜", "敏", "静", "丽", "艳", "秀", "娟", "霞", "婷", "雪", "慧", "琳", "欣", "怡",
    "梦", "琪", "悦", "涵", "萱", "彤", "妍", "雨", "晴", "佳", "颖", "诗", "语", "思", "雅",
    "婉", "馨", "可", "心", "月", "玥", "瑶", "蕾", "洁", "宁", "菲", "薇", "楠", "蓉", "璐",
    "晓", "丹", "凤", "倩", "露", "莉", "燕", "媛", "嘉", "子", "一", "梓", "若", "沐", "安"};

std::string_view Surname(Rng& rng) {
  // Skew towards frequent surnames: half of the draws from the top 20.
  if (rng.Chance(50)) return kSurnames[rng.Next() % 20];
  return kSurnames[rng.Next() % kSurnames.size()];
}

}  // namespace

std::string NameWithSurname(Rng& rng, std::string_view surname, bool male) {
  const auto& chars = male ? kMaleChars : kFemaleChars;
  std::string name(surname);
  name += chars[rng.Next() % chars.size()];
  if (rng.Chance(70)) name += chars[rng.Next() % chars.size()];
  return name;
}

std::string PersonName(Rng& rng, bool male) { return NameWithSurname(rng, Surname(rng), male); }

std::string_view SurnameOf(std::string_view name) {
  if (name.empty()) return name;
  unsigned char c = static_cast<unsigned char>(name[0]);
  size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return name.substr(0, std::min(len, name.size()));
}

std::string MobilePhone(Rng& rng) {
  static constexpr std::array<std::string_view, 12> kPrefixes = {"130", "131", "132", "135", "136", "138",
                                                                 "139", "150", "152", "158", "186", "189"};
  return fmt::format("{}{:08d}", kPrefixes[rng.Next() % kPrefixes.size()], rng.Next() % 100'000'000);
}

std::string ChineseNumber(int n) {
  static constexpr std::array<std::string_view, 10> kDigits = {"零", "一", "二", "三", "四",
                                                               "五", "六", "七", "八", "九"};
  if (n <= 0 || n > 999) return std::to_string(n);
  std::string out;
  int h = n / 100, t = (n / 10) % 10, u = n % 10;
  if (h) {
    out += kDigits[h];
    out += "百";
    if (t == 0 && u != 0) out += "零";
  }
  if (t) {
    if (!(t == 1 && !h)) out += kDigits[t];
    out += "十";
  }
  if (u) out += kDigits[u];
  return out;
}

}  // namespace xq::demo
