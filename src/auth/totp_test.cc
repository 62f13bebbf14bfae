// RFC 4226 Appendix D and RFC 6238 Appendix B test vectors, the ±1 step
// window, and base32 / otpauth URIs.
#include "auth/totp.h"

#include "gtest/gtest.h"

namespace xq::auth::totp {
namespace {

const std::string kSeed = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1 seed

TEST(HotpTest, Rfc4226AppendixDVectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t c = 0; c < 10; ++c) EXPECT_EQ(Hotp(kSeed, c).value(), expected[c]) << "counter " << c;
}

TEST(HotpTest, RefusesDigitCountsOutsideSixToEight) {
  EXPECT_FALSE(Hotp(kSeed, 0, 5).ok());
  EXPECT_FALSE(Hotp(kSeed, 0, 9).ok());
}

TEST(TotpTest, Rfc6238AppendixBSha1Vectors) {
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& [t, code] : vectors) EXPECT_EQ(TotpAt(kSeed, t, 8).value(), code) << "T=" << t;
}

TEST(TotpTest, SixDigitsAreTheLastSixOfTheEightDigitValue) {
  EXPECT_EQ(TotpAt(kSeed, 59).value(), "287082");
  EXPECT_EQ(TotpAt(kSeed, 1111111109).value(), "081804");
}

TEST(TotpTest, MatchStepAcceptsOneStepEitherSideOnly) {
  const int64_t t = 1'800'000'015;  // inside step 60'000'000
  const int64_t step = t / kStepSeconds;
  const std::string now = TotpAt(kSeed, t).value();
  const std::string before = TotpAt(kSeed, t - 30).value();
  const std::string after = TotpAt(kSeed, t + 30).value();
  const std::string two_before = TotpAt(kSeed, t - 60).value();
  const std::string two_after = TotpAt(kSeed, t + 60).value();
  EXPECT_EQ(MatchStep(kSeed, now, t), step);
  EXPECT_EQ(MatchStep(kSeed, before, t), step - 1);
  EXPECT_EQ(MatchStep(kSeed, after, t), step + 1);
  EXPECT_EQ(MatchStep(kSeed, two_before, t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, two_after, t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, now, t, 0), step);
  EXPECT_EQ(MatchStep(kSeed, before, t, 0), std::nullopt);
}

TEST(TotpTest, MatchStepRefusesMalformedCodes) {
  const int64_t t = 1'800'000'015;
  const std::string now = TotpAt(kSeed, t).value();
  EXPECT_EQ(MatchStep(kSeed, "", t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, now.substr(0, 5), t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, now + "0", t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, "12a456", t), std::nullopt);
  EXPECT_EQ(MatchStep(kSeed, " " + now.substr(1), t), std::nullopt);
  EXPECT_EQ(MatchStep("another secret here!", now, t), std::nullopt);
}

TEST(TotpTest, Base32RoundTripsWithoutPadding) {
  EXPECT_EQ(Base32(kSeed), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(FromBase32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").value(), kSeed);
  const std::string s = NewSecret();
  EXPECT_EQ(s.size(), static_cast<size_t>(kSecretBytes));
  EXPECT_EQ(FromBase32(Base32(s)).value(), s);
  EXPECT_EQ(Base32(s).find('='), std::string::npos);
  EXPECT_NE(NewSecret(), s);
}

TEST(TotpTest, OtpauthUriCarriesIssuerAccountAndParameters) {
  EXPECT_EQ(OtpauthUri("心桥", "psych staff", kSeed),
            "otpauth://totp/%E5%BF%83%E6%A1%A5:psych%20staff?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=%E5%BF%83%E6%A1%A5&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace xq::auth::totp
