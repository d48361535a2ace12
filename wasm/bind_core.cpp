// Embind bindings of the "core" module: FastCDC, BLAKE3, SHA-256, encodings.
// Thin on purpose: validation and algorithms live in core/, the JS-facing
// API (options, objects, errors) lives in js/. See bind_common.hpp for the
// calling convention.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/blake3.hpp"
#include "chunker/encoding.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/hash.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/sha256.hpp"

namespace chunker::wasm {
namespace {

// One chunk as the JS glue reads it (56 bytes, 8-aligned).
struct ChunkRecord {
  std::uint64_t offset;
  std::uint64_t fingerprint;
  std::uint32_t length;
  std::uint32_t pad;
  std::uint8_t hash[32];
};
static_assert(sizeof(ChunkRecord) == 56);

fastcdc::Params make_params(std::uint32_t min, std::uint32_t avg, std::uint32_t max, std::uint32_t level,
                            std::uint32_t seed_lo, std::uint32_t seed_hi) {
  fastcdc::Params p;  // 0 = keep the core's default for that size
  if (min) p.min_size = min;
  if (avg) p.avg_size = avg;
  if (max) p.max_size = max;
  p.level = level;
  p.seed = (std::uint64_t{seed_hi} << 32) | seed_lo;
  return p;
}

std::optional<HashAlgo> algo_from_int(int a) {
  if (a < 0 || a > 2) return std::nullopt;
  return static_cast<HashAlgo>(a);
}

// HashedChunk -> the record layout the glue reads.
void to_records(const std::vector<HashedChunk>& in, std::vector<ChunkRecord>& out) {
  out.resize(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    ChunkRecord& r = out[i];
    r = {in[i].offset, in[i].fingerprint, in[i].length, 0, {}};
    std::memcpy(r.hash, in[i].hash.data(), sizeof r.hash);
  }
}

std::vector<ChunkRecord> g_records;  // result area of chunk()/chunkBatch()
std::vector<std::uint8_t> g_bytes;   // result area of the decoders

int validate_params(std::uint32_t min, std::uint32_t avg, std::uint32_t max, std::uint32_t level,
                    std::uint32_t seed_lo, std::uint32_t seed_hi) {
  Status s = fastcdc::validate(make_params(min, avg, max, level, seed_lo, seed_hi));
  return s.ok() ? 0 : fail(s);
}

// Chunks `count` buffers laid out back to back at `data`, with their lengths
// in the uint32 array at `lens` (count = 1 for a single buffer), by
// chunk_and_hash_batch (which decides how to use the threads). Offsets are
// relative to each buffer's start. Returns the number of chunks; per buffer,
// the chunk count is written to the uint32 array at `counts`.
int chunk_batch(std::uintptr_t data, std::uintptr_t lens, std::uintptr_t counts, std::uint32_t count,
                std::uint32_t min, std::uint32_t avg, std::uint32_t max, std::uint32_t level,
                std::uint32_t seed_lo, std::uint32_t seed_hi, int algo_i, unsigned threads) {
  auto algo = algo_from_int(algo_i);
  if (!algo) return fail({Errc::invalid_argument, "hash: unknown algorithm"});
  const auto* len_arr = reinterpret_cast<const std::uint32_t*>(lens);
  const auto* base = reinterpret_cast<const std::uint8_t*>(data);
  std::vector<std::span<const std::uint8_t>> inputs(count);
  std::uint64_t pos = 0;
  for (std::uint32_t b = 0; b < count; ++b) {
    inputs[b] = {base + pos, len_arr[b]};
    pos += len_arr[b];
  }
#ifndef __EMSCRIPTEN_PTHREADS__
  threads = 1;  // no threads to spread over: the plain sequential path
#endif
  static std::vector<HashedChunk> chunks;
  static std::vector<std::uint32_t> per_buffer;
  Status s = chunk_and_hash_batch(inputs, make_params(min, avg, max, level, seed_lo, seed_hi), *algo, chunks,
                                  per_buffer, threads ? threads : 1);
  if (!s.ok()) return fail(s);
  std::memcpy(reinterpret_cast<std::uint32_t*>(counts), per_buffer.data(), count * sizeof(std::uint32_t));
  to_records(chunks, g_records);
  return static_cast<int>(g_records.size());
}

std::uintptr_t records_ptr() { return reinterpret_cast<std::uintptr_t>(g_records.data()); }
std::uintptr_t bytes_ptr() { return reinterpret_cast<std::uintptr_t>(g_bytes.data()); }

// Incremental chunker (push/finish): the core's PushChunker, whose chunks of
// one push() are hashed on up to setThreads(n) threads.
class StreamChunkerJs {
 public:
  StreamChunkerJs(std::uint32_t min, std::uint32_t avg, std::uint32_t max, std::uint32_t level,
                  std::uint32_t seed_lo, std::uint32_t seed_hi, int algo) {
    auto pc = PushChunker::create(make_params(min, avg, max, level, seed_lo, seed_hi),
                                  algo_from_int(algo).value_or(HashAlgo::none));
    if (pc) pc_.emplace(std::move(*pc));
  }
  void setThreads(unsigned n) {
    if (pc_) pc_->set_threads(n);
  }
  // Returns the number of chunks emitted (read them via recordsPtr()).
  int push(std::uintptr_t data, std::size_t len) {
    if (!pc_) return fail({Errc::invalid_argument, "invalid chunker parameters"});
    pc_->push(in_span(data, len), chunks_);
    to_records(chunks_, out_);
    return static_cast<int>(out_.size());
  }
  int finish() {
    if (!pc_) return fail({Errc::invalid_argument, "invalid chunker parameters"});
    pc_->finish(chunks_);
    to_records(chunks_, out_);
    return static_cast<int>(out_.size());
  }
  std::uintptr_t recordsPtr() const { return reinterpret_cast<std::uintptr_t>(out_.data()); }
  double bytesBuffered() const { return pc_ ? static_cast<double>(pc_->bytes_buffered()) : 0; }

