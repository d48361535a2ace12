// Every FastCDC search kernel this CPU can run, against a brute-force oracle
// (the window hash recomputed from scratch at every position) and, through
// the whole chunker, against the literal fastcdc-rs transcription.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "chunker/cpu.hpp"
#include "chunker/fastcdc.hpp"
#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/scan_scalar.hpp"
#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using chunker::fastcdc::Chunk;
using chunker::fastcdc::Params;
using chunker::fastcdc::detail::ScanKernel;
using chunker::test::SplitMix64;

namespace {

constexpr std::size_t kNoCut = chunker::fastcdc::detail::kNoCut;

// Selects kernel k for the scope of the object.
struct UseKernel {
  explicit UseKernel(const ScanKernel* k) { chunker::fastcdc::detail::set_scan_kernel_for_testing(k); }
  ~UseKernel() { chunker::fastcdc::detail::set_scan_kernel_for_testing(nullptr); }
};

std::vector<const ScanKernel*> kernels() {
  auto s = chunker::fastcdc::detail::runnable_scan_kernels();
  return {s.begin(), s.end()};
}

// Brute force: the one-byte gear hash over the 64 bytes ending at p, from zero.
std::size_t oracle_first(const std::vector<std::uint8_t>& d, std::size_t from, std::size_t to,
                         const std::uint64_t* gear, std::uint64_t mask) {
  for (std::size_t p = from; p < to; ++p) {
    std::uint64_t h = 0;
    for (std::size_t i = p - 63; i <= p; ++i) h = (h << 1) + gear[d[i]];
    if ((h & mask) == 0) return p;
  }
  return kNoCut;
}

// Random data with short zero runs at random places: with a seed that makes
// gear[0] zero, a run of 48+r zeros puts candidates at r+1 consecutive
// positions, so candidates land on block, lane and batch boundaries.
std::vector<std::uint8_t> sprinkled(std::size_t n, std::uint64_t seed, std::size_t every) {
  auto d = chunker::test::random_bytes(n, seed);
  SplitMix64 rng(seed ^ 0x5a5a);
  for (std::size_t at = rng.below(every); at + 64 < n; at += 1 + rng.below(every))
    std::fill_n(d.begin() + static_cast<std::ptrdiff_t>(at), 48 + rng.below(12), 0);
  return d;
}

using reference::make;

void expect_reference(const std::vector<std::uint8_t>& d, const Params& p, const char* kernel) {
  std::vector<Chunk> ours;
  ASSERT_TRUE(chunker::fastcdc::chunk_buffer(d, p, ours).ok());
  auto ref = reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed);
  ASSERT_EQ(ours.size(), ref.size()) << kernel << " min=" << p.min_size << " avg=" << p.avg_size
                                     << " max=" << p.max_size << " level=" << p.level << " seed=" << p.seed;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(ours[i].offset, ref[i].offset) << kernel << " chunk " << i;
    ASSERT_EQ(ours[i].length, ref[i].length) << kernel << " chunk " << i;
    ASSERT_EQ(ours[i].fingerprint, ref[i].hash) << kernel << " chunk " << i;
  }
}

std::vector<Chunk> streamed(const std::vector<std::uint8_t>& d, const Params& p, SplitMix64& rng) {
  auto sc = chunker::fastcdc::StreamChunker::create(p);
  EXPECT_TRUE(sc.ok());
  std::vector<Chunk> out;
  for (std::size_t pos = 0; pos < d.size();) {
    std::size_t n = std::min<std::size_t>(d.size() - pos, 1 + rng.below(rng.below(2) ? 300 : 3 * p.max_size));
    sc->push({d.data() + pos, n}, out);
    pos += n;
  }
  sc->finish(out);
  return out;
}

}  // namespace

