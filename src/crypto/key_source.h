// The key ring a running server seals and opens with, re-read from its key
// file when a rotation (`xinqiao keys rotate`) has added a key: when the
// file changes (the server calls ReloadIfChanged every few seconds) and
// when a sealed value names a key the ring does not hold yet (Open reloads
// once and tries again). Rows sealed under
// old and new keys stay readable throughout, so rotation needs no
// downtime. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/keyring.h"

namespace xq::crypto {

class KeySource {
 public:
  // path empty: the ring is never re-read (an in-memory database, tests).
  KeySource(KeyRing initial, std::string path)
      : ring_(std::make_shared<const KeyRing>(std::move(initial))), path_(std::move(path)) {}

  std::shared_ptr<const KeyRing> Get() const;
  // Re-reads the key file; keeps the old ring when the file is unreadable.
  absl::Status Reload();
  // Reload when the file's modification time or size changed since the
  // last load (cheap: one stat).
  absl::Status ReloadIfChanged();

  absl::StatusOr<std::string> Seal(std::string_view plaintext, std::string_view associated_data) const;
  // not_found from the ring (a newer key): reloads once and retries.
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view associated_data);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const KeyRing> ring_;
  std::string path_;
  int64_t seen_mtime_ns_ = -1;
  int64_t seen_size_ = -1;
};

}  // namespace xq::crypto