 private:
  std::optional<PushChunker> pc_;
  std::vector<HashedChunk> chunks_;
  std::vector<ChunkRecord> out_;
};

// BLAKE3. mode: 0 hash, 1 keyed (32-byte key at `key`), 2 derive_key(context).
blake3::Hasher make_blake3(int mode, std::uintptr_t key, const std::string& context) {
  if (mode == 1) return blake3::Hasher::keyed(std::span<const std::uint8_t, blake3::kKeyLen>(
                     reinterpret_cast<const std::uint8_t*>(key), blake3::kKeyLen));
  if (mode == 2) return blake3::Hasher::derive_key(context);
  return blake3::Hasher();
}

void blake3_hash(std::uintptr_t data, std::size_t len, int mode, std::uintptr_t key, std::string context,
                 std::uintptr_t out, std::size_t out_len, unsigned threads) {
  blake3::Hasher h = make_blake3(mode, key, context);
  h.update_parallel(in_span(data, len), threads);
  h.finalize(out_span(out, out_len));
}

// Hasher::update_from with a JS fill(ptr, n) that copies the caller's next n
// bytes to ptr: with threads, those copies overlap the hashing of earlier bytes.
// Returns 0, or a negative status if its ring of buffers could not be allocated.
int blake3_update_from(blake3::Hasher& h, double len, const emscripten::val& fill, unsigned threads) {
  bool ok = h.update_from(static_cast<std::uint64_t>(len), [&](std::uint8_t* dst, std::size_t n) {
    return fill(reinterpret_cast<std::uintptr_t>(dst), n).as<bool>();
  }, threads);
  return ok ? 0 : fail({Errc::out_of_memory, "blake3: cannot allocate the copy buffers"});
}

int blake3_from(double len, emscripten::val fill, int mode, std::uintptr_t key, std::string context,
                std::uintptr_t out, std::size_t out_len, unsigned threads) {
  blake3::Hasher h = make_blake3(mode, key, context);
  if (int r = blake3_update_from(h, len, fill, threads); r < 0) return r;
  h.finalize(out_span(out, out_len));
  return 0;
}

class Blake3Js {
 public:
  Blake3Js(int mode, std::uintptr_t key, std::string context) : h_(make_blake3(mode, key, context)) {}
  void update(std::uintptr_t data, std::size_t len, unsigned threads) { h_.update_parallel(in_span(data, len), threads); }
  int updateFrom(double len, emscripten::val fill, unsigned threads) { return blake3_update_from(h_, len, fill, threads); }
  void finalize(std::uintptr_t out, std::size_t out_len) const { h_.finalize(out_span(out, out_len)); }
  void finalizeSeek(double offset, std::uintptr_t out, std::size_t out_len) const {
    h_.finalize_seek(static_cast<std::uint64_t>(offset), out_span(out, out_len));
  }
  void reset() { h_.reset(); }
  double count() const { return static_cast<double>(h_.count()); }

