// Codec throughput through our wrapper (reused contexts, caller buffers — the
// same one-shot-into-buffer work `zstd -b` / `lz4 -b` time). Prints one JSON
// object on stdout and a short table on stderr.
//
//   bench_codec [--size 64M] [--corpus FILE] [--write-corpus FILE]
//               [--only zstd:1,3 lz4:1 ...] [--seconds S] [--checksum] [--raw]
//
// Default corpus: 64 MiB mixed (text, JSON lines, zeros, random, low-entropy
// binary, repeats), deterministic. By default frames carry no content checksum,
// matching what the programs' benchmark modes measure; --checksum adds them.
// Speeds are MB/s (10^6 bytes/s, as zstd/lz4 print) of uncompressed data, best
// run by wall clock; CPU-time figures are given too (steadier on a shared box).
// --raw also times the same libraries called directly (no wrapper), in-process.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "chunker/codec.hpp"

// The same system libraries called directly: the baseline that shows the
// wrapper's own overhead (the zstd/lz4 programs link their own static copy).
#include <bzlib.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <zstd.h>

using namespace chunker;
using Bytes = std::vector<std::uint8_t>;

namespace {


std::uint64_t rng(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Bytes mixed_corpus(std::size_t n) {
  static const char* words[] = {"chunk", "the", "of", "content", "defined", "hash", "archive", "store",
                                "compression", "frame", "a", "is", "nix", "block", "stream", "data", "and",
                                "with", "zstd", "window", "level", "output", "limit", "path", "reference"};
  Bytes b;
  b.reserve(n);
  std::uint64_t s = 20261123;
  while (b.size() < n) {
    std::size_t len = 4096 + rng(s) % (256 * 1024);
    std::size_t end = std::min(n, b.size() + len);
    switch (rng(s) % 6) {
      case 0:  // prose
        while (b.size() < end) {
          for (const char* w = words[rng(s) % std::size(words)]; *w && b.size() < end; ++w) b.push_back(*w);
          if (b.size() < end) b.push_back(rng(s) % 13 == 0 ? '\n' : ' ');
        }
        break;
      case 1:  // JSON-ish log lines
        while (b.size() < end) {
          std::string line = "{\"ts\":" + std::to_string(1700000000 + rng(s) % 100000) + ",\"path\":\"/nix/store/" +
                             std::to_string(rng(s) % 1000000) + "-pkg\",\"size\":" + std::to_string(rng(s) % 65536) +
                             ",\"ok\":" + (rng(s) % 2 ? "true" : "false") + "}\n";
          for (char c : line) {
            if (b.size() == end) break;
            b.push_back(static_cast<std::uint8_t>(c));
          }
        }
        break;
      case 2: b.resize(end, 0); break;  // zeros
      case 3:                            // random (already-compressed data)
        while (b.size() < end) b.push_back(static_cast<std::uint8_t>(rng(s) >> 56));
        break;
      case 4:  // low-entropy binary (small integers, like tables)
        while (b.size() < end) b.push_back(static_cast<std::uint8_t>((rng(s) >> 60) * (rng(s) % 3)));
        break;
      default:  // repeat an earlier stretch
        if (b.size() > len) {
          std::size_t from = rng(s) % (b.size() - len);
          for (std::size_t i = 0; b.size() < end; ++i) b.push_back(b[from + i]);
        } else {
          b.resize(end, 'x');
        }
    }
  }
  return b;
}

struct Timed {
  double wall_mbps = 0, cpu_mbps = 0;
  int runs = 0;
};

template <class F>
Timed time_it(std::size_t bytes, double min_seconds, F&& fn) {
  Timed t;
  double start = bench::now_s();
  do {
    double w0 = bench::now_s(), c0 = bench::process_cpu_s();
    fn();
    double w = bench::now_s() - w0, c = bench::process_cpu_s() - c0;
    t.wall_mbps = std::max(t.wall_mbps, bytes / 1e6 / w);
    t.cpu_mbps = std::max(t.cpu_mbps, bytes / 1e6 / std::max(c, 1e-9));
    ++t.runs;
  } while (bench::now_s() - start < min_seconds || t.runs < 2);
  return t;
}

// Direct library calls on the whole corpus, as the programs' benchmark modes
// do: zstd one frame (ZSTD_compress2 / ZSTD_decompressDCtx), lz4 raw 4 MiB
// blocks (what `lz4 -b` times), xz and bzip2 buffer-to-buffer.
struct Raw {
  std::size_t zsize = 0;
  std::function<void()> comp, decomp;
};

// Fills `r` in place: its lambdas refer to r.zsize.
void make_raw(Raw& r, codec::Codec c, int level, const Bytes& data, Bytes& z, Bytes& back) {
  z.resize(std::max(codec::compress_bound(c, data.size()), data.size() + data.size() / 100 + (8u << 20)));
  switch (c) {
    case codec::Codec::zstd: {
      static ZSTD_CCtx* cc = ZSTD_createCCtx();
      static ZSTD_DCtx* dc = ZSTD_createDCtx();
      ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
      ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
      r.comp = [&, cc = cc] { r.zsize = ZSTD_compress2(cc, z.data(), z.size(), data.data(), data.size()); };
      r.decomp = [&, dc = dc] {
        if (ZSTD_decompressDCtx(dc, back.data(), back.size(), z.data(), r.zsize) != data.size()) std::abort();
      };
      break;
    }
    case codec::Codec::lz4: {
      static constexpr std::size_t kBlock = 4u << 20;  // static: the lambdas outlive this scope
      static std::vector<int> sizes;
      static std::vector<char> state(std::max(LZ4_sizeofState(), LZ4_sizeofStateHC()));
      r.comp = [&, level] {
        sizes.clear();
        std::size_t out = 0;
        for (std::size_t off = 0; off < data.size(); off += kBlock) {
          int n = static_cast<int>(std::min(kBlock, data.size() - off));
          const char* src = reinterpret_cast<const char*>(data.data() + off);
          char* dst = reinterpret_cast<char*>(z.data() + out);
          int cap = static_cast<int>(z.size() - out);
          int w = level < 3 ? LZ4_compress_fast_extState(state.data(), src, dst, n, cap, 1)
                            : LZ4_compress_HC_extStateHC(state.data(), src, dst, n, cap, level);
          sizes.push_back(w);
          out += static_cast<std::size_t>(w);
        }
        r.zsize = out;
      };
      r.decomp = [&] {
        std::size_t in = 0, out = 0;
        for (int w : sizes) {
          int n = LZ4_decompress_safe(reinterpret_cast<const char*>(z.data() + in),
                                      reinterpret_cast<char*>(back.data() + out), w,
                                      static_cast<int>(std::min(kBlock, back.size() - out)));
          in += static_cast<std::size_t>(w);
          out += static_cast<std::size_t>(n);
        }
        if (out != data.size()) std::abort();
      };
      break;
    }
    case codec::Codec::xz:
      r.comp = [&, level] {
        std::size_t pos = 0;
        if (lzma_easy_buffer_encode(static_cast<std::uint32_t>(level), LZMA_CHECK_NONE, nullptr, data.data(),
                                    data.size(), z.data(), &pos, z.size()) != LZMA_OK)
          std::abort();
        r.zsize = pos;
      };
      r.decomp = [&] {
        std::uint64_t memlimit = UINT64_MAX;
        std::size_t ip = 0, op = 0;
        if (lzma_stream_buffer_decode(&memlimit, 0, nullptr, z.data(), &ip, r.zsize, back.data(), &op,
                                      back.size()) != LZMA_OK)
          std::abort();
      };
      break;
    case codec::Codec::bzip2:
      r.comp = [&, level] {
        unsigned n = static_cast<unsigned>(z.size());
        if (BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(z.data()), &n,
                                     reinterpret_cast<char*>(const_cast<std::uint8_t*>(data.data())),
                                     static_cast<unsigned>(data.size()), level, 0, 0) != BZ_OK)
          std::abort();
        r.zsize = n;
      };
      r.decomp = [&] {
        unsigned n = static_cast<unsigned>(back.size());
        if (BZ2_bzBuffToBuffDecompress(reinterpret_cast<char*>(back.data()), &n, reinterpret_cast<char*>(z.data()),
                                       static_cast<unsigned>(r.zsize), 0, 0) != BZ_OK)
          std::abort();
      };
      break;
    case codec::Codec::none: break;
  }
}

struct Row {
  codec::Codec c = codec::Codec::none;
  int level = 0;
  bool checksum = false;
  std::size_t zsize = 0, raw_zsize = 0;
  Timed comp, decomp, raw_comp, raw_decomp;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t size = 64u << 20;
  std::string corpus_path, write_path;
  double seconds = 2.0;
  bool checksum = false, raw = false;
  std::vector<std::pair<codec::Codec, int>> cases;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--size") {
      std::string v = next();
      size = std::strtoull(v.c_str(), nullptr, 10);
      if (v.back() == 'M') size <<= 20;
      if (v.back() == 'K') size <<= 10;
    } else if (a == "--corpus") corpus_path = next();
    else if (a == "--write-corpus") write_path = next();
    else if (a == "--seconds") seconds = std::atof(next().c_str());
    else if (a == "--checksum") checksum = true;
    else if (a == "--raw") raw = true;
    else if (a == "--only") {
      // codec:level,level
      std::string v = next();
      auto colon = v.find(':');
      auto c = codec::parse_codec(v.substr(0, colon));
      if (!c || colon == std::string::npos) {
        std::fprintf(stderr, "--only wants codec:levels, e.g. zstd:1,3\n");
        return 2;
      }
      for (std::size_t p = colon + 1; p < v.size();) {
        std::size_t q = v.find(',', p);
        if (q == std::string::npos) q = v.size();
        cases.push_back({*c, std::atoi(v.substr(p, q - p).c_str())});
        p = q + 1;
      }
    } else {
      std::fprintf(stderr, "usage: bench_codec [--size 64M] [--corpus FILE] [--write-corpus FILE] "
                           "[--only codec:levels]... [--seconds S] [--checksum]\n");
      return 2;
    }
  }
  const bool only_write = cases.empty() && !write_path.empty();
  if (cases.empty())
    cases = {{codec::Codec::zstd, 1}, {codec::Codec::zstd, 3},  {codec::Codec::zstd, 9}, {codec::Codec::lz4, 1},
             {codec::Codec::lz4, 9},  {codec::Codec::xz, 1},    {codec::Codec::xz, 6},   {codec::Codec::bzip2, 1},
             {codec::Codec::bzip2, 9}};

  Bytes data;
  if (!corpus_path.empty()) {
    std::ifstream f(corpus_path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(f), {});
    if (data.empty()) {
      std::fprintf(stderr, "cannot read %s\n", corpus_path.c_str());
      return 1;
    }
  } else {
    data = mixed_corpus(size);
  }
  if (!write_path.empty()) {
    std::ofstream f(write_path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (only_write) return 0;  // just the corpus, for the programs' benchmarks
  }

  std::vector<Row> rows;
  Bytes back(data.size());
  for (auto [c, level] : cases) {
    Row r;
    r.c = c;
    r.level = level;
    r.checksum = checksum;
    codec::CompressOptions co;
    co.codec = c;
    co.level = level;
    co.checksum = checksum;
    codec::DecompressOptions dopt;
    dopt.output_limit = data.size();
    auto comp = codec::Compressor::create(co);
    auto dec = codec::Decompressor::create(dopt);
    if (!comp || !dec) {
      std::fprintf(stderr, "%s\n", comp ? dec.status().to_string().c_str() : comp.status().to_string().c_str());
      return 1;
    }
    Bytes z(codec::compress_bound(c, data.size()));
    // xz/bzip2 are slow: one timed run each is plenty.
    double secs = (c == codec::Codec::xz || c == codec::Codec::bzip2) ? 0 : seconds;
    r.comp = time_it(data.size(), secs, [&] {
      auto n = comp->compress_into(data, z);
      if (!n) std::abort();
      r.zsize = *n;
    });
    r.decomp = time_it(data.size(), secs, [&] {
      auto n = dec->decompress_into({z.data(), r.zsize}, back);
      if (!n || *n != data.size()) std::abort();
    });
    if (back != data) {
      std::fprintf(stderr, "round trip mismatch for %s %d\n", codec::codec_name(c), level);
      return 1;
    }
    std::fprintf(stderr, "%-6s %3d  ratio %6.3f  compress %8.1f MB/s (cpu %8.1f)  decompress %8.1f MB/s (cpu %8.1f)\n",
                 codec::codec_name(c), level, double(data.size()) / r.zsize, r.comp.wall_mbps, r.comp.cpu_mbps,
                 r.decomp.wall_mbps, r.decomp.cpu_mbps);
    if (raw) {
      Bytes rz;
      std::fill(back.begin(), back.end(), 0);
      Raw direct;
      make_raw(direct, c, level, data, rz, back);
      r.raw_comp = time_it(data.size(), secs, direct.comp);
      r.raw_decomp = time_it(data.size(), secs, direct.decomp);
      r.raw_zsize = direct.zsize;
      if (back != data) {
        std::fprintf(stderr, "raw round trip mismatch for %s %d\n", codec::codec_name(c), level);
        return 1;
      }
      std::fprintf(stderr, "%-6s %3d  direct library calls:  compress %8.1f MB/s (cpu %8.1f)  decompress %8.1f MB/s (cpu %8.1f)\n",
                   codec::codec_name(c), level, r.raw_comp.wall_mbps, r.raw_comp.cpu_mbps, r.raw_decomp.wall_mbps,
                   r.raw_decomp.cpu_mbps);
    }
    rows.push_back(r);
  }

  std::printf("{\"benchmark\":\"codec\",\"corpus_bytes\":%zu,\"corpus\":\"%s\",\"checksum\":%s,\"results\":[", data.size(),
              corpus_path.empty() ? "mixed (generated)" : corpus_path.c_str(), checksum ? "true" : "false");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::printf("%s{\"codec\":\"%s\",\"level\":%d,\"compressed_bytes\":%zu,\"ratio\":%.4f,"
                "\"compress_mbps\":%.1f,\"compress_cpu_mbps\":%.1f,\"decompress_mbps\":%.1f,"
                "\"decompress_cpu_mbps\":%.1f,\"runs\":[%d,%d]",
                i ? "," : "", codec::codec_name(r.c), r.level, r.zsize, double(data.size()) / r.zsize,
                r.comp.wall_mbps, r.comp.cpu_mbps, r.decomp.wall_mbps, r.decomp.cpu_mbps, r.comp.runs, r.decomp.runs);
    if (raw)
      std::printf(",\"direct_compressed_bytes\":%zu,\"direct_compress_mbps\":%.1f,\"direct_compress_cpu_mbps\":%.1f,"
                  "\"direct_decompress_mbps\":%.1f,\"direct_decompress_cpu_mbps\":%.1f",
                  r.raw_zsize, r.raw_comp.wall_mbps, r.raw_comp.cpu_mbps, r.raw_decomp.wall_mbps, r.raw_decomp.cpu_mbps);
    std::printf("}");
  }
  std::printf("]}\n");
  return 0;
}
