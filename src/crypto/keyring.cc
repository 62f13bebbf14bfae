#include "crypto/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <charconv>

#include "absl/strings/str_cat.h"

namespace xq::crypto {
namespace {

constexpr std::string_view kPrefix = "xq1:";

bool ParseId(std::string_view text, uint32_t* id) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *id);
  return ec == std::errc() && end == text.data() + text.size() && *id != 0;
}

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string ToBase64(const unsigned char* data, size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

absl::StatusOr<std::string> FromBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return absl::InvalidArgumentError("not base64");
  }
  out.resize(len);
  return out;
}

std::string NewKey() {
  std::string key(kKeyBytes, '\0');
  crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

std::string KeyLine(uint32_t id, const std::string& key) {
  return absl::StrCat(id, " ", ToBase64(reinterpret_cast<const unsigned char*>(key.data()), key.size()), "\n");
}

// Writes text to path.tmp (mode 0600, synced) and renames it over path.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text, bool exclusive) {
  const std::string target = exclusive ? path : path + ".tmp";
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat("key file exists: ", path));
    return absl::FailedPreconditionError(absl::StrCat("cannot write key file ", target, ": ", std::strerror(errno)));
  }
  ::fchmod(fd, 0600);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return absl::InternalError(absl::StrCat("write ", target, ": ", std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return absl::InternalError(absl::StrCat("sync ", target, ": ", std::strerror(errno)));
  }
  if (!exclusive && ::rename(target.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("rename ", target, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KeyRing> KeyRing::Load(const std::string& path) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("key file ", path, ": ", std::strerror(errno)));
  }
  if ((st.st_mode & 0077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("key file ", path, " is readable by others (mode ",
                                                      (st.st_mode & 0777) >> 6, (st.st_mode & 0070) >> 3,
                                                      st.st_mode & 0007, "); chmod 600 it"));
  }
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read key file ", path));
  KeyRing ring;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> parts;
    for (size_t at = 0; at < line.size();) {
      size_t end = line.find(' ', at);
      if (end == std::string::npos) end = line.size();
      if (end > at) parts.push_back(std::string_view(line).substr(at, end - at));
      at = end + 1;
    }
    uint32_t id = 0;
    if (parts.size() != 2 || !ParseId(parts[0], &id)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": expected \"<id> <base64 key>\""));
    }
    auto key = FromBase64(parts[1]);
    if (!key.ok() || key->size() != kKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": the key is not 32 bytes of base64"));
    }
    if (!ring.keys_.emplace(id, *std::move(key)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": key ", id, " appears twice"));
    }
  }
  if (ring.keys_.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no key"));
  return ring;
}

absl::Status KeyRing::Init(const std::string& path) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  return WriteFileAtomically(path, "# xinqiao encryption keys; the highest id is current\n" + KeyLine(1, NewKey()),
                             /*exclusive=*/true);
}

absl::StatusOr<KeyRing> KeyRing::LoadOrCreate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    // data/xinqiao.key on a fresh checkout: its folder may not exist yet.
    if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
    }
    absl::Status s = Init(path);
    if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  }
  return Load(path);
}

absl::StatusOr<uint32_t> KeyRing::AddKey(const std::string& path) {
  auto ring = Load(path);
  if (!ring.ok()) return ring.status();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  if (!content.empty() && content.back() != '\n') content += '\n';
  const uint32_t id = ring->current_id() + 1;
  content += KeyLine(id, NewKey());
  if (absl::Status s = WriteFileAtomically(path, content, /*exclusive=*/false); !s.ok()) return s;
  return id;
}

KeyRing KeyRing::Ephemeral() {
  SodiumReady();
  return FromKeys({{1, NewKey()}});
}

KeyRing KeyRing::FromKeys(std::map<uint32_t, std::string> keys) {
  SodiumReady();
  KeyRing ring;
  ring.keys_ = std::move(keys);
  return ring;
}

absl::StatusOr<std::string> KeyRing::Seal(std::string_view plaintext, std::string_view associated_data) const {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  if (keys_.empty()) return absl::FailedPreconditionError("no encryption key");
  const auto& [id, key] = *keys_.rbegin();
  std::vector<unsigned char> buf(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                                 crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned char* nonce = buf.data();
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
                                             reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                                             reinterpret_cast<const unsigned char*>(associated_data.data()),
                                             associated_data.size(), nullptr, nonce,
                                             reinterpret_cast<const unsigned char*>(key.data()));
  return absl::StrCat(std::string(kPrefix), id, ":",
                      ToBase64(buf.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen));
}

absl::StatusOr<std::string> KeyRing::Open(std::string_view sealed, std::string_view associated_data) const {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  auto id = SealedKeyId(sealed);
  if (!id.ok()) return id.status();
  auto it = keys_.find(*id);
  if (it == keys_.end()) return absl::NotFoundError(absl::StrCat("encryption key ", *id, " is not in the key file"));
  std::string_view body = sealed.substr(sealed.find(':', kPrefix.size()) + 1);
  auto raw = FromBase64(body);
  if (!raw.ok() ||
      raw->size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return absl::DataLossError("sealed text is damaged");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t clen = raw->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(clen - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr,
                                                 bytes + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, clen,
                                                 reinterpret_cast<const unsigned char*>(associated_data.data()),
                                                 associated_data.size(), bytes,
                                                 reinterpret_cast<const unsigned char*>(it->second.data())) != 0) {
    return absl::DataLossError("sealed text does not authenticate (tampered, or sealed for another record)");
  }
  out.resize(mlen);
  return out;
}

bool LooksSealed(std::string_view text) { return text.substr(0, kPrefix.size()) == kPrefix; }

absl::StatusOr<uint32_t> SealedKeyId(std::string_view sealed) {
  if (!LooksSealed(sealed)) return absl::InvalidArgumentError("not a sealed text");
  size_t colon = sealed.find(':', kPrefix.size());
  uint32_t id = 0;
  if (colon == std::string_view::npos || !ParseId(sealed.substr(kPrefix.size(), colon - kPrefix.size()), &id)) {
    return absl::InvalidArgumentError("sealed text has no key id");
  }
  return id;
}

}  // namespace xq::crypto
