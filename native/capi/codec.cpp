// C ABI: one-shot and streaming compression over chunker::codec.
#include <cstring>
#include <vector>

#include "capi.hpp"
#ifdef CHUNKER_HAVE_CODECS
#include "chunker/codec.hpp"
#endif

using namespace chunker;
using namespace chunker::capi;

#ifdef CHUNKER_HAVE_CODECS
static_assert(CHUNKER_CODEC_NONE == static_cast<int>(codec::Codec::none));
static_assert(CHUNKER_CODEC_ZSTD == static_cast<int>(codec::Codec::zstd));
static_assert(CHUNKER_CODEC_LZ4 == static_cast<int>(codec::Codec::lz4));
static_assert(CHUNKER_CODEC_XZ == static_cast<int>(codec::Codec::xz));
static_assert(CHUNKER_CODEC_BZIP2 == static_cast<int>(codec::Codec::bzip2));

#endif

#ifdef CHUNKER_HAVE_CODECS
using CompressorObj = codec::Compressor;
using DecompressorObj = codec::Decompressor;
#else
struct NoCodecs {
  void reset() {}
};
using CompressorObj = NoCodecs;
using DecompressorObj = NoCodecs;
#endif

struct chunker_compressor : HandleOf<CompressorObj, 0x43434f4d> {  // "CCOM"
  static constexpr const char* kName = "chunker_compressor";
  using HandleOf::HandleOf;
};

struct chunker_decompressor : HandleOf<DecompressorObj, 0x43444543> {  // "CDEC"
  static constexpr const char* kName = "chunker_decompressor";
  using HandleOf::HandleOf;
};

namespace {

#ifdef CHUNKER_HAVE_CODECS
// Compression options from the C arguments (codec and level checked by the
// core).
chunker_status compress_options(const char* fn, int c, int level, std::uint32_t threads, codec::CompressOptions& o) {
  if (c < CHUNKER_CODEC_ZSTD || c > CHUNKER_CODEC_BZIP2)
    return failf(Errc::invalid_argument, fn, "codec %d: expected CHUNKER_CODEC_ZSTD, _LZ4, _XZ or _BZIP2", c);
  if (threads > CHUNKER_MAX_THREADS)
    return failf(Errc::invalid_argument, fn, "threads is %u, expected 0..%d (0 = all cores)", threads,
                 CHUNKER_MAX_THREADS);
  o.codec = static_cast<codec::Codec>(c);
  if (level != CHUNKER_LEVEL_DEFAULT) o.level = level;
  o.threads = resolve_threads(threads);
  return CHUNKER_OK;
}

chunker_status to_step(Result<codec::Step> r, chunker_step* step) {
  if (!r) return from(r.status());
  step->in_used = r->in_used;
  step->out_used = r->out_used;
  step->done = r->done ? 1 : 0;
  return CHUNKER_OK;
}

std::uint64_t limit_or_default(std::uint64_t limit) { return limit == 0 ? codec::kDefaultOutputLimit : limit; }
#endif

#ifndef CHUNKER_HAVE_CODECS
chunker_status no_codecs(const char* fn) {
  return failf(Errc::unsupported_format, fn, "this library was built without codecs (CHUNKER_WITH_CODECS=OFF)");
}
#endif

// The checks every streaming update starts with (step zeroed first, so a
// caller that ignores the status still sees no progress).
// The checks a one-shot call returning a library-allocated buffer starts with
// (*out cleared first).
chunker_status start_alloc(const char* fn, const uint8_t* in, size_t len, chunker_buffer* out) {
  if (chunker_status st = clear_buffer(fn, "out", out)) return st;
  return check_span(fn, "in", in, len);
}

template <class T>
chunker_status check_update(const char* fn, T* h, const uint8_t* in, size_t in_len, const uint8_t* out, size_t out_cap,
                            chunker_step* step) {
  if (step == nullptr) return null_arg(fn, "step");
  *step = chunker_step{0, 0, 0};
  if (chunker_status st = check_handle(h, fn)) return st;
  if (chunker_status st = check_span(fn, "in", in, in_len)) return st;
  return check_span(fn, "out", out, out_cap);
}

}  // namespace

