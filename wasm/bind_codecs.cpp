// Embind bindings of the "codecs" module: compression (zstd, lz4 frame, xz,
// bzip2) through core/src/codec — the same code and formats as the native
// CLI. Loaded by the JS glue on first use so chunk-and-hash users never
// download it. Calling convention: bind_common.hpp.
#include <emscripten/bind.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/codec.hpp"

namespace chunker::wasm {
namespace {

// Result area of compress()/decompress(): plain malloc'd memory (a vector
// would zero-fill the whole worst-case size first), freed by releaseOut().
std::uint8_t* g_out = nullptr;
std::size_t g_out_len = 0;

void release_out() {
  std::free(g_out);
  g_out = nullptr;
  g_out_len = 0;
}

// The last zstd/lz4 one-shot compressor, kept for the next call with the
// same settings (saves re-allocating the context and its tables each call;
// xz/bzip2 contexts are large, so those are not kept).
std::optional<codec::Compressor> g_comp;
codec::CompressOptions g_comp_opts;  // what g_comp was made with (no dictionary here)

bool same_settings(const codec::CompressOptions& a, const codec::CompressOptions& b) {
  return a.codec == b.codec && a.level == b.level && a.checksum == b.checksum &&
         (a.codec != codec::Codec::zstd || a.threads == b.threads);  // threads: zstd only
}

Result<codec::CompressOptions> compress_options(const std::string& codec_name, const std::string& strategy,
                                                bool has_level, int level, bool checksum) {
  auto ch = codec::resolve_compress(codec_name, strategy, has_level ? std::optional<int>(level) : std::nullopt);
  if (!ch) return ch.status();
  ch->options.checksum = checksum;
  return ch->options;
}

// threads >= 2 (threads variant): zstd's multithreaded mode on that many
// pthreads of the pool (the glue sizes it at threads + 1). Once an input
// over 512 KiB has used them, the kept context holds them between calls;
// nothing else in this module uses the pool (streams compress on one thread).
double compress_js(std::uintptr_t data, std::size_t len, std::string codec_name, std::string strategy,
                   bool has_level, int level, bool checksum, unsigned threads) {
  auto o = compress_options(codec_name, strategy, has_level, level, checksum);
  if (!o) return fail(o.status());
  o->threads = threads;
  release_out();
  if (!g_comp || !o->level || !same_settings(g_comp_opts, *o)) {
    g_comp.reset();
    auto c = codec::Compressor::create(*o);
    if (!c) return fail(c.status());
    g_comp.emplace(std::move(*c));
    g_comp_opts = *o;
  }
  const std::size_t bound = codec::compress_bound(o->codec, len);
  g_out = static_cast<std::uint8_t*>(std::malloc(bound ? bound : 1));
  if (!g_out) return fail({Errc::out_of_memory, "compress: cannot allocate the output buffer"});
  Result<std::size_t> r = std::size_t{0};
  if (o->codec == codec::Codec::zstd && len > 0) {
    // Pledged and fed like the zstd program feeds a named file, so the frame is
    // byte for byte what `zstd [-T N] FILE` writes (zstd 1.5.7's block decisions
    // differ between one call and the program's pieces).
    g_comp->reset();
    g_comp->pledge_size(len);
    const auto in = in_span(data, len);
    const auto out = out_span(reinterpret_cast<std::uintptr_t>(g_out), bound);
    std::size_t ip = 0, op = 0;
    for (;;) {
      // `finish` only once every byte was given: the pledged size ends the frame.
      auto st = g_comp->update(in.subspan(ip), out.subspan(op), ip == len);
      if (!st) {
        r = st.status();
        break;
      }
      ip += st->in_used;
      op += st->out_used;
      if (st->done) {
        r = op;
        break;
      }
      if (op == out.size() || (st->in_used == 0 && st->out_used == 0)) {
        r = Status(Errc::output_limit, "zstd: compressed data does not fit in the bound");
        break;
      }
    }
  } else {
    r = g_comp->compress_into(in_span(data, len), out_span(reinterpret_cast<std::uintptr_t>(g_out), bound));
  }
  if (!r) {
    release_out();
    g_comp.reset();
    return fail(r.status());
  }
  g_out_len = *r;
  if (o->codec != codec::Codec::zstd && o->codec != codec::Codec::lz4) g_comp.reset();
  return static_cast<double>(g_out_len);
}

// Streaming forms for the JS TransformStreams: update() returns 0 or -Errc;
// what it did is read back through inUsed()/outUsed()/done().
class CompressorJs {
 public:
  CompressorJs(std::string codec_name, std::string strategy, bool has_level, int level, bool checksum) {
    auto o = compress_options(codec_name, strategy, has_level, level, checksum);
    if (!o) { status_ = o.status(); return; }
    auto c = codec::Compressor::create(*o);
    if (!c) { status_ = c.status(); return; }
    c_.emplace(std::move(*c));
  }
  int status() const { return status_.ok() ? 0 : fail(status_); }
  int update(std::uintptr_t in, std::size_t in_len, std::uintptr_t out, std::size_t out_cap, bool finish) {
    if (!c_) return fail(status_);
    auto r = c_->update(in_span(in, in_len), out_span(out, out_cap), finish);
    if (!r) return fail(r.status());
    step_ = *r;
    return 0;
  }
  double inUsed() const { return static_cast<double>(step_.in_used); }
  double outUsed() const { return static_cast<double>(step_.out_used); }
  bool done() const { return step_.done; }