 private:
  blake3::Hasher h_;
};

void sha256_hash(std::uintptr_t data, std::size_t len, std::uintptr_t out) {
  sha256::Digest d = sha256::hash(in_span(data, len));
  std::memcpy(reinterpret_cast<void*>(out), d.data(), d.size());
}

class Sha256Js {
 public:
  void update(std::uintptr_t data, std::size_t len) { h_.update(in_span(data, len)); }
  // Writes the digest and starts a new message.
  void finalize(std::uintptr_t out) {
    h_.finalize(std::span<std::uint8_t, sha256::kDigestSize>(reinterpret_cast<std::uint8_t*>(out), sha256::kDigestSize));
    h_.reset();
  }
  void reset() { h_.reset(); }

 private:
  sha256::Hasher h_;
};

std::string nix_base32_encode_js(std::uintptr_t data, std::size_t len) { return nix_base32_encode(in_span(data, len)); }

int nix_base32_decode_js(std::string text) {
  auto r = nix_base32_decode(text);
  if (!r) return fail(r.status());
  g_bytes = std::move(r.value());
  return static_cast<int>(g_bytes.size());
}

std::string errc_name_js(int code) { return errc_name(static_cast<Errc>(code)); }
std::string last_error_js() { return last_error(); }
std::string blake3_backend() { return blake3::backend(); }
std::string fastcdc_backend() { return fastcdc::backend(); }
std::string sha256_backend() { return sha256::backend(); }
bool has_threads() {
#ifdef __EMSCRIPTEN_PTHREADS__
  return true;
#else
  return false;
#endif
}

}  // namespace
}  // namespace chunker::wasm

EMSCRIPTEN_BINDINGS(chunker_core) {
  using namespace emscripten;
  using namespace chunker::wasm;
  function("errcName", &errc_name_js);
  function("lastError", &last_error_js);
  function("hasThreads", &has_threads);
  function("blake3Backend", &blake3_backend);
  function("fastcdcBackend", &fastcdc_backend);
  function("sha256Backend", &sha256_backend);
  function("fastcdcValidate", &validate_params);
  function("chunkBatch", &chunk_batch);
  function("recordsPtr", &records_ptr);
  function("bytesPtr", &bytes_ptr);
  class_<StreamChunkerJs>("StreamChunker")
      .constructor<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, int>()
      .function("setThreads", &StreamChunkerJs::setThreads)
      .function("push", &StreamChunkerJs::push)
      .function("finish", &StreamChunkerJs::finish)
      .function("recordsPtr", &StreamChunkerJs::recordsPtr)
      .function("bytesBuffered", &StreamChunkerJs::bytesBuffered);
  function("blake3", &blake3_hash);
  function("blake3From", &blake3_from);
  class_<Blake3Js>("Blake3")
      .constructor<int, std::uintptr_t, std::string>()
      .function("update", &Blake3Js::update)
      .function("updateFrom", &Blake3Js::updateFrom)
      .function("finalize", &Blake3Js::finalize)
      .function("finalizeSeek", &Blake3Js::finalizeSeek)
      .function("reset", &Blake3Js::reset)
      .function("count", &Blake3Js::count);
  function("sha256", &sha256_hash);
  class_<Sha256Js>("Sha256")
      .constructor<>()
      .function("update", &Sha256Js::update)
      .function("finalize", &Sha256Js::finalize)
      .function("reset", &Sha256Js::reset);
  function("nixBase32Encode", &nix_base32_encode_js);
  function("nixBase32Decode", &nix_base32_decode_js);
}
