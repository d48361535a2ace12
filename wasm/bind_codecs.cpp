// Embind bindings of the "codecs" module: compression (zstd, lz4 frame, xz,
// bzip2) through core/src/codec — the same code and formats as the native
// CLI. Loaded by the JS glue on first use so chunk-and-hash users never
// download it. Calling convention: bind_common.hpp.
#include <emscripten/bind.h>

#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/codec.hpp"

namespace chunker::wasm {
namespace {

std::vector<std::uint8_t> g_out;  // result area of compress()/decompress()

// codec: a name for codec::parse_codec, or "" with a strategy name instead.
// has_level false: the strategy's level, else the codec's default level.
double compress_js(std::uintptr_t data, std::size_t len, std::string codec_name, std::string strategy,
                   bool has_level, int level) {
  codec::CompressOptions o;
  if (!strategy.empty()) {
    auto s = codec::parse_strategy(strategy);
    if (!s) return fail(s.status());
    o = codec::strategy_options(*s);
  }
  if (!codec_name.empty()) {
    auto c = codec::parse_codec(codec_name);
    if (!c) return fail(c.status());
    o.codec = *c;
  }
  if (has_level) o.level = level;
  else if (strategy.empty()) o.level = codec::level_range(o.codec).default_level;
  g_out.clear();
  Status s = codec::compress(in_span(data, len), g_out, o);
  if (!s.ok()) return fail(s);
  return static_cast<double>(g_out.size());
}

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
}
