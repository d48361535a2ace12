// Ed25519 through libsodium; Nix "name:base64" key and signature formats.
#include "chunker/ed25519.hpp"

#include <sodium.h>

#include <cstring>
#include <vector>

#include "chunker/encoding.hpp"

namespace chunker::ed25519 {

static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_SECRETKEYBYTES == kSecretKeySize);
static_assert(crypto_sign_SEEDBYTES == kSeedSize);
static_assert(crypto_sign_BYTES == kSignatureSize);

namespace {

// Wipes a decoded buffer that may have held secret bytes.
struct WipeOnExit {
  std::vector<std::uint8_t>& v;
  ~WipeOnExit() {
    if (!v.empty()) sodium_memzero(v.data(), v.size());
  }
};

Status decode_base64_exact(std::string_view text, std::size_t want, const char* what,
                           std::vector<std::uint8_t>& out) {
  auto dec = base64_decode(text);
  if (!dec.ok()) return Status(Errc::invalid_argument, std::string(what) + ": " + dec.status().message());
  out = std::move(dec.value());
  if (out.size() != want)
    return Status(Errc::invalid_argument, std::string(what) + ": expected " + std::to_string(want) +
                                              " bytes, got " + std::to_string(out.size()));
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits "name:rest" and validates the name.
Status split_named(std::string_view text, const char* what, std::string_view& name, std::string_view& rest) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return Status(Errc::invalid_argument, std::string(what) + ": expected 'name:base64', found no ':'");
  name = text.substr(0, colon);
  rest = text.substr(colon + 1);
  Status s = validate_key_name(name);
  if (!s.ok()) return Status(Errc::invalid_argument, std::string(what) + ": " + s.message());
  return {};
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

Status init() {
  static const int rc = sodium_init();  // thread-safe once; 1 = already initialised
  if (rc < 0) return Status(Errc::internal, "libsodium initialisation failed");
  return {};
}

// ---- PublicKey --------------------------------------------------------------

Result<PublicKey> PublicKey::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kPublicKeySize)
    return Status(Errc::invalid_argument,
                  "ed25519 public key: expected 32 bytes, got " + std::to_string(bytes.size()));
  PublicKey k;
  std::memcpy(k.bytes_.data(), bytes.data(), kPublicKeySize);
  return k;
}

Result<PublicKey> PublicKey::from_base64(std::string_view text) {
  std::vector<std::uint8_t> raw;
  CHUNKER_TRY(decode_base64_exact(text, kPublicKeySize, "ed25519 public key", raw));
  return from_bytes(raw);
}

bool PublicKey::verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) const {
  if (!init().ok() || signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), bytes_.data()) == 0;
}

bool PublicKey::verify(std::string_view message, std::span<const std::uint8_t> signature) const {
  return verify(as_bytes(message), signature);
}

bool PublicKey::verify_base64(std::string_view message, std::string_view signature_b64) const {
  auto sig = base64_decode(signature_b64);
  return sig.ok() && verify(message, sig.value());
}

std::string PublicKey::to_base64() const { return base64_encode(bytes_); }

// ---- SecretKey --------------------------------------------------------------

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

Result<SecretKey> SecretKey::generate() {
  CHUNKER_TRY(init());
  SecretKey k;
  std::array<std::uint8_t, kPublicKeySize> pk;
  crypto_sign_keypair(pk.data(), k.bytes_.data());
  return k;
}

Result<SecretKey> SecretKey::from_seed(std::span<const std::uint8_t> seed) {
  CHUNKER_TRY(init());
  if (seed.size() != kSeedSize)
    return Status(Errc::invalid_argument, "ed25519 seed: expected 32 bytes, got " + std::to_string(seed.size()));
  SecretKey k;
  std::array<std::uint8_t, kPublicKeySize> pk;
  crypto_sign_seed_keypair(pk.data(), k.bytes_.data(), seed.data());
  return k;
}

Result<SecretKey> SecretKey::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kSecretKeySize)
    return Status(Errc::invalid_argument,
                  "ed25519 secret key: expected 64 bytes, got " + std::to_string(bytes.size()));
  auto k = from_seed(bytes.first(kSeedSize));
  if (!k.ok()) return k.status();
  // libsodium signs with the stored public half; a mismatching one would make
  // signatures that never verify, so refuse it here.
  if (sodium_memcmp(k->bytes_.data() + kSeedSize, bytes.data() + kSeedSize, kPublicKeySize) != 0)
    return Status(Errc::invalid_argument, "ed25519 secret key: public half does not match the seed");
  return k;
}

