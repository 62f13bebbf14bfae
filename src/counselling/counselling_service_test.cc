// Unit tests of counselling's pure parts: the risk_recorded payload (the
// timeline convention, no risk word in summary_zh), risk levels, the
// sealed columns it registers for rotation, and the key source a running
// server re-reads after a rotation.
#include <filesystem>
#include <unistd.h>

#include "core/json.h"
#include "counselling/events.h"
#include "counselling/model.h"
#include "counselling/sealed_columns.h"
#include "crypto/key_source.h"
#include "crypto/keyring.h"
#include "gtest/gtest.h"

namespace xq::counselling {
namespace {

TEST(CounsellingEventsTest, RiskRecordedFollowsTheTimelineConvention) {
  RiskRecorded e{.student_id = 42,
                 .record_id = 7,
                 .risk = "imminent",
                 .counsellor_account_id = 9,
                 .occurred_at = 1'700'000'000'000'000};
  const std::string text = EncodeRiskRecorded(e);
  auto j = ParseJsonObject(text);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["student_id"], 42);
  EXPECT_EQ((*j)["data_class"], "D5");
  EXPECT_EQ((*j)["ref_type"], "counselling_record");
  EXPECT_EQ((*j)["ref_id"], 7);
  EXPECT_EQ((*j)["record_id"], 7);
  EXPECT_EQ((*j)["risk"], "imminent");
  EXPECT_EQ((*j)["counsellor_account_id"], 9);
  EXPECT_EQ((*j)["occurred_at"], 1'700'000'000'000'000);
  const std::string summary = (*j)["summary_zh"];
  EXPECT_FALSE(summary.empty());
  for (const char* word : {"风险", "紧急", "高", "imminent", "自杀", "危机"})
    EXPECT_EQ(summary.find(word), std::string::npos) << word;
  auto back = DecodeRiskRecorded(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->risk, "imminent");
  EXPECT_EQ(back->record_id, 7);
  EXPECT_FALSE(DecodeRiskRecorded("{\"student_id\":1}").ok());
  EXPECT_FALSE(DecodeRiskRecorded("not json").ok());
}

TEST(CounsellingModelTest, RiskLevels) {
  for (const char* r : {"none", "low", "medium", "high", "imminent"}) EXPECT_TRUE(IsRiskLevel(r)) << r;
  for (const char* r : {"", "HIGH", "severe", "high "}) EXPECT_FALSE(IsRiskLevel(r)) << r;
}

TEST(CounsellingSealedColumnsTest, RegistersEveryColumnOnce) {
  RegisterSealedColumns();
  RegisterSealedColumns();
  auto cols = crypto::RegisteredSealedColumns();
  int records = 0, shares = 0;
  for (const auto& c : cols) {
    if (c.table == "counselling_records") {
      ++records;
      EXPECT_EQ(c.ad_prefix, "counselling_records:");
    }
    if (c.table == "counselling_shares") ++shares;
  }
  EXPECT_EQ(records, 3);
  EXPECT_EQ(shares, 1);
}

TEST(KeySourceTest, ReadsAKeyAddedByARotation) {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("xq_keysource_" + std::to_string(::getpid()) + ".key")).string();
  std::filesystem::remove(file);
  ASSERT_TRUE(crypto::KeyRing::Init(file).ok());
  auto ring = crypto::KeyRing::Load(file);
  ASSERT_TRUE(ring.ok());
  crypto::KeySource server(*ring, file);
  auto old_value = server.Seal("before", "counselling_records:1");
  ASSERT_TRUE(old_value.ok());
  // `keys rotate` adds key 2 and re-seals with it, in another process.
  ASSERT_TRUE(crypto::KeyRing::AddKey(file).ok());
  auto rotated = crypto::KeyRing::Load(file);
  ASSERT_TRUE(rotated.ok());
  auto new_value = rotated->Seal("after", "counselling_records:2");
  ASSERT_TRUE(new_value.ok());
  EXPECT_EQ(*crypto::SealedKeyId(*new_value), 2u);
  // The server opens the new value (reloading once) and still the old one.
  auto opened = server.Open(*new_value, "counselling_records:2");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "after");
  EXPECT_EQ(*server.Open(*old_value, "counselling_records:1"), "before");
  // And seals under the new key from now on.
  EXPECT_EQ(*crypto::SealedKeyId(*server.Seal("x", "counselling_records:3")), 2u);
  // A value bound to another row does not open.
  EXPECT_FALSE(server.Open(*new_value, "counselling_records:3").ok());
  std::filesystem::remove(file);
}

TEST(KeySourceTest, ReloadIfChangedPicksUpANewKey) {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("xq_keysource2_" + std::to_string(::getpid()) + ".key")).string();
  std::filesystem::remove(file);
  ASSERT_TRUE(crypto::KeyRing::Init(file).ok());
  crypto::KeySource server(*crypto::KeyRing::Load(file), file);
  ASSERT_TRUE(server.ReloadIfChanged().ok());  // first look: nothing new
  EXPECT_EQ(server.Get()->current_id(), 1u);
  ASSERT_TRUE(crypto::KeyRing::AddKey(file).ok());
  ASSERT_TRUE(server.ReloadIfChanged().ok());
  EXPECT_EQ(server.Get()->current_id(), 2u);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace xq::counselling
