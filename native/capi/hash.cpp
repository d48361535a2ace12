// C ABI: BLAKE3 and SHA-256 hashers over chunker::blake3 / chunker::sha256.
#include <cstring>

#include "capi.hpp"
#include "chunker/blake3.hpp"
#include "chunker/sha256.hpp"

using namespace chunker;
using namespace chunker::capi;

struct chunker_blake3 : HandleOf<blake3::Hasher, 0x43423342> {  // "CB3B"
  static constexpr const char* kName = "chunker_blake3";
  using HandleOf::HandleOf;
};

struct chunker_sha256 : HandleOf<sha256::Hasher, 0x43533253> {  // "CS2S"
  static constexpr const char* kName = "chunker_sha256";
  using HandleOf::HandleOf;
};

namespace {

// A new hasher handle from make() once `out` and the named pointer `arg` are
// checked.
template <class T, class Make>
chunker_status new_hasher(const char* fn, T** out, const char* arg, const void* p, Make&& make) {
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = clear_out(fn, out)) return st;
    if (arg != nullptr && p == nullptr) return null_arg(fn, arg);
    return new_handle(out, make());
  });
}

// A one-shot hash of data[0, len) into out[32].
template <class Hash>
chunker_status hash_once(const char* fn, const uint8_t* data, size_t len, uint8_t* out, Hash&& hash) {
  if (chunker_status st = check_span(fn, "data", data, len)) return st;
  if (out == nullptr) return null_arg(fn, "out");
  const auto d = hash(std::span<const std::uint8_t>(data, len));
  std::memcpy(out, d.data(), d.size());
  return CHUNKER_OK;
}

chunker_status finalize_at(const char* fn, const chunker_blake3* h, std::uint64_t offset, uint8_t* out,
                           size_t out_len) {
  return on_handle(fn, h, [&](const chunker_blake3& s) {
    if (chunker_status st = check_span(fn, "out", out, out_len)) return st;
    s.obj.finalize_seek(offset, {out, out_len});
    return CHUNKER_OK;
  });
}

}  // namespace

extern "C" {

chunker_status chunker_blake3_new(chunker_blake3** out) {
  return new_hasher("chunker_blake3_new", out, nullptr, nullptr, [] { return blake3::Hasher(); });
}

chunker_status chunker_blake3_new_keyed(const uint8_t key[32], chunker_blake3** out) {
  return new_hasher("chunker_blake3_new_keyed", out, "key", key,
                    [&] { return blake3::Hasher::keyed(std::span<const std::uint8_t, 32>(key, 32)); });
}

chunker_status chunker_blake3_new_derive_key(const char* context, chunker_blake3** out) {
  return new_hasher("chunker_blake3_new_derive_key", out, "context", context,
                    [&] { return blake3::Hasher::derive_key(context); });
}

chunker_status chunker_blake3_update(chunker_blake3* h, const uint8_t* data, size_t len) {
  constexpr const char* fn = "chunker_blake3_update";
  return on_handle(fn, h, [&](chunker_blake3& s) {
    if (chunker_status st = check_span(fn, "data", data, len)) return st;
    s.obj.update({data, len});
    return CHUNKER_OK;
  });
}

chunker_status chunker_blake3_update_parallel(chunker_blake3* h, const uint8_t* data, size_t len, uint32_t threads) {
  constexpr const char* fn = "chunker_blake3_update_parallel";
  return on_handle(fn, h, [&](chunker_blake3& s) {
    if (chunker_status st = check_span(fn, "data", data, len)) return st;
    s.obj.update_parallel({data, len}, resolve_threads(threads));
    return CHUNKER_OK;
  });
}

chunker_status chunker_blake3_finalize(const chunker_blake3* h, uint8_t* out, size_t out_len) {
  return finalize_at("chunker_blake3_finalize", h, 0, out, out_len);
}

chunker_status chunker_blake3_finalize_seek(const chunker_blake3* h, uint64_t offset, uint8_t* out, size_t out_len) {
  return finalize_at("chunker_blake3_finalize_seek", h, offset, out, out_len);
}

chunker_status chunker_blake3_reset(chunker_blake3* h) { return reset_handle("chunker_blake3_reset", h); }

void chunker_blake3_free(chunker_blake3* h) { free_handle(h); }

chunker_status chunker_blake3_hash(const uint8_t* data, size_t len, uint8_t out[32]) {
  return hash_once("chunker_blake3_hash", data, len, out, [](auto in) { return blake3::hash(in); });
}

chunker_status chunker_sha256_new(chunker_sha256** out) {
  return new_hasher("chunker_sha256_new", out, nullptr, nullptr, [] { return sha256::Hasher(); });
}

chunker_status chunker_sha256_update(chunker_sha256* h, const uint8_t* data, size_t len) {
  constexpr const char* fn = "chunker_sha256_update";
  return on_handle(fn, h, [&](chunker_sha256& s) {
    if (chunker_status st = check_span(fn, "data", data, len)) return st;
    s.obj.update(std::span<const std::uint8_t>(data, len));
    return CHUNKER_OK;
  });
}

chunker_status chunker_sha256_finalize(const chunker_sha256* h, uint8_t out[32]) {
  constexpr const char* fn = "chunker_sha256_finalize";
  return on_handle(fn, h, [&](const chunker_sha256& s) {
    if (out == nullptr) return null_arg(fn, "out");
    sha256::Hasher copy = s.obj;  // finalize() pads the state: a copy keeps the handle usable
    copy.finalize(std::span<std::uint8_t, 32>(out, 32));
    return CHUNKER_OK;
  });
}

chunker_status chunker_sha256_reset(chunker_sha256* h) { return reset_handle("chunker_sha256_reset", h); }

void chunker_sha256_free(chunker_sha256* h) { free_handle(h); }

chunker_status chunker_sha256_hash(const uint8_t* data, size_t len, uint8_t out[32]) {
  return hash_once("chunker_sha256_hash", data, len, out, [](auto in) { return sha256::hash(in); });
}

}  // extern "C"