extern "C" {

chunker_status chunker_codec_parse(const char* name, int* out) {
  constexpr const char* fn = "chunker_codec_parse";
  return guard(fn, [&]() -> chunker_status {
    if (name == nullptr) return null_arg(fn, "name");
    if (out == nullptr) return null_arg(fn, "out");
#ifdef CHUNKER_HAVE_CODECS
    auto c = codec::parse_codec(name);
    if (!c) return from(c.status());
    *out = static_cast<int>(*c);
    return CHUNKER_OK;
#else
    return no_codecs(fn);
#endif
  });
}

size_t chunker_compress_bound([[maybe_unused]] int c, [[maybe_unused]] size_t n) {
#ifdef CHUNKER_HAVE_CODECS
  if (c < CHUNKER_CODEC_ZSTD || c > CHUNKER_CODEC_BZIP2) return 0;
  return codec::compress_bound(static_cast<codec::Codec>(c), n);
#else
  return 0;
#endif
}

chunker_status chunker_compress(int c, int level, const uint8_t* in, size_t len, uint8_t* out, size_t cap,
                                size_t* written) {
  constexpr const char* fn = "chunker_compress";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_into(fn, "in", in, len, out, cap, written)) return st;
#ifdef CHUNKER_HAVE_CODECS
    codec::CompressOptions o;
    if (chunker_status st = compress_options(fn, c, level, 1, o)) return st;
    auto n = codec::compress_into({in, len}, {out, cap}, o);
    if (!n) return from(n.status());
    *written = *n;
    return CHUNKER_OK;
#else
    (void)c, (void)level;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_compress_alloc(int c, int level, const uint8_t* in, size_t len, chunker_buffer* out) {
  constexpr const char* fn = "chunker_compress_alloc";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_alloc(fn, in, len, out)) return st;
#ifdef CHUNKER_HAVE_CODECS
    codec::CompressOptions o;
    if (chunker_status st = compress_options(fn, c, level, 1, o)) return st;
    std::vector<std::uint8_t> z;
    if (chunker_status st = from(codec::compress({in, len}, z, o))) return st;
    return copy_to_buffer(z.data(), z.size(), out, fn);
#else
    (void)c, (void)level;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_decompress(const uint8_t* in, size_t len, uint8_t* out, size_t cap, size_t* written) {
  constexpr const char* fn = "chunker_decompress";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_into(fn, "in", in, len, out, cap, written)) return st;
#ifdef CHUNKER_HAVE_CODECS
    codec::DecompressOptions o;
    o.output_limit = cap;
    auto n = codec::decompress_into({in, len}, {out, cap}, o);
    if (!n) return from(n.status());
    *written = *n;
    return CHUNKER_OK;
#else
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_decompress_alloc(const uint8_t* in, size_t len, uint64_t limit, chunker_buffer* out) {
  constexpr const char* fn = "chunker_decompress_alloc";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_alloc(fn, in, len, out)) return st;
#ifdef CHUNKER_HAVE_CODECS
    codec::DecompressOptions o;
    o.output_limit = limit_or_default(limit);
    std::vector<std::uint8_t> raw;
    if (chunker_status st = from(codec::decompress({in, len}, raw, o))) return st;
    return copy_to_buffer(raw.data(), raw.size(), out, fn);
#else
    (void)limit;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_compressor_new(int c, int level, uint32_t threads, chunker_compressor** out) {
  constexpr const char* fn = "chunker_compressor_new";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = clear_out(fn, out)) return st;
#ifdef CHUNKER_HAVE_CODECS
    codec::CompressOptions o;
    if (chunker_status st = compress_options(fn, c, level, threads, o)) return st;
    auto comp = codec::Compressor::create(o);
    if (!comp) return from(comp.status());
    return new_handle(out, std::move(*comp));
#else
    (void)c, (void)level, (void)threads;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_compressor_update(chunker_compressor* c, const uint8_t* in, size_t in_len, uint8_t* out,
                                         size_t out_cap, int finish, chunker_step* step) {
  constexpr const char* fn = "chunker_compressor_update";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = check_update(fn, c, in, in_len, out, out_cap, step)) return st;
#ifdef CHUNKER_HAVE_CODECS
    return to_step(c->obj.update({in, in_len}, {out, out_cap}, finish != 0), step);
#else
    (void)finish;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_compressor_reset(chunker_compressor* c) { return reset_handle("chunker_compressor_reset", c); }

void chunker_compressor_free(chunker_compressor* c) { free_handle(c); }

chunker_status chunker_decompressor_new(int c, uint64_t output_limit, chunker_decompressor** out) {
  constexpr const char* fn = "chunker_decompressor_new";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = clear_out(fn, out)) return st;
#ifdef CHUNKER_HAVE_CODECS
    if (c < CHUNKER_CODEC_NONE || c > CHUNKER_CODEC_BZIP2)
      return failf(Errc::invalid_argument, fn,
                   "codec %d: expected CHUNKER_CODEC_NONE (detect), _ZSTD, "
                   "_LZ4, _XZ or _BZIP2",
                   c);
    codec::DecompressOptions o;
    o.codec = static_cast<codec::Codec>(c);
    o.output_limit = limit_or_default(output_limit);
    auto d = codec::Decompressor::create(o);
    if (!d) return from(d.status());
    return new_handle(out, std::move(*d));
#else
    (void)c, (void)output_limit;
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_decompressor_update(chunker_decompressor* d, const uint8_t* in, size_t in_len, uint8_t* out,
                                           size_t out_cap, chunker_step* step) {
  constexpr const char* fn = "chunker_decompressor_update";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = check_update(fn, d, in, in_len, out, out_cap, step)) return st;
#ifdef CHUNKER_HAVE_CODECS
    return to_step(d->obj.update({in, in_len}, {out, out_cap}), step);
#else
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_decompressor_finish(chunker_decompressor* d) {
  constexpr const char* fn = "chunker_decompressor_finish";
  return on_handle(fn, d, [&]([[maybe_unused]] chunker_decompressor& h) {
#ifdef CHUNKER_HAVE_CODECS
    return from(h.obj.finish());
#else
    return no_codecs(fn);
#endif
  });
}

chunker_status chunker_decompressor_reset(chunker_decompressor* d) {
  return reset_handle("chunker_decompressor_reset", d);
}

void chunker_decompressor_free(chunker_decompressor* d) { free_handle(d); }

}  // extern "C"
