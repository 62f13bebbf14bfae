#include "crypto/key_source.h"

#include <sys/stat.h>

#include <utility>

namespace xq::crypto {

std::shared_ptr<const KeyRing> KeySource::Get() const {
  std::lock_guard lock(mu_);
  return ring_;
}

namespace {
bool Stat(const std::string& path, int64_t* mtime_ns, int64_t* size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  *mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  *size = st.st_size;
  return true;
}
}  // namespace

absl::Status KeySource::ReloadIfChanged() {
  if (path_.empty()) return absl::OkStatus();
  int64_t mtime = 0, size = 0;
  if (!Stat(path_, &mtime, &size)) return absl::OkStatus();
  {
    std::lock_guard lock(mu_);
    if (seen_mtime_ns_ < 0) {  // first look: the ring was loaded from this file
      seen_mtime_ns_ = mtime;
      seen_size_ = size;
      return absl::OkStatus();
    }
    if (mtime == seen_mtime_ns_ && size == seen_size_) return absl::OkStatus();
  }
  return Reload();
}

absl::Status KeySource::Reload() {
  if (path_.empty()) return absl::OkStatus();
  int64_t mtime = 0, size = 0;
  const bool stat_ok = Stat(path_, &mtime, &size);
  absl::StatusOr<KeyRing> ring = KeyRing::Load(path_);
  if (!ring.ok()) return ring.status();
  std::lock_guard lock(mu_);
  ring_ = std::make_shared<const KeyRing>(std::move(*ring));
  if (stat_ok) {
    seen_mtime_ns_ = mtime;
    seen_size_ = size;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> KeySource::Seal(std::string_view plaintext, std::string_view associated_data) const {
  return Get()->Seal(plaintext, associated_data);
}

absl::StatusOr<std::string> KeySource::Open(std::string_view sealed, std::string_view associated_data) {
  absl::StatusOr<std::string> out = Get()->Open(sealed, associated_data);
  if (out.ok() || !absl::IsNotFound(out.status()) || path_.empty()) return out;
  if (absl::Status st = Reload(); !st.ok()) return out;
  return Get()->Open(sealed, associated_data);
}

}  // namespace xq::crypto
