#include "org/roster_import.h"

#include <iconv.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace xq::org {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kHeader = "学号,姓名,性别,出生日期,学校,年级,班级,宿舍,家长姓名,家长电话,入学日期\n";

std::string ToGb18030(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  std::string out(utf8.size() * 2 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* op = out.data();
  iconv(cd, &in, &in_left, &op, &out_left);
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

TEST(DecodeCsvText, Utf8PassesThroughAndBomIsStripped) {
  RosterError e;
  EXPECT_EQ(*DecodeCsvText("学号,姓名\n", &e), "学号,姓名\n");
  EXPECT_EQ(*DecodeCsvText("\xEF\xBB\xBF学号,姓名\n", &e), "学号,姓名\n");
}

TEST(DecodeCsvText, Gb18030IsConverted) {
  std::string gb = ToGb18030("学号,姓名\n1,张三\n");
  ASSERT_NE(gb, "学号,姓名\n1,张三\n");  // really different bytes
  RosterError e;
  auto text = DecodeCsvText(gb, &e);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "学号,姓名\n1,张三\n");
}

TEST(DecodeCsvText, UndecodableBytesNameLineAndColumn) {
  // 0xFF is neither UTF-8 nor a GB18030 lead byte.
  RosterError e;
  auto text = DecodeCsvText("a,b\nc,\xFF\n", &e);
  EXPECT_FALSE(text.ok());
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 3);
  EXPECT_THAT(e.reason, HasSubstr("invalid encoding"));
}

TEST(ParseCsv, QuotingFollowsRfc4180) {
  std::vector<RosterError> errors;
  auto recs = ParseCsv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x\n\n", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_THAT(recs[0].fields, ElementsAre("a", "b,c", "say \"hi\""));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_THAT(recs[1].fields, ElementsAre("multi\nline", "x"));
  EXPECT_EQ(recs[1].line, 2);
}

TEST(ParseCsv, BadQuotesAreReportedWithPosition) {
  std::vector<RosterError> errors;
  ParseCsv("a,b\nc,d\"e\nf,\"g\n", &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].column, 2);
  EXPECT_THAT(errors[0].reason, HasSubstr("quote"));
  EXPECT_EQ(errors[1].line, 3);
  EXPECT_EQ(errors[1].column, 2);
  EXPECT_THAT(errors[1].reason, HasSubstr("unterminated"));
}

TEST(NormaliseDate, AcceptsBothFormsAndRejectsImpossibleDates) {
  EXPECT_EQ(NormaliseDate("2012-03-04"), "2012-03-04");
  EXPECT_EQ(NormaliseDate("2012/3/4"), "2012-03-04");
  EXPECT_EQ(NormaliseDate("2012-3-14"), "2012-03-14");
  EXPECT_EQ(NormaliseDate("2012/02/30"), "");
  EXPECT_EQ(NormaliseDate("12/3/4"), "");
  EXPECT_EQ(NormaliseDate("2012.3.4"), "");
  EXPECT_EQ(NormaliseDate("2012/3/4/5"), "");
}

TEST(IsValidPhone, MobileAndLandline) {
  EXPECT_TRUE(IsValidPhone("13812345678"));
  EXPECT_TRUE(IsValidPhone("+86 13812345678"));
  EXPECT_TRUE(IsValidPhone("022-23456789"));
  EXPECT_TRUE(IsValidPhone("02223456789"));
  EXPECT_FALSE(IsValidPhone("12812345678"));
  EXPECT_FALSE(IsValidPhone("1381234567"));
  EXPECT_FALSE(IsValidPhone("abc"));
}

TEST(ParseRoster, ValidRowsAreNormalised) {
  std::string csv = std::string(kHeader) +
                    "2024001,张三,男,2012/3/4,和平中学,初一,1班,,张父,13812345678,2024-09-01\n"
                    "2024002,\"李四\",女,2012-05-06,,初一,2班,,,,\n";
  RosterParse p = ParseRoster(csv, "和平中学");
  ASSERT_TRUE(p.ok()) << p.errors[0].reason;
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].line, 2);
  EXPECT_EQ(p.rows[0].sex, "M");
  EXPECT_EQ(p.rows[0].birth_date, "2012-03-04");
  EXPECT_EQ(p.rows[0].grade, "初一");
  EXPECT_EQ(p.rows[0].guardian_phone, "13812345678");
  EXPECT_EQ(p.rows[0].enrolment_date, "2024-09-01");
  EXPECT_EQ(p.rows[1].sex, "F");
  EXPECT_EQ(p.rows[1].name, "李四");
  EXPECT_EQ(p.school_column, 5);
}

