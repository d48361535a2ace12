// Embind bindings for Nix support, linked into the "codecs" module (with
// libsodium): Ed25519 keys/signatures in raw and Nix text form, and narinfo
// fingerprint/sign/verify through core/src/nix. Calling convention:
// bind_common.hpp. Strings carrying secrets are wiped after use where we own them.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstring>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/ed25519.hpp"
#include "chunker/narinfo.hpp"

namespace chunker::wasm {
namespace {

std::string g_text;  // result area for text results (keys, signatures, narinfo)

std::string_view sv(std::uintptr_t p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }

int text_result(std::string s) {
  g_text = std::move(s);
  return static_cast<int>(g_text.size());
}

// Raw Ed25519 (RFC 8032): 32-byte seed or 64-byte seed||public secret key.
int ed25519_sign(std::uintptr_t secret, std::size_t secret_len, std::uintptr_t msg, std::size_t msg_len,
                 std::uintptr_t out_sig) {
  auto k = secret_len == ed25519::kSeedSize ? ed25519::SecretKey::from_seed(in_span(secret, secret_len))
                                            : ed25519::SecretKey::from_bytes(in_span(secret, secret_len));
  if (!k) return fail(k.status());
  ed25519::Signature s = k->sign(in_span(msg, msg_len));
  std::memcpy(reinterpret_cast<void*>(out_sig), s.data(), s.size());
  return 0;
}

int ed25519_public_key(std::uintptr_t secret, std::size_t secret_len, std::uintptr_t out_pub) {
  auto k = secret_len == ed25519::kSeedSize ? ed25519::SecretKey::from_seed(in_span(secret, secret_len))
                                            : ed25519::SecretKey::from_bytes(in_span(secret, secret_len));
  if (!k) return fail(k.status());
  auto pub = k->public_key().bytes();
  std::memcpy(reinterpret_cast<void*>(out_pub), pub.data(), pub.size());
  return 0;
}

// 1 valid, 0 invalid signature, <0 malformed key.
int ed25519_verify(std::uintptr_t pub, std::size_t pub_len, std::uintptr_t msg, std::size_t msg_len,
                   std::uintptr_t sig, std::size_t sig_len) {
  auto k = ed25519::PublicKey::from_bytes(in_span(pub, pub_len));
  if (!k) return fail(k.status());
  return k->verify(in_span(msg, msg_len), in_span(sig, sig_len)) ? 1 : 0;
}

// Nix text keys: "name:base64".
int nix_generate_key(std::string name) {
  auto k = ed25519::NixSecretKey::generate(name);
  if (!k) return fail(k.status());
  return text_result(k->to_string());
}

int nix_public_key(std::uintptr_t secret_text, std::size_t n) {
  auto k = ed25519::NixSecretKey::parse(sv(secret_text, n));
  if (!k) return fail(k.status());
  return text_result(k->public_key().to_string());
}

int nix_sign(std::uintptr_t secret_text, std::size_t n, std::uintptr_t msg, std::size_t msg_len) {
  auto k = ed25519::NixSecretKey::parse(sv(secret_text, n));
  if (!k) return fail(k.status());
  return text_result(k->sign_detached(sv(msg, msg_len)));
}

int nix_verify(std::string public_text, std::uintptr_t msg, std::size_t msg_len, std::string sig) {
  auto k = ed25519::NixPublicKey::parse(public_text);
  if (!k) return fail(k.status());
  return ed25519::verify_nix_signature(*k, sv(msg, msg_len), sig) ? 1 : 0;
}

int narinfo_fingerprint(std::string text) {
  auto info = narinfo::parse(text);
  if (!info) return fail(info.status());
  auto fp = narinfo::fingerprint(*info);
  if (!fp) return fail(fp.status());
  return text_result(std::move(*fp));
}

// Returns the narinfo re-written (Nix field order) with this key's Sig added.
int narinfo_sign(std::string text, std::uintptr_t secret_text, std::size_t n) {
  auto info = narinfo::parse(text);
  if (!info) return fail(info.status());
  auto k = ed25519::NixSecretKey::parse(sv(secret_text, n));
  if (!k) return fail(k.status());
  Status s = narinfo::sign(*info, *k);
  if (!s.ok()) return fail(s);
  return text_result(narinfo::format(*info));
}

// trusted: public keys separated by whitespace (as nix.conf's trusted-public-keys).
// 1 verified, 0 not (message in lastError()), <0 malformed narinfo or key.
int narinfo_verify(std::string text, std::string trusted) {
  auto info = narinfo::parse(text);
  if (!info) return fail(info.status());
  std::vector<ed25519::NixPublicKey> keys;
  std::size_t i = 0;
  while (i < trusted.size()) {
    std::size_t j = trusted.find_first_of(" \t\r\n", i);
    if (j == std::string::npos) j = trusted.size();
    if (j > i) {
      auto k = ed25519::NixPublicKey::parse(std::string_view(trusted).substr(i, j - i));
      if (!k) return fail(k.status());
      keys.push_back(std::move(*k));
    }
    i = j + 1;
  }
  Status s = narinfo::verify(*info, keys);
  if (s.ok()) return 1;
  if (s.code() == Errc::verification_failed) {
    last_error() = s.message();
    return 0;
  }
  return fail(s);
}

// narinfo text -> plain object with Nix's field names (absent optional
// fields omitted; unknown fields in `extra` as [key, value] pairs, in order),
// or the negative Errc as a number.
emscripten::val narinfo_parse(std::string text) {
  using emscripten::val;
  auto r = narinfo::parse(text);
  if (!r) return val(fail(r.status()));
  const narinfo::NarInfo& n = *r;
  auto strings = [](const std::vector<std::string>& v) {
    val a = val::array();
    for (const auto& s : v) a.call<void>("push", s);
    return a;
  };
  val o = val::object();
  o.set("StorePath", n.store_path);
  o.set("URL", n.url);
  if (!n.compression.empty()) o.set("Compression", n.compression);
  if (!n.file_hash.empty()) o.set("FileHash", n.file_hash);
  if (n.file_size) o.set("FileSize", static_cast<double>(*n.file_size));
  o.set("NarHash", n.nar_hash);
  o.set("NarSize", static_cast<double>(n.nar_size));
  o.set("References", strings(n.references));
  if (!n.deriver.empty()) o.set("Deriver", n.deriver);
  if (!n.system.empty()) o.set("System", n.system);
  o.set("Sig", strings(n.sigs));
  if (!n.ca.empty()) o.set("CA", n.ca);
  val extra = val::array();
  for (const auto& [k, v] : n.extra) {
    val pair = val::array();
    pair.call<void>("push", k);
    pair.call<void>("push", v);
    extra.call<void>("push", pair);
  }
  o.set("extra", extra);
  return o;
}

// Any valid narinfo text -> the same narinfo in Nix's layout (narinfo::format).
int narinfo_format(std::string text) {
  auto info = narinfo::parse(text);
  if (!info) return fail(info.status());
  return text_result(narinfo::format(*info));
}

std::uintptr_t text_ptr() { return reinterpret_cast<std::uintptr_t>(g_text.data()); }
void wipe_text() {
  std::fill(g_text.begin(), g_text.end(), '\0');
  g_text.clear();
}

}  // namespace
}  // namespace chunker::wasm

EMSCRIPTEN_BINDINGS(chunker_nix) {
  using namespace emscripten;
  using namespace chunker::wasm;
  function("ed25519Sign", &ed25519_sign);
  function("ed25519PublicKey", &ed25519_public_key);
  function("ed25519Verify", &ed25519_verify);
  function("nixGenerateKey", &nix_generate_key);
  function("nixPublicKey", &nix_public_key);
  function("nixSign", &nix_sign);
  function("nixVerify", &nix_verify);
  function("narinfoFingerprint", &narinfo_fingerprint);
  function("narinfoSign", &narinfo_sign);
  function("narinfoVerify", &narinfo_verify);
  function("narinfoParse", &narinfo_parse);
  function("narinfoFormat", &narinfo_format);
  function("textPtr", &text_ptr);
  function("wipeText", &wipe_text);
}
