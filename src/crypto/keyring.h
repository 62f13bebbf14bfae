// Encryption at rest of D5 data (counselling notes, crisis records,
// hospital documents): XChaCha20-Poly1305 (libsodium's IETF AEAD) under a
// key kept outside the database, in a key file of mode 0600.
//
// The key file holds numbered keys, one a line: "<id> <base64 of 32 bytes>".
// The highest id is the current key: Seal always uses it; Open uses the key
// named in the sealed text, so rows sealed under an older key stay readable
// until a rotation has re-sealed them (`xinqiao keys rotate`).
//
// Sealed text: "xq1:<key id>:<base64 of nonce (24 bytes) || ciphertext>".
// The associated data binds a sealed value to its place (e.g.
// "counselling_notes:42"), so a ciphertext copied to another row does not
// open there.
// Thread-safe after construction (const).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xq::crypto {

inline constexpr size_t kKeyBytes = 32;

class KeyRing {
 public:
  // Reads a key file. invalid_argument naming the line for a malformed
  // file; failed_precondition when the file is readable by others than its
  // owner (mode other than 0600/0400).
  static absl::StatusOr<KeyRing> Load(const std::string& path);
  // Creates a key file with one new key (id 1), mode 0600; already_exists
  // if the file exists.
  static absl::Status Init(const std::string& path);
  // Load, or Init then Load when the file does not exist (a development
  // server that has not been given a key file).
  static absl::StatusOr<KeyRing> LoadOrCreate(const std::string& path);
  // Appends a new key (id = current + 1) to the file, which becomes the
  // current key; the file is replaced atomically. Returns the new id.
  static absl::StatusOr<uint32_t> AddKey(const std::string& path);
  // One random key held only in memory (an in-memory database).
  static KeyRing Ephemeral();
  // A ring from raw keys (tests, tools).
  static KeyRing FromKeys(std::map<uint32_t, std::string> keys);

  uint32_t current_id() const { return keys_.empty() ? 0 : keys_.rbegin()->first; }
  bool Has(uint32_t id) const { return keys_.count(id) != 0; }
  size_t size() const { return keys_.size(); }

  // Seals plaintext under the current key.
  absl::StatusOr<std::string> Seal(std::string_view plaintext, std::string_view associated_data) const;
  // Opens a sealed text; data_loss when it does not authenticate (wrong
  // place, tampered), not_found when its key is not in the ring.
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

 private:
  std::map<uint32_t, std::string> keys_;  // id → 32 raw bytes
};

// The key id of a sealed text (rotation: which rows still use an old key).
absl::StatusOr<uint32_t> SealedKeyId(std::string_view sealed);
bool LooksSealed(std::string_view text);

}  // namespace xq::crypto