TEST(ParseRoster, EnglishAliasesAndGb18030WithBomlessExcelFile) {
  std::string csv = "student_no,name,sex,class,院系\n1,王五,女,软件1班,计算机学院\n";
  RosterParse p = ParseRoster(ToGb18030(csv));
  ASSERT_TRUE(p.ok()) << p.errors[0].reason;
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].name, "王五");
  EXPECT_EQ(p.rows[0].grade, "计算机学院");
  EXPECT_EQ(p.rows[0].class_name, "软件1班");
}

TEST(ParseRoster, EveryErrorKindHasLineAndColumn) {
  std::string csv = std::string(kHeader) +
                    "1,张三,男,2012-13-01,和平中学,初一,1班,,,,\n"  // line 2: bad date col 4
                    ",李四,女,,,初一,1班,,,,\n"                     // line 3: missing 学号 col 1
                    "3,王五,中,,,初一,1班,,,,\n"                    // line 4: bad sex col 3
                    "4,赵六,男,,,初一,1班,,赵父,12345,\n"           // line 5: bad phone col 10
                    "1,钱七,女,,,初一,1班,,,,\n"                    // line 6: duplicate 学号 col 1
                    "6,孙八,男,,河西中学,初一,1班,,,,\n"            // line 7: other school col 5
                    "7,,男,,,初一,,,,,2024/9/31\n";                 // line 8: name col 2, class col 7, date col 11
  RosterParse p = ParseRoster(csv, "和平中学");
  std::vector<std::tuple<int, int, std::string>> got;
  for (const auto& e : p.errors) got.emplace_back(e.line, e.column, e.field);
  EXPECT_THAT(got, ElementsAre(std::make_tuple(2, 4, "birth_date"), std::make_tuple(3, 1, "student_no"),
                               std::make_tuple(4, 3, "sex"), std::make_tuple(5, 10, "guardian_phone"),
                               std::make_tuple(6, 1, "student_no"), std::make_tuple(7, 5, "school"),
                               std::make_tuple(8, 2, "name"), std::make_tuple(8, 7, "class"),
                               std::make_tuple(8, 11, "enrolment_date")));
  EXPECT_THAT(p.errors[0].reason, HasSubstr("bad date"));
  EXPECT_THAT(p.errors[2].reason, HasSubstr("bad 性别"));
  EXPECT_THAT(p.errors[3].reason, HasSubstr("bad phone"));
  EXPECT_THAT(p.errors[4].reason, HasSubstr("duplicate 学号 1 (first on line 2)"));
  EXPECT_THAT(p.errors[5].reason, HasSubstr("not the target school"));
  // Only the good row of the file survives validation; callers write nothing
  // when errors is not empty.
  EXPECT_FALSE(p.ok());
}

TEST(ParseRoster, HeaderProblems) {
  RosterParse p = ParseRoster("学号,姓名,性别,爱好\n1,张三,男,游泳\n");
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].line, 1);
  EXPECT_EQ(p.errors[0].column, 0);
  EXPECT_THAT(p.errors[0].reason, HasSubstr("missing required column 班级"));
  EXPECT_EQ(p.errors[1].column, 4);
  EXPECT_THAT(p.errors[1].reason, HasSubstr("unknown header '爱好'"));
  EXPECT_TRUE(p.rows.empty());
}

TEST(ParseRoster, EmptyFileAndInvalidEncoding) {
  EXPECT_THAT(ParseRoster("").errors[0].reason, HasSubstr("no header"));
  RosterParse p = ParseRoster("学号,姓名,性别,班级\n1,\xFF\xFF,男,1班\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 2);
  EXPECT_THAT(p.errors[0].reason, HasSubstr("invalid encoding"));
}

TEST(ParseRoster, MultilineQuotedCellKeepsLineNumbersOfLaterRows) {
  std::string csv = "学号,姓名,性别,班级,宿舍\n1,张三,男,1班,\"A栋\n101\"\n2,李四,x,1班,\n";
  RosterParse p = ParseRoster(csv);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 4);
  EXPECT_EQ(p.errors[0].column, 3);
}

}  // namespace
}  // namespace xq::org
