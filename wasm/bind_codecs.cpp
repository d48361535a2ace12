// Embind bindings of the "codecs" module: compression (zstd, lz4 frame, xz,
// bzip2) through core/src/codec — the same code and formats as the native
// CLI. Loaded by the JS glue on first use so chunk-and-hash users never
// download it. Calling convention: bind_common.hpp.
#include <emscripten/bind.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/codec.hpp"

namespace chunker::wasm {
namespace {

std::vector<std::uint8_t> g_out;  // result area of compress()/decompress()

// codec: a name for codec::parse_codec, or "" with a strategy name instead.
// has_level false: the strategy's level, else the codec's default level.
Result<codec::CompressOptions> compress_options(const std::string& codec_name, const std::string& strategy,
                                                bool has_level, int level) {
  codec::CompressOptions o;
  if (!strategy.empty()) {
    auto s = codec::parse_strategy(strategy);
    if (!s) return s.status();
    o = codec::strategy_options(*s);
  }
  if (!codec_name.empty()) {
    auto c = codec::parse_codec(codec_name);
    if (!c) return c.status();
    o.codec = *c;
  }
  if (has_level) o.level = level;
  else if (strategy.empty()) o.level = codec::level_range(o.codec).default_level;
  return o;
}

double compress_js(std::uintptr_t data, std::size_t len, std::string codec_name, std::string strategy,
                   bool has_level, int level) {
  auto o = compress_options(codec_name, strategy, has_level, level);
  if (!o) return fail(o.status());
  g_out.clear();
  Status s = codec::compress(in_span(data, len), g_out, *o);
  if (!s.ok()) return fail(s);
  return static_cast<double>(g_out.size());
}

// Streaming forms for the JS TransformStreams: update() returns 0 or -Errc;
// what it did is read back through inUsed()/outUsed()/done().
class CompressorJs {
 public:
  CompressorJs(std::string codec_name, std::string strategy, bool has_level, int level) {
    auto o = compress_options(codec_name, strategy, has_level, level);
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
  int finish() {
    if (!d_) return fail(status_);
    Status s = d_->finish();
    return s.ok() ? 0 : fail(s);
  }
  double inUsed() const { return static_cast<double>(step_.in_used); }
  double outUsed() const { return static_cast<double>(step_.out_used); }

 private:
  Status status_;
  std::optional<codec::Decompressor> d_;
  codec::Step step_;
};

// Auto-detects each frame; fails with output_limit past `max_output` bytes.
double decompress_js(std::uintptr_t data, std::size_t len, double max_output) {
  codec::DecompressOptions o;
  o.output_limit = static_cast<std::uint64_t>(max_output);
  g_out.clear();
  Status s = codec::decompress(in_span(data, len), g_out, o);
  if (!s.ok()) {
    g_out = {};  // give the memory back after a failed (possibly huge) attempt
    return fail(s);
  }
  return static_cast<double>(g_out.size());
}

std::uintptr_t out_ptr() { return reinterpret_cast<std::uintptr_t>(g_out.data()); }
// Drops the result buffer once JS has copied it out (keeps wasm memory small).
void release_out() { g_out = {}; }
std::string errc_name_js(int code) { return errc_name(static_cast<Errc>(code)); }
std::string last_error_js() { return last_error(); }

}  // namespace
}  // namespace chunker::wasm

EMSCRIPTEN_BINDINGS(chunker_codecs) {
  using namespace emscripten;
  using namespace chunker::wasm;
  function("errcName", &errc_name_js);
  function("lastError", &last_error_js);
  function("compress", &compress_js);
  function("decompress", &decompress_js);
  function("outPtr", &out_ptr);
  function("releaseOut", &release_out);
  class_<CompressorJs>("Compressor")
      .constructor<std::string, std::string, bool, int>()
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
      .function("inUsed", &DecompressorJs::inUsed)
      .function("outUsed", &DecompressorJs::outUsed);
}
