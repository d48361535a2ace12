// C ABI: BLAKE3 and SHA-256 hashers over chunker::blake3 / chunker::sha256.
#include <cstring>

#include "capi.hpp"
#include "chunker/blake3.hpp"
#include "chunker/sha256.hpp"

using namespace chunker;
using namespace chunker::capi;

struct chunker_blake3 {
  static constexpr std::uint32_t kMagic = 0x43423342;  // "CB3B"
  HandleHeader hdr;
  blake3::Hasher h;
  explicit chunker_blake3(const blake3::Hasher& x) : h(x) {}
};

struct chunker_sha256 {
  static constexpr std::uint32_t kMagic = 0x43533253;  // "CS2S"
  HandleHeader hdr;
  sha256::Hasher h;
};

namespace {
constexpr const char* kB3 = "chunker_blake3";
constexpr const char* kS2 = "chunker_sha256";
}  // namespace

extern "C" {

chunker_status chunker_blake3_new(chunker_blake3** out) {
  return guard("chunker_blake3_new", [&]() -> chunker_status {
    if (out == nullptr) return null_arg("chunker_blake3_new", "out");
    *out = nullptr;
    return new_handle(out, blake3::Hasher());
  });
}

chunker_status chunker_blake3_new_keyed(const uint8_t key[32], chunker_blake3** out) {
  return guard("chunker_blake3_new_keyed", [&]() -> chunker_status {
    if (out == nullptr) return null_arg("chunker_blake3_new_keyed", "out");
    *out = nullptr;
    if (key == nullptr) return null_arg("chunker_blake3_new_keyed", "key");
    return new_handle(out, blake3::Hasher::keyed(std::span<const std::uint8_t, 32>(key, 32)));
  });
}

chunker_status chunker_blake3_new_derive_key(const char* context, chunker_blake3** out) {
  return guard("chunker_blake3_new_derive_key", [&]() -> chunker_status {
    if (out == nullptr) return null_arg("chunker_blake3_new_derive_key", "out");
    *out = nullptr;
    if (context == nullptr) return null_arg("chunker_blake3_new_derive_key", "context");
    return new_handle(out, blake3::Hasher::derive_key(context));
  });
}

chunker_status chunker_blake3_update(chunker_blake3* h, const uint8_t* data, size_t len) {
  if (chunker_status st = check_handle(h, chunker_blake3::kMagic, "chunker_blake3_update", kB3)) return st;
  if (data == nullptr && len != 0) return null_arg("chunker_blake3_update", "data");
  h->h.update({data, len});
  return CHUNKER_OK;
}

chunker_status chunker_blake3_update_parallel(chunker_blake3* h, const uint8_t* data, size_t len, uint32_t threads) {
  if (chunker_status st = check_handle(h, chunker_blake3::kMagic, "chunker_blake3_update_parallel", kB3)) return st;
  if (data == nullptr && len != 0) return null_arg("chunker_blake3_update_parallel", "data");
  h->h.update_parallel({data, len}, resolve_threads(threads));
  return CHUNKER_OK;
}

chunker_status chunker_blake3_finalize(const chunker_blake3* h, uint8_t* out, size_t out_len) {
  if (chunker_status st = check_handle(h, chunker_blake3::kMagic, "chunker_blake3_finalize", kB3)) return st;
  if (out == nullptr && out_len != 0) return null_arg("chunker_blake3_finalize", "out");
  h->h.finalize({out, out_len});
  return CHUNKER_OK;
}

chunker_status chunker_blake3_finalize_seek(const chunker_blake3* h, uint64_t offset, uint8_t* out, size_t out_len) {
  if (chunker_status st = check_handle(h, chunker_blake3::kMagic, "chunker_blake3_finalize_seek", kB3)) return st;
  if (out == nullptr && out_len != 0) return null_arg("chunker_blake3_finalize_seek", "out");
  h->h.finalize_seek(offset, {out, out_len});
  return CHUNKER_OK;
}

chunker_status chunker_blake3_reset(chunker_blake3* h) {
  if (chunker_status st = check_handle(h, chunker_blake3::kMagic, "chunker_blake3_reset", kB3)) return st;
  h->h.reset();
  return CHUNKER_OK;
}

void chunker_blake3_free(chunker_blake3* h) { free_handle(h); }

chunker_status chunker_blake3_hash(const uint8_t* data, size_t len, uint8_t out[32]) {
  if (data == nullptr && len != 0) return null_arg("chunker_blake3_hash", "data");
  if (out == nullptr) return null_arg("chunker_blake3_hash", "out");
  const auto d = blake3::hash({data, len});
  std::memcpy(out, d.data(), d.size());
  return CHUNKER_OK;
}

chunker_status chunker_sha256_new(chunker_sha256** out) {
  return guard("chunker_sha256_new", [&]() -> chunker_status {
    if (out == nullptr) return null_arg("chunker_sha256_new", "out");
    *out = nullptr;
    return new_handle(out);
  });
}

chunker_status chunker_sha256_update(chunker_sha256* h, const uint8_t* data, size_t len) {
  if (chunker_status st = check_handle(h, chunker_sha256::kMagic, "chunker_sha256_update", kS2)) return st;
  if (data == nullptr && len != 0) return null_arg("chunker_sha256_update", "data");
  h->h.update(std::span<const std::uint8_t>(data, len));
  return CHUNKER_OK;
}

chunker_status chunker_sha256_finalize(const chunker_sha256* h, uint8_t out[32]) {
  if (chunker_status st = check_handle(h, chunker_sha256::kMagic, "chunker_sha256_finalize", kS2)) return st;
  if (out == nullptr) return null_arg("chunker_sha256_finalize", "out");
  sha256::Hasher copy = h->h;  // finalize() pads the state: a copy keeps the handle usable
  copy.finalize(std::span<std::uint8_t, 32>(out, 32));
  return CHUNKER_OK;
}

chunker_status chunker_sha256_reset(chunker_sha256* h) {
  if (chunker_status st = check_handle(h, chunker_sha256::kMagic, "chunker_sha256_reset", kS2)) return st;
  h->h.reset();
  return CHUNKER_OK;
}

void chunker_sha256_free(chunker_sha256* h) { free_handle(h); }

chunker_status chunker_sha256_hash(const uint8_t* data, size_t len, uint8_t out[32]) {
  if (data == nullptr && len != 0) return null_arg("chunker_sha256_hash", "data");
  if (out == nullptr) return null_arg("chunker_sha256_hash", "out");
  const auto d = sha256::hash({data, len});
  std::memcpy(out, d.data(), d.size());
  return CHUNKER_OK;
}

}  // extern "C"
