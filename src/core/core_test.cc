#include <atomic>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/periodic.h"
#include "core/status.h"
#include "gtest/gtest.h"

namespace xq {
namespace {

TEST(Status, FieldRoundTrip) {
  auto s = InvalidArgument("bad", "username");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s).value(), "username");
  EXPECT_FALSE(FieldOf(NotFound()).has_value());
}

TEST(Ids, UniqueAndPositive) {
  std::set<int64_t> seen;
  for (int i = 0; i < 20000; ++i) {
    int64_t id = NewId();
    ASSERT_GT(id, 0);
    ASSERT_TRUE(seen.insert(id).second);
  }
  EXPECT_EQ(IdFromString(IdToString(42)).value(), 42);
  EXPECT_FALSE(IdFromString("12a").has_value());
  EXPECT_FALSE(IdFromString("").has_value());
  EXPECT_FALSE(IdFromString("-5").has_value());
  EXPECT_FALSE(IdFromString("99999999999999999999").has_value());
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

TEST(Clock, Rfc3339) {
  int64_t t = 0;
  ASSERT_TRUE(ParseRfc3339("2026-09-01T08:00:00+08:00", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-09-01T08:00:00+08:00");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(FormatRfc3339(-1), "1970-01-01T07:59:59+08:00");
  EXPECT_EQ(FormatRfc3339(1'798'761'599'000'000), "2027-01-01T07:59:59+08:00");
  EXPECT_EQ(FormatRfc3339(-62'135'625'600'000'000), "0001-01-01T00:00:00+08:00");
  EXPECT_EQ(FormatDate(-1), "1970-01-01");
  EXPECT_EQ(FormatDate(1'798'761'599'000'000), "2027-01-01");  // 07:59:59 in Asia/Shanghai
  EXPECT_EQ(FormatDate(1'798'732'799'000'000), "2026-12-31");  // 23:59:59 there
  int64_t z = 0;
  ASSERT_TRUE(ParseRfc3339("2026-09-01T00:00:00Z", &z));
  EXPECT_EQ(t, z);
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z", &t));
  EXPECT_FALSE(ParseRfc3339("2026-09-01T00:00:00", &t));
  EXPECT_TRUE(IsValidDate("2024-02-29"));
  EXPECT_FALSE(IsValidDate("2023-02-29"));
  EXPECT_FALSE(IsValidDate("2023-13-01"));
}

TEST(Json, StrictReader) {
  auto j = ParseJsonObject(R"({"name":"张三","age":12,"extra":1})").value();
  JsonReader r(j);
  std::string name;
  int64_t age = 0;
  r.Required("name", &name);
  r.Required("age", &age);
  auto s = r.Finish();
  EXPECT_EQ(name, "张三");
  EXPECT_EQ(age, 12);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(FieldOf(s).value(), "extra");
}

TEST(Json, OwningReaderMovesValuesOutAndStillChecksFields) {
  JsonReader r(ParseJsonObject(R"({"answers":{"q1":"2","q2":["a","b"]},"extra":1})").value());
  Json answers, missing;
  r.Required("answers", &answers);
  EXPECT_EQ(answers, Json::parse(R"({"q1":"2","q2":["a","b"]})"));
  auto s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(FieldOf(s).value(), "extra");
  JsonReader q(ParseJsonObject(R"({"a":1})").value());
  q.Required("answers", &missing);
  EXPECT_EQ(FieldOf(q.Finish()).value(), "answers");
}

TEST(Json, WrongTypeNamesField) {
  auto j = ParseJsonObject(R"({"age":"12"})").value();
  JsonReader r(j);
  int64_t age = 0;
  r.Required("age", &age);
  auto s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(FieldOf(s).value(), "age");
}

// AppendJsonString writes what the DOM's writer writes (ensure_ascii off,
// invalid UTF-8 replaced), for random mixes of ASCII, escapes, well-formed
// and broken UTF-8.
TEST(Json, AppendJsonStringIsTheDomsWriter) {
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "\"",
                                           "\\",
                                           "/",
                                           "\n",
                                           "\t",
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "心",
                                           "桥",
                                           "é",
                                           "😀",
                                           "\xc0\xaf",
                                           "\xe0\x80\xaf",
                                           "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80",
                                           "\xf8",
                                           "\xff",
                                           "\x80",
                                           "\xc3",
                                           "\xe5\xbf",
                                           "\xf0\x9f\x98",
                                           "\xef\xbf\xbf",
                                           "\xf4\x8f\xbf\xbf",
                                           "\xc2\x80"};
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
    std::string got;
    AppendJsonString(got, s);
    EXPECT_EQ(got, Json(s).dump(-1, ' ', false, Json::error_handler_t::replace))
        << "input bytes: " << Json(s).dump(-1, ' ', true, Json::error_handler_t::replace);
  }
}

TEST(Json, RejectsMalformedAndBadUtf8) {
  EXPECT_FALSE(ParseJsonObject("{").ok());
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
  // A number past a double is a clear 400, not an escaping exception.
  auto huge = ParseJsonObject("{\"a\": 1e999}");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseJsonObject(std::string("{\"a\":\"\xff\"}")).ok());
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));  // overlong
  EXPECT_TRUE(IsValidUtf8("心桥"));
  auto s = ParseJson("{\n  \"a\": tru }");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("line 2"), std::string::npos);
}

// The scanner rebuilds a DOM through its calls, for comparison.
Json Rebuild(JsonScanner& j) {
  switch (j.Peek()) {
    case JsonScanner::Kind::kNull:
      j.ReadNull();
      return nullptr;
    case JsonScanner::Kind::kBool: {
      bool b = false;
      j.ReadBool(&b);
      return b;
    }
    case JsonScanner::Kind::kNumber: {
      double d = 0;
      j.ReadNumber(&d);
      return d;
    }
    case JsonScanner::Kind::kString: {
      std::string s;
      j.ReadString(&s);
      return s;
    }
    case JsonScanner::Kind::kArray: {
      Json a = Json::array();
      if (j.BeginArray())
        while (j.NextElement()) a.push_back(Rebuild(j));
      return a;
    }
    case JsonScanner::Kind::kObject: {
      Json o = Json::object();
      if (j.BeginObject())
        for (std::string k; j.NextKey(&k);) o[k] = Rebuild(j);
      return o;
    }
    case JsonScanner::Kind::kError:
      break;
  }
  return nullptr;
}

// Numbers compared as doubles (the DOM keeps integers apart).
Json AsDoubles(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_array()) {
    Json a = Json::array();
    for (const auto& e : v) a.push_back(AsDoubles(e));
    return a;
  }
  if (v.is_object()) {
    Json o = Json::object();
    for (const auto& [k, e] : v.items()) o[k] = AsDoubles(e);
    return o;
  }
  return v;
}

TEST(JsonScanner, AcceptsExactlyWhatTheDomParserAccepts) {
  // Pieces of JSON, glued at random: mostly malformed, some well-formed.
  const std::vector<std::string> pieces = {"{",           "}",           "[",           "]",
                                           ",",           ":",           " ",           "\n",
                                           "\"a\"",       "\"b\"",       "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
                                           "\"\\ud83d\"", "\"\\ude00\"", "\"\\x\"",     "\"\\n\\t\\/\\\\\"",
                                           "\"\t\"",      "\"心\"",      "0",           "-1",
                                           "12",          "01",          "1.5",         "1.",
                                           ".5",          "-",           "1e5",         "1E+2",
                                           "2e-3",        "1e",          "true",        "false",
                                           "null",        "nul",         "tru",         "x",
                                           "1e999",       "\"\\u12\"",   "\"\\u12G4\""};
  std::mt19937 rng(11);
  int valid = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 9);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    if (round % 3 == 0) text = "{\"k\":" + text + "}";
    bool dom_ok = true;
    Json dom;
    try {
      dom = Json::parse(text);
    } catch (const Json::exception&) {
      dom_ok = false;
    }
    JsonScanner skip(text);
    skip.Skip();
    skip.Finish();
    JsonScanner read(text);
    Json rebuilt = Rebuild(read);
    read.Finish();
    EXPECT_EQ(skip.ok(), dom_ok) << text;
    EXPECT_EQ(read.ok(), dom_ok) << text;
    if (dom_ok && read.ok()) {
      ++valid;
      EXPECT_EQ(AsDoubles(rebuilt), AsDoubles(dom)) << text;
    }
    if (!skip.ok()) {
      EXPECT_NE(skip.status().message().find("malformed JSON at line"), std::string::npos);
    }
  }
  EXPECT_GT(valid, 500);  // the comparison saw well-formed texts too
}

TEST(JsonScanner, ReadsFieldsAndPlacesErrors) {
  JsonScanner j(
      R"( {"id": "x\"y", "n": -2.5e1, "list": ["a", "心"], "skip": {"deep": [[[1]], {"z": null}]}, "b": true} )");
  std::string key, id;
  double n = 0;
  bool b = false;
  std::vector<std::string> list;
  ASSERT_TRUE(j.BeginObject());
  while (j.NextKey(&key)) {
    if (key == "id") {
      EXPECT_TRUE(j.ReadString(&id));
    } else if (key == "n") {
      EXPECT_TRUE(j.ReadNumber(&n));
    } else if (key == "list") {
      ASSERT_TRUE(j.BeginArray());
      while (j.NextElement()) {
        std::string e;
        EXPECT_TRUE(j.ReadString(&e));
        list.push_back(e);
      }
    } else if (key == "b") {
      EXPECT_TRUE(j.ReadBool(&b));
    } else {
      EXPECT_TRUE(j.Skip());
    }
  }
  EXPECT_TRUE(j.Finish());
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(id, "x\"y");
  EXPECT_EQ(n, -25);
  EXPECT_EQ(list, (std::vector<std::string>{"a", "心"}));
  EXPECT_TRUE(b);

  // A wrong kind is an error at the value; every later call fails.
  JsonScanner w("{\n  \"a\": 5}");
  std::string s;
  ASSERT_TRUE(w.BeginObject());
  ASSERT_TRUE(w.NextKey(&s));
  EXPECT_FALSE(w.ReadString(&s));
  EXPECT_EQ(w.status().message(), "malformed JSON at line 2, column 8");
  EXPECT_EQ(w.Peek(), JsonScanner::Kind::kError);
  EXPECT_FALSE(w.Skip());
  // Trailing text, and a trailing comma.
  JsonScanner t("{} x");
  EXPECT_TRUE(t.Skip());
  EXPECT_FALSE(t.Finish());
  EXPECT_EQ(t.status().message(), "malformed JSON at line 1, column 4");
  JsonScanner c("[1,]");
  EXPECT_FALSE(c.Skip());
  // Deep nesting is no recursion.
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  JsonScanner d(deep);
  EXPECT_TRUE(d.Skip() && d.Finish());
}

}  // namespace
}  // namespace xq

TEST(Periodic, RunsRepeatedlyAndOnceMoreAtTheEnd) {
  std::atomic<int> runs{0};
  {
    xq::Periodic p(std::chrono::milliseconds(1), [&] { ++runs; });
    while (runs.load() < 3) std::this_thread::yield();
  }
  const int after = runs.load();
  EXPECT_GE(after, 4);  // three seen, plus the final run at destruction
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(runs.load(), after);  // nothing runs once destroyed
}

TEST(Periodic, DestructionRunsTheTaskEvenWithALongInterval) {
  int runs = 0;
  {
    xq::Periodic p(std::chrono::hours(1), [&] { ++runs; });
  }
  EXPECT_EQ(runs, 1);
}
