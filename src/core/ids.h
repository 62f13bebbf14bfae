// 64-bit ids generated without a central counter (ARCHITECTURE.md "Keys
// that scale out"): 41 bits of milliseconds since 2024-01-01, 10 bits of
// per-process random node id, 12 bits of sequence. Always positive, roughly
// time-ordered. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xq {

int64_t NewId();
// Ids are opaque strings in JSON (API.md).
std::string IdToString(int64_t id);
std::optional<int64_t> IdFromString(std::string_view s);

// Cryptographically random bytes as lowercase hex (libsodium CSPRNG).
std::string RandomHex(size_t bytes);

}  // namespace xq
