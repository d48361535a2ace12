// Shared body of the decoder fuzz targets: decode `data` three ways (one-shot
// into a fixed buffer, one-shot growing, streamed in fuzzer-chosen pieces) and
// check they agree; a successful decode must also survive a re-encode round trip.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "chunker/codec.hpp"

namespace chunker::fuzz {

// Aborts (libFuzzer records the input as a crash) naming the failed check.
#define check(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "codec fuzz check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

// Malformed input can be classified differently by paths that see different
// amounts of it (a frame that is both corrupt and cut short is reported as
// whichever the decoder meets first), so across paths only the class "bad
// data" must agree; limits and argument errors must match exactly.
inline bool bad_data(Errc e) {
  return e == Errc::corrupt_input || e == Errc::truncated_input || e == Errc::trailing_data ||
         e == Errc::unsupported_format;
}
inline bool same_error(Errc a, Errc b) { return a == b || (bad_data(a) && bad_data(b)); }

inline void decode_all_ways(const std::uint8_t* data, std::size_t size, codec::Codec fixed) {
  using namespace chunker::codec;
  constexpr std::uint64_t kLimit = 256u << 10;  // keep each run fast and bounded
  std::span<const std::uint8_t> in(data, size);
  DecompressOptions opts{.codec = fixed, .output_limit = kLimit};

  std::vector<std::uint8_t> grown;
  Status st = decompress(in, grown, opts);

  // Reused contexts (as real callers keep them): also fuzzes reset between inputs.
  static auto reused = Decompressor::create(opts);
  static std::vector<std::uint8_t> fixed_buf(kLimit);
  auto into = reused->decompress_into(in, fixed_buf);
  check(into.ok() == st.ok());
  if (st.ok()) check(*into == grown.size() && std::memcmp(fixed_buf.data(), grown.data(), grown.size()) == 0);
  if (!st.ok() && !same_error(into.status().code(), st.code()))
    std::fprintf(stderr, "one-shot: %s\nreused into: %s\n", st.to_string().c_str(), into.status().to_string().c_str());
  if (!st.ok()) check(same_error(into.status().code(), st.code()));

  // Streamed: piece sizes derived from the input so the fuzzer explores them.
  auto d = Decompressor::create(opts);
  check(d.ok());
  std::vector<std::uint8_t> streamed, obuf;
  std::size_t pos = 0, k = 0;
  Status sst;
  while (pos < size && sst.ok()) {
    std::size_t piece = 1 + (data[k++ % size] % 97);
    if (piece > size - pos) piece = size - pos;
    std::span<const std::uint8_t> rest(data + pos, piece);
    for (;;) {
      obuf.resize(1 + (data[k++ % size] % 251));
      auto r = d->update(rest, obuf);
      if (!r) {
        sst = r.status();
        break;
      }
      streamed.insert(streamed.end(), obuf.begin(), obuf.begin() + r->out_used);
      rest = rest.subspan(r->in_used);
      if (rest.empty() && r->out_used < obuf.size()) break;
      check(r->in_used > 0 || r->out_used > 0);  // never spin without progress
    }
    pos += piece;
  }
  if (sst.ok()) sst = d->finish();
  check(sst.ok() == st.ok());
  if (st.ok()) {
    check(streamed == grown);
    // Round trip what we decoded through the same codec.
    Codec c = fixed != Codec::none ? fixed : d->current_codec();
    if (c == Codec::none) c = Codec::zstd;  // empty input: no frame seen
    static Compressor enc[5] = {Compressor::create({.codec = Codec::zstd, .level = 1}).value(),
                                Compressor::create({.codec = Codec::zstd, .level = 1}).value(),
                                Compressor::create({.codec = Codec::lz4, .level = 1}).value(),
                                Compressor::create({.codec = Codec::xz, .level = 1}).value(),
                                Compressor::create({.codec = Codec::bzip2, .level = 1}).value()};
    static std::vector<std::uint8_t> z, back;
    check(enc[static_cast<int>(c)].compress(grown, z).ok());
    check(reused->decompress(z, back).ok() && back == grown);
  }
}

}  // namespace chunker::fuzz