TEST(FastCdcKernels, PortableKernelAlwaysAvailable) {
  auto ks = kernels();
  ASSERT_GE(ks.size(), 2u);
  EXPECT_STREQ(ks[0]->name, "scalar");  // the two portable kernels come first
  EXPECT_STREQ(ks[1]->name, "ilp4");
  const std::string avail = chunker::fastcdc::available_backends();
  for (const auto* k : ks) EXPECT_NE(avail.find(k->name), std::string::npos) << avail;
#if defined(__x86_64__)
  if (chunker::cpu::detected() & chunker::cpu::kAvx2) {
    EXPECT_NE(avail.find("avx2"), std::string::npos);
  }
#endif
#if defined(__aarch64__)
  EXPECT_NE(avail.find("neon"), std::string::npos);
#endif
}

TEST(FastCdcKernels, FindFirstEqualsBruteForce) {
  const auto& t = reference::base_tables();
  const std::uint64_t seeds[] = {0, t.gear[0]};  // the second makes byte 0 hash to zero
  for (const auto* k : kernels()) {
    SCOPED_TRACE(k->name);
    SplitMix64 rng(77);  // the same cases for every kernel
    [&] {  // a failing kernel stops only its own loop: every kernel is reported
    for (int iter = 0; iter < 240; ++iter) {
      // Sprinkled zero runs (case 3) with byte 0 hashing to zero and a strict
      // mask: the only candidates are the runs, spread over lanes and groups.
      const bool runs_only = iter % 5 == 3;
      const std::uint64_t seed = runs_only ? t.gear[0] : seeds[iter % 2];
      std::uint64_t gear[256];
      for (int i = 0; i < 256; ++i) gear[i] = t.gear[i] ^ seed;
      const std::size_t n = 64 + rng.below(iter % 4 == 0 ? 40000 : 6000);
      std::vector<std::uint8_t> d;
      switch (iter % 5) {
        case 0: d = chunker::test::random_bytes(n, rng.next()); break;
        case 1: d = chunker::test::text_bytes(n, rng.next()); break;
        case 2: d = std::vector<std::uint8_t>(n, 0); break;
        case 3: d = sprinkled(n, rng.next(), 1 + rng.below(3000)); break;
        default: d = std::vector<std::uint8_t>(n, static_cast<std::uint8_t>(rng.next())); break;
      }
      // Masks of every size class (few bits: candidates everywhere; many: rare).
      const unsigned bits = runs_only ? 18 + static_cast<unsigned>(rng.below(8)) : 5 + static_cast<unsigned>(rng.below(21));
      const std::uint64_t mask = t.masks[bits];
      const std::size_t from = 64 + rng.below(n - 64 + 1);
      const std::size_t to = from + rng.below(n - from + 1);
      const std::size_t avg = std::size_t{1} << (8 + rng.below(15));
      const std::size_t want = oracle_first(d, from, to, gear, mask);
      ASSERT_EQ(k->find_first(d.data(), from, to, gear, mask, avg), want)
          << k->name << " iter " << iter << " n " << n << " from " << from << " to " << to << " bits " << bits;
    }
    }();
  }
}

TEST(FastCdcKernels, ChunksMatchReferenceEveryKernel) {
  const auto& t = reference::base_tables();
  const Params sets[] = {make(64, 256, 1024),          make(1024, 4096, 16384),        make(4096, 16384, 65535),
                         make(2048, 8192, 32768),      make(16384, 65536, 262144),     make(65536, 262144, 1 << 20),
                         make(777, 3333, 9999, 3),     make(1001, 1025, 1025, 0)};
  const auto rnd = chunker::test::random_bytes(2 << 20, 1);
  const auto txt = chunker::test::text_bytes(1 << 20, 2);
  const auto zeros = std::vector<std::uint8_t>(1 << 20, 0);
  const auto spr = sprinkled(2 << 20, 3, 20000);
  for (const auto* k : kernels()) {
    UseKernel use(k);
    ASSERT_STREQ(chunker::fastcdc::backend(), k->name);
    for (Params p : sets) {
      for (std::uint32_t level = 0; level <= 3; ++level) {
        p.level = level;
        p.seed = level == 2 ? t.gear[0] : level == 3 ? 0xdeadbeefcafef00dull : 0;
        for (const auto* d : {&rnd, &txt, &zeros, &spr}) expect_reference(*d, p, k->name);
      }
    }
  }
}