Result<SecretKey> SecretKey::from_base64(std::string_view text) {
  std::vector<std::uint8_t> raw;
  WipeOnExit wipe{raw};
  CHUNKER_TRY(decode_base64_exact(text, kSecretKeySize, "ed25519 secret key", raw));
  return from_bytes(raw);
}

Signature SecretKey::sign(std::span<const std::uint8_t> message) const noexcept {
  Signature sig{};
  (void)init();
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), bytes_.data());
  return sig;
}

Signature SecretKey::sign(std::string_view message) const noexcept { return sign(as_bytes(message)); }

std::string SecretKey::sign_base64(std::string_view message) const { return base64_encode(sign(message)); }

PublicKey SecretKey::public_key() const {
  std::array<std::uint8_t, kPublicKeySize> pk;
  std::memcpy(pk.data(), bytes_.data() + kSeedSize, kPublicKeySize);
  return PublicKey(pk);
}

std::string SecretKey::to_base64() const { return base64_encode(bytes_); }

// ---- flat base64 API ----------------------------------------------------------

Result<KeyPairBase64> generate_keypair_base64() {
  auto k = SecretKey::generate();
  if (!k.ok()) return k.status();
  return KeyPairBase64{k->public_key().to_base64(), k->to_base64()};
}

Result<std::string> sign_base64(std::span<const std::uint8_t> message, std::string_view secret_key_b64) {
  auto k = SecretKey::from_base64(secret_key_b64);
  if (!k.ok()) return k.status();
  return base64_encode(k->sign(message));
}

Result<bool> verify_base64(std::span<const std::uint8_t> message, std::string_view signature_b64,
                           std::string_view public_key_b64) {
  auto k = PublicKey::from_base64(public_key_b64);
  if (!k.ok()) return k.status();
  auto sig = base64_decode(signature_b64);
  return sig.ok() && k->verify(message, sig.value());
}

// ---- Nix formats ------------------------------------------------------------

Status validate_key_name(std::string_view name) {
  if (name.empty()) return Status(Errc::invalid_argument, "key name is empty");
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == ':' || c <= 0x20 || c == 0x7f)
      return Status(Errc::invalid_argument, "key name has an invalid character at position " + std::to_string(i));
  }
  return {};
}

Result<NixPublicKey> NixPublicKey::parse(std::string_view text) {
  std::string_view name, b64;
  CHUNKER_TRY(split_named(trim(text), "Nix public key", name, b64));
  auto k = PublicKey::from_base64(b64);
  if (!k.ok()) return k.status();
  return NixPublicKey{std::string(name), k.value()};
}

std::string NixPublicKey::to_string() const { return name + ":" + key.to_base64(); }

Result<NixSecretKey> NixSecretKey::generate(std::string_view name) {
  CHUNKER_TRY(validate_key_name(name));
  auto k = SecretKey::generate();
  if (!k.ok()) return k.status();
  return NixSecretKey{std::string(name), std::move(k.value())};
}

Result<NixSecretKey> NixSecretKey::parse(std::string_view text) {
  std::string_view name, b64;
  CHUNKER_TRY(split_named(trim(text), "Nix secret key", name, b64));
  auto k = SecretKey::from_base64(b64);
  if (!k.ok()) return k.status();
  return NixSecretKey{std::string(name), std::move(k.value())};
}

std::string NixSecretKey::to_string() const {
  // Built without reallocation so no stray copy of the secret is left in freed memory.
  std::string b64 = key.to_base64();
  std::string out;
  out.reserve(name.size() + 1 + b64.size());
  out.append(name).append(1, ':').append(b64);
  sodium_memzero(b64.data(), b64.size());
  return out;
}

std::string NixSecretKey::sign_detached(std::string_view message) const {
  return name + ":" + key.sign_base64(message);
}

bool verify_nix_signature(const NixPublicKey& key, std::string_view message, std::string_view sig) {
  const auto colon = sig.find(':');
  if (colon == std::string_view::npos || sig.substr(0, colon) != key.name) return false;
  return key.key.verify_base64(message, sig.substr(colon + 1));
}

}  // namespace chunker::ed25519