 private:
  Status status_;
  std::optional<codec::Compressor> c_;
  codec::Step step_;
};

class DecompressorJs {
 public:
  explicit DecompressorJs(double max_output) {
    codec::DecompressOptions o;
    o.output_limit = static_cast<std::uint64_t>(max_output);
    auto d = codec::Decompressor::create(o);
    if (!d) { status_ = d.status(); return; }
    d_.emplace(std::move(*d));
  }
  int status() const { return status_.ok() ? 0 : fail(status_); }
  int update(std::uintptr_t in, std::size_t in_len, std::uintptr_t out, std::size_t out_cap) {
    if (!d_) return fail(status_);
    auto r = d_->update(in_span(in, in_len), out_span(out, out_cap));
    if (!r) return fail(r.status());
    step_ = *r;
    return 0;
  }
  // Starts over: no frame in progress, output count (limit) from zero.
  void reset() {
    if (d_) d_->reset();
  }
  int finish() {
    if (!d_) return fail(status_);
    return status_js(d_->finish());
  }
  double inUsed() const { return static_cast<double>(step_.in_used); }
  double outUsed() const { return static_cast<double>(step_.out_used); }

 private:
  Status status_;
  std::optional<codec::Decompressor> d_;
  codec::Step step_;
};

// declaredSize(): codec::declared_size() for JS, -1 when there is none. JS
// decides between the exact-size one-shot below and the streaming decoder.
double declared_size_js(std::uintptr_t data, std::size_t len) {
  auto n = codec::declared_size(in_span(data, len));
  return n ? static_cast<double>(*n) : -1.0;
}

// frameInfo(): codec::frame_info() for JS. Returns the codec (as its
// Codec number) or -Errc; the three sizes are then read with frameField(0..2)
// (length, window, content size), -1 where unset.
double g_frame[3] = {-1, -1, -1};

double frame_info_js(std::uintptr_t data, std::size_t len) {
  auto f = codec::frame_info(in_span(data, len));
  if (!f) return fail(f.status());
  const auto num = [](const std::optional<std::uint64_t>& v) { return v ? static_cast<double>(*v) : -1.0; };
  g_frame[0] = num(f->length);
  g_frame[1] = num(f->window);
  g_frame[2] = num(f->content_size);
  return static_cast<double>(f->codec);
}
double frame_field(int i) { return i >= 0 && i < 3 ? g_frame[i] : -1.0; }
std::string codec_name_js(int c) { return codec::codec_name(static_cast<codec::Codec>(c)); }

// One-shot into an exact-size buffer of `size` bytes (the declared size,
// which JS has checked against its limit): output_limit when the frames hold
// more than that. Everything else goes through the Decompressor in slices, so
// wasm memory never holds more than the input, one output and one window.
double decompress_js(std::uintptr_t data, std::size_t len, double size) {
  release_out();
  const auto n = static_cast<std::size_t>(size);
  codec::DecompressOptions o;
  o.output_limit = n;
  g_out = static_cast<std::uint8_t*>(std::malloc(n ? n : 1));
  if (!g_out) return fail({Errc::out_of_memory, "decompress: cannot allocate the output buffer"});
  auto r = codec::decompress_into(in_span(data, len), out_span(reinterpret_cast<std::uintptr_t>(g_out), n), o);
  if (!r) {
    release_out();
    return fail(r.status());
  }
  g_out_len = *r;
  return static_cast<double>(g_out_len);
}

// releaseOut() (above) drops the result once JS has copied it out.
std::uintptr_t out_ptr() { return reinterpret_cast<std::uintptr_t>(g_out); }

}  // namespace
}  // namespace chunker::wasm

EMSCRIPTEN_BINDINGS(chunker_codecs) {
  using namespace emscripten;
  using namespace chunker::wasm;
  bind_error_functions();
  function("compress", &compress_js);
  function("decompress", &decompress_js);
  function("declaredSize", &declared_size_js);
  function("frameInfo", &frame_info_js);
  function("frameField", &frame_field);
  function("codecName", &codec_name_js);
  function("outPtr", &out_ptr);
  function("releaseOut", &release_out);
  class_<CompressorJs>("Compressor")
      .constructor<std::string, std::string, bool, int, bool>()
      .function("status", &CompressorJs::status)
      .function("update", &CompressorJs::update)
      .function("inUsed", &CompressorJs::inUsed)
      .function("outUsed", &CompressorJs::outUsed)
      .function("done", &CompressorJs::done);
  class_<DecompressorJs>("Decompressor")
      .constructor<double>()
      .function("status", &DecompressorJs::status)
      .function("update", &DecompressorJs::update)
      .function("finish", &DecompressorJs::finish)
      .function("reset", &DecompressorJs::reset)
      .function("inUsed", &DecompressorJs::inUsed)
      .function("outUsed", &DecompressorJs::outUsed);
}