TEST(FastCdcKernels, RandomParamsTinySizesAndStreaming) {
  for (const auto* k : kernels()) {
    UseKernel use(k);
    SplitMix64 rng(4242);
    for (int iter = 0; iter < 40; ++iter) {
      std::uint32_t mn = 64 + static_cast<std::uint32_t>(rng.below(iter % 3 == 0 ? 150000 : 5000));
      std::uint32_t av = std::min<std::uint32_t>(
          4194304u, std::max<std::uint32_t>({mn, 256u, static_cast<std::uint32_t>(mn + rng.below(mn * 4 + 256))}));
      std::uint32_t mx = std::min<std::uint32_t>(
          16777216u, std::max<std::uint32_t>({av, 1024u, static_cast<std::uint32_t>(av + rng.below(av * 4 + 1))}));
      Params p = make(mn, av, mx, static_cast<std::uint32_t>(rng.below(4)), rng.below(3) == 0 ? rng.next() : 0);
      ASSERT_TRUE(chunker::fastcdc::validate(p).ok());
      // Sizes around min, max and tiny inputs as well as several max windows.
      const std::size_t cand[] = {rng.below(70), p.min_size - 1ul + rng.below(3), p.max_size - 1ul + rng.below(3),
                                  static_cast<std::size_t>(rng.below(std::min<std::uint64_t>(mx * 5ull, 2u << 20)))};
      const std::size_t n = cand[iter % 4];
      auto d = iter % 3 == 0 ? chunker::test::random_bytes(n, rng.next())
                             : iter % 3 == 1 ? chunker::test::text_bytes(n, rng.next()) : sprinkled(n + 64, rng.next(), 5000);
      expect_reference(d, p, k->name);
      std::vector<Chunk> one;
      ASSERT_TRUE(chunker::fastcdc::chunk_buffer(d, p, one).ok());
      EXPECT_EQ(streamed(d, p, rng), one) << k->name << " iter " << iter;
    }
  }
}

TEST(FastCdcKernels, ForceIsaSelectsKernel) {
  const char* old = std::getenv("CHUNKER_FORCE_ISA");
  const std::string saved = old ? old : "";
  auto select = [](const char* v) {
    if (v) setenv("CHUNKER_FORCE_ISA", v, 1);
    else unsetenv("CHUNKER_FORCE_ISA");
    chunker::cpu::reload_for_testing();
    chunker::fastcdc::detail::set_scan_kernel_for_testing(nullptr);
    return std::string(chunker::fastcdc::backend());
  };
  EXPECT_EQ(select("portable"), "ilp4");
  // CHUNKER_FASTCDC_KERNEL picks any runnable kernel by name; unknown names are ignored.
  for (const auto* k : kernels()) {
    setenv("CHUNKER_FASTCDC_KERNEL", k->name, 1);
    EXPECT_EQ(select(nullptr), k->name);
  }
  setenv("CHUNKER_FASTCDC_KERNEL", "no-such-kernel", 1);
  const std::string fallback = select(nullptr);
  unsetenv("CHUNKER_FASTCDC_KERNEL");
  const std::string dflt = select(nullptr);
  EXPECT_EQ(fallback, dflt);
  EXPECT_NE(std::string(chunker::fastcdc::available_backends()).find(dflt), std::string::npos);
#if defined(__x86_64__)
  if (chunker::cpu::detected() & chunker::cpu::kAvx2) {
    EXPECT_EQ(select("avx2"), "avx2");
  }
  if (chunker::cpu::detected() & chunker::cpu::kSse41) {
    EXPECT_EQ(select("sse41"), "sse41");
  }
#endif
#if defined(__aarch64__)
  EXPECT_EQ(select("neon"), "neon");
#endif
  select(old ? saved.c_str() : nullptr);
}
