#include "crypto/keyring.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace xq::crypto {
namespace {

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("xq-keyring-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::filesystem::remove(path);
  return path;
}

TEST(KeyRing, SealOpenRoundTripAndBindsToPlace) {
  KeyRing ring = KeyRing::FromKeys({{1, std::string(kKeyBytes, 'a')}});
  auto sealed = ring.Seal("学生自述近期睡眠差", "notes:1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_TRUE(LooksSealed(*sealed));
  EXPECT_EQ(sealed->find("睡眠"), std::string::npos);
  auto opened = ring.Open(*sealed, "notes:1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "学生自述近期睡眠差");
  // The same ciphertext copied to another row does not open there.
  EXPECT_TRUE(absl::IsDataLoss(ring.Open(*sealed, "notes:2").status()));
  // Two seals of the same text differ (random nonce).
  EXPECT_NE(*sealed, *ring.Seal("学生自述近期睡眠差", "notes:1"));
}

TEST(KeyRing, TamperedOrForeignTextIsRefused) {
  KeyRing ring = KeyRing::FromKeys({{1, std::string(kKeyBytes, 'a')}});
  std::string sealed = *ring.Seal("x", "a");
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(absl::IsDataLoss(ring.Open(tampered, "a").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ring.Open("plain text", "a").status()));
  EXPECT_TRUE(absl::IsNotFound(ring.Open("xq1:7:AAAA", "a").status()));
  KeyRing other = KeyRing::FromKeys({{1, std::string(kKeyBytes, 'b')}});
  EXPECT_TRUE(absl::IsDataLoss(other.Open(sealed, "a").status()));
}

TEST(KeyRing, FileInitLoadRotate) {
  const std::string path = TempPath("keys");
  ASSERT_TRUE(KeyRing::Init(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_TRUE(absl::IsAlreadyExists(KeyRing::Init(path)));
  auto ring = KeyRing::Load(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->current_id(), 1u);
  std::string old_sealed = *ring->Seal("旧记录", "r:1");

  auto id = KeyRing::AddKey(path);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 2u);
  auto rotated = KeyRing::Load(path);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->current_id(), 2u);
  EXPECT_EQ(*rotated->Open(old_sealed, "r:1"), "旧记录");  // old rows stay readable
  EXPECT_EQ(*SealedKeyId(*rotated->Seal("新", "r:2")), 2u);
  EXPECT_EQ(*SealedKeyId(old_sealed), 1u);
}

TEST(KeyRing, RefusesOpenPermissionsAndMalformedFiles) {
  const std::string path = TempPath("bad");
  ASSERT_TRUE(KeyRing::Init(path).ok());
  ::chmod(path.c_str(), 0644);
  EXPECT_TRUE(absl::IsFailedPrecondition(KeyRing::Load(path).status()));
  ::chmod(path.c_str(), 0600);
  {
    std::ofstream out(path, std::ios::app);
    out << "2 not-base64!!\n";
  }
  auto bad = KeyRing::Load(path);
  ASSERT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_NE(bad.status().message().find(":3:"), std::string::npos) << bad.status();
  EXPECT_TRUE(absl::IsNotFound(KeyRing::Load(TempPath("missing")).status()));
  auto nested = KeyRing::LoadOrCreate(TempPath("sub") + "/dir/keys");  // its folder is made
  ASSERT_TRUE(nested.ok()) << nested.status();
  auto created = KeyRing::LoadOrCreate(TempPath("fresh"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->size(), 1u);
}

}  // namespace
}  // namespace xq::crypto
