// Ed25519 signatures (RFC 8032) through libsodium, with the key formats Nix
// uses for binary caches.
//
//   auto kp = chunker::ed25519::SecretKey::generate();          // random key
//   auto sig = kp->sign(message);                               // 64 bytes
//   bool ok = kp->public_key().verify(message, sig);
//
//   // Nix: "cache.example.org-1:<base64 of 64-byte secret key>"
//   auto nk = chunker::ed25519::NixSecretKey::parse(text);
//   std::string pub = nk->public_key().to_string();              // "name:<base64 32 bytes>"
//
// Secret keys are non-copyable; their bytes are wiped (sodium_memzero) when the
// object is destroyed or moved from, and decoded temporaries are wiped too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "chunker/error.hpp"

namespace chunker::ed25519 {

inline constexpr std::size_t kSeedSize = 32;
inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSecretKeySize = 64;  // seed || public key (libsodium, Nix)
inline constexpr std::size_t kSignatureSize = 64;

using Signature = std::array<std::uint8_t, kSignatureSize>;

// Initialises libsodium once (thread-safe). Every function below calls it.
Status init();

class PublicKey {
 public:
  PublicKey() = default;
  explicit PublicKey(const std::array<std::uint8_t, kPublicKeySize>& bytes) : bytes_(bytes) {}
  static Result<PublicKey> from_bytes(std::span<const std::uint8_t> bytes);
  static Result<PublicKey> from_base64(std::string_view text);

  // False for a bad signature, a malformed key or a wrong message; never throws.
  bool verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) const;
  bool verify(std::string_view message, std::span<const std::uint8_t> signature) const;
  // Signature given as base64; false if it does not decode to 64 bytes.
  bool verify_base64(std::string_view message, std::string_view signature_b64) const;

  const std::array<std::uint8_t, kPublicKeySize>& bytes() const noexcept { return bytes_; }
  std::string to_base64() const;
  friend bool operator==(const PublicKey&, const PublicKey&) = default;

 private:
  std::array<std::uint8_t, kPublicKeySize> bytes_{};
};

class SecretKey {
 public:
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  ~SecretKey();

  static Result<SecretKey> generate();
  static Result<SecretKey> from_seed(std::span<const std::uint8_t> seed);  // 32 bytes (RFC 8032 "SECRET KEY")
  // 64 bytes seed||public; rejects a public half that does not match the seed.
  static Result<SecretKey> from_bytes(std::span<const std::uint8_t> bytes);
  static Result<SecretKey> from_base64(std::string_view text);

  Signature sign(std::span<const std::uint8_t> message) const noexcept;
  Signature sign(std::string_view message) const noexcept;
  std::string sign_base64(std::string_view message) const;

  PublicKey public_key() const;
  // The 64 secret bytes. Callers that copy them are responsible for wiping.
  std::span<const std::uint8_t, kSecretKeySize> bytes() const noexcept { return bytes_; }
  std::string to_base64() const;

 private:
  SecretKey() = default;
  std::array<std::uint8_t, kSecretKeySize> bytes_{};
};

// The reference library's flat API: keys and signatures as base64 strings
// (public key 32 bytes, secret key 64 bytes seed||public, signature 64 bytes).
struct KeyPairBase64 {
  std::string public_key;
  std::string secret_key;  // wipe when done
};
Result<KeyPairBase64> generate_keypair_base64();
Result<std::string> sign_base64(std::span<const std::uint8_t> message, std::string_view secret_key_b64);
// Errc::invalid_argument for a malformed key; false for a bad or malformed signature.
Result<bool> verify_base64(std::span<const std::uint8_t> message, std::string_view signature_b64,
                           std::string_view public_key_b64);

// Nix key names: non-empty, no ':' and no whitespace or control characters.
Status validate_key_name(std::string_view name);

// "name:base64(32-byte public key)", as in nix.conf trusted-public-keys.
struct NixPublicKey {
  std::string name;
  PublicKey key;
  static Result<NixPublicKey> parse(std::string_view text);
  std::string to_string() const;
};

// "name:base64(64-byte secret key)", as written by `nix key generate-secret`.
struct NixSecretKey {
  std::string name;
  SecretKey key;
  static Result<NixSecretKey> generate(std::string_view name);
  static Result<NixSecretKey> parse(std::string_view text);  // surrounding whitespace ignored
  std::string to_string() const;  // contains the secret: wipe it when done
  NixPublicKey public_key() const { return {name, key.public_key()}; }
  // "name:base64(signature)", the form of a narinfo Sig: value.
  std::string sign_detached(std::string_view message) const;
};

// Checks "name:base64sig" against a key: the names must match and the signature verify.
bool verify_nix_signature(const NixPublicKey& key, std::string_view message, std::string_view sig);

}  // namespace chunker::ed25519
