// BLAKE3 tests: the official vectors on every kernel this machine can run, and
// cross-checks against the b3sum program (independent Rust implementation) for
// every size 0..4 KiB and around chunk/64 KiB/1 MiB boundaries, one-shot,
// split into random update() pieces, and multi-threaded.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chunker/blake3.hpp"
#include "chunker/cpu.hpp"
#include "test_util.hpp"
#include "hash/blake3_impl.hpp"

namespace b3 = chunker::blake3;
namespace b3d = chunker::blake3::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string hex(const std::uint8_t* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}
std::string hex(const Bytes& b) { return hex(b.data(), b.size()); }

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes v(n);
  for (auto& x : v) x = static_cast<std::uint8_t>(rng() >> 56);
  return v;
}

// --- Official vectors (tests/data/blake3_test_vectors.json) -----------------

struct Vector {
  std::size_t input_len;
  std::string hash, keyed_hash, derive_key;  // extended outputs, hex
};
struct Vectors {
  std::string key, context;
  std::vector<Vector> cases;
};

// The file is flat and regular; pull out "name": value pairs in order.
std::string json_string_after(const std::string& s, std::size_t& pos, const std::string& name) {
  std::size_t k = s.find("\"" + name + "\"", pos);
  if (k == std::string::npos) return {};
  std::size_t q1 = s.find('"', s.find(':', k) + 1);
  std::size_t q2 = s.find('"', q1 + 1);
  pos = q2 + 1;
  return s.substr(q1 + 1, q2 - q1 - 1);
}

const Vectors& vectors() {
  static const Vectors v = [] {
    Vectors out;
    std::ifstream f(std::string(CHUNKER_TEST_DATA_DIR) + "/blake3_test_vectors.json");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    std::size_t pos = s.find("\"key\"");
    out.key = json_string_after(s, pos, "key");
    out.context = json_string_after(s, pos, "context_string");
    while (true) {
      std::size_t k = s.find("\"input_len\"", pos);
      if (k == std::string::npos) break;
      Vector c;
      c.input_len = std::stoul(s.substr(s.find(':', k) + 1));
      pos = k + 1;
      c.hash = json_string_after(s, pos, "hash");
      c.keyed_hash = json_string_after(s, pos, "keyed_hash");
      c.derive_key = json_string_after(s, pos, "derive_key");
      out.cases.push_back(c);
    }
    return out;
  }();
  return v;
}

Bytes vector_input(std::size_t n) {
  Bytes in(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<std::uint8_t>(i % 251);
  return in;
}

// Kernels compiled into this build that this CPU can run. When CHUNKER_FORCE_ISA
// is set (CI runs the suite once per ISA), only portable and the forced kernel.
std::vector<const b3d::Kernel*> runnable_kernels() {
  std::vector<const b3d::Kernel*> ks;
  const char* forced = getenv("CHUNKER_FORCE_ISA");
  for (const char* name : {"portable", "sse41", "avx2", "avx512", "neon", "simd128"}) {
    auto* k = b3d::find_kernel(name);
    if (!k) continue;
    if (forced && *forced && k != &b3d::kPortableKernel && k != &b3d::kernel()) continue;
    ks.push_back(k);
  }
  return ks;
}

// Selects a kernel for the lifetime of the object.
struct KernelScope {
  explicit KernelScope(const b3d::Kernel* k) { b3d::set_kernel_for_testing(k); }
  ~KernelScope() { b3d::set_kernel_for_testing(nullptr); }
};

// Hash `in` in random update() pieces (sizes spread over 0..2*max_piece).
Bytes hash_in_pieces(b3::Hasher h, const Bytes& in, std::uint64_t seed, std::size_t max_piece, std::size_t out_len,
                     unsigned threads = 1) {
  std::mt19937_64 rng(seed);
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t n = std::min<std::size_t>(in.size() - pos, rng() % (2 * max_piece + 1));
    if (threads > 1)
      h.update_parallel({in.data() + pos, n}, threads);
    else
      h.update({in.data() + pos, n});
    pos += n;
  }
  Bytes out(out_len);
  h.finalize(out);
  return out;
}

TEST(Blake3, VectorsFileLoaded) {
  const auto& v = vectors();
  EXPECT_EQ(v.key, "whats the Elvish word for friend");
  EXPECT_EQ(v.context, "BLAKE3 2019-12-27 16:29:52 test vectors context");
  ASSERT_GE(v.cases.size(), 30u);
  EXPECT_EQ(v.cases.back().input_len, 102400u);
}

TEST(Blake3, OfficialVectorsEveryKernel) {
  const auto& v = vectors();
  ASSERT_FALSE(v.cases.empty());
  std::array<std::uint8_t, 32> key;
  std::memcpy(key.data(), v.key.data(), 32);
  auto kernels = runnable_kernels();
  ASSERT_GE(kernels.size(), 1u);
  for (const auto* k : kernels) {
    KernelScope scope(k);
    ASSERT_STREQ(b3::backend(), k->name);
    for (const auto& c : v.cases) {
      SCOPED_TRACE(std::string(k->name) + " len=" + std::to_string(c.input_len));
      Bytes in = vector_input(c.input_len);
      std::size_t xlen = c.hash.size() / 2;
      Bytes out(xlen);

      b3::Hasher h;
      h.update(in);
      h.finalize(out);
      EXPECT_EQ(hex(out), c.hash);
      auto d = b3::hash(in);
      EXPECT_EQ(hex(d.data(), 32), c.hash.substr(0, 64));

      b3::Hasher kh = b3::Hasher::keyed(key);
      kh.update(in);
      kh.finalize(out);
      EXPECT_EQ(hex(out), c.keyed_hash);
      auto kd = b3::keyed_hash(key, in);
      EXPECT_EQ(hex(kd.data(), 32), c.keyed_hash.substr(0, 64));

      b3::Hasher dh = b3::Hasher::derive_key(v.context);
      dh.update(in);
      dh.finalize(out);
      EXPECT_EQ(hex(out), c.derive_key);
      Bytes dk(xlen);
      b3::derive_key(v.context, in, dk);
      EXPECT_EQ(hex(dk), c.derive_key);

      // Byte-at-a-time and random splits must not change anything.
      b3::Hasher bytewise;
      for (auto b : in) bytewise.update({&b, 1});
      EXPECT_EQ(hex(bytewise.finalize().data(), 32), c.hash.substr(0, 64));
      EXPECT_EQ(hex(hash_in_pieces(b3::Hasher::keyed(key), in, c.input_len, 700, xlen)), c.keyed_hash);

      // Every suffix of the extended output via finalize_seek.
      for (std::size_t off : {std::size_t{1}, std::size_t{31}, std::size_t{64}, std::size_t{65}, xlen - 1}) {
        Bytes tail(xlen - off);
        dh.finalize_seek(off, tail);
        EXPECT_EQ(hex(tail), c.derive_key.substr(2 * off));
      }
    }
  }
}

TEST(Blake3, ForceIsaSelectsBackend) {
  const char* env = getenv("CHUNKER_FORCE_ISA");
  const bool had_env = env != nullptr;
  const std::string saved = env ? env : "";
  setenv("CHUNKER_FORCE_ISA", "portable", 1);
  chunker::cpu::reload_for_testing();
  EXPECT_STREQ(b3::backend(), "portable");
  auto d = b3::hash(vector_input(1025));
  EXPECT_EQ(hex(d.data(), 32), vectors().cases[17].hash.substr(0, 64));
  for (const char* isa : {"sse41", "avx2", "avx512", "neon"}) {
    if (!b3d::find_kernel(isa)) continue;
    setenv("CHUNKER_FORCE_ISA", isa, 1);
    chunker::cpu::reload_for_testing();
      EXPECT_STREQ(b3::backend(), isa);
  }
  if (had_env) {
    setenv("CHUNKER_FORCE_ISA", saved.c_str(), 1);
  } else {
    unsetenv("CHUNKER_FORCE_ISA");
  }
  chunker::cpu::reload_for_testing();
  // Unforced: the best kernel runnable here is the last one listed.
  std::string avail = b3::available_backends();
  if (!had_env) {
    EXPECT_EQ(avail.substr(avail.rfind(',') + 1), b3::backend());
  }
}

TEST(Blake3, FinalizeSeekMatchesLongOutput) {
  Bytes in = random_bytes(5000, 7);
  b3::Hasher h;
  h.update(in);
  Bytes full(4096 + 3);
  h.finalize(full);
  for (std::uint64_t off : {0, 1, 63, 64, 65, 127, 128, 1000, 4000}) {
    for (std::size_t len : {0, 1, 33, 64, 65, 200}) {
      if (off + len > full.size()) continue;
      Bytes part(len);
      h.finalize_seek(off, part);
      EXPECT_EQ(hex(part), hex(Bytes(full.begin() + off, full.begin() + off + len))) << off << "+" << len;
    }
  }
  // Far offsets: consistent with each other (block counter above 2^32).
  std::uint64_t far = (std::uint64_t{1} << 38) + 17;
  Bytes a(100), b(50);
  h.finalize_seek(far, a);
  h.finalize_seek(far + 50, b);
  EXPECT_EQ(hex(Bytes(a.begin() + 50, a.end())), hex(b));
}

TEST(Blake3, HasherReusableAndReset) {
  Bytes in = random_bytes(3000, 1);
  b3::Hasher h;
  h.update({in.data(), 1500});
  auto mid1 = h.finalize();
  auto mid2 = h.finalize();
  EXPECT_EQ(mid1, mid2);
  EXPECT_EQ(mid1, b3::hash({in.data(), 1500}));
  h.update({in.data() + 1500, 1500});  // finalize did not disturb the state
  h.update({});                          // empty, null data (UBSan: no memcpy from null)
  h.update_parallel({}, 2);
  EXPECT_EQ(h.finalize(), b3::hash(in));
  EXPECT_EQ(h.count(), 3000u);
  h.reset();
  EXPECT_EQ(h.finalize(), b3::hash({}));
  std::array<std::uint8_t, 32> key{};
  key[0] = 9;
  b3::Hasher k = b3::Hasher::keyed(key);
  k.update(in);
  k.reset();
  k.update({in.data(), 10});
  EXPECT_EQ(k.finalize(), b3::keyed_hash(key, {in.data(), 10}));  // reset keeps the key
}

// Hash `in` as parts (Hasher::part) of the byte lengths `parts` (summing to
// in.size()), each fed in random pieces, appended in order; the first part
// goes into `h` itself when `first_is_part` is false.
Bytes hash_by_parts(b3::Hasher h, const Bytes& in, const std::vector<std::size_t>& parts, std::uint64_t seed,
                    std::size_t out_len, bool first_is_part = true) {
  std::mt19937_64 rng(seed);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool direct = i == 0 && !first_is_part;
    b3::Hasher part = direct ? h : h.part(pos / b3::kChunkLen);
    for (std::size_t done = 0; done < parts[i];) {
      std::size_t n = std::min<std::size_t>(parts[i] - done, rng() % 5000);
      part.update({in.data() + pos + done, n});
      done += n;
    }
    EXPECT_EQ(part.count(), parts[i]);
    if (direct)
      h = part;
    else
      EXPECT_TRUE(h.append(part)) << "part " << i << " at " << pos << " of " << parts[i] << " bytes";
    pos += parts[i];
  }
  EXPECT_EQ(pos, in.size());
  EXPECT_EQ(h.count(), in.size());
  Bytes out(out_len);
  h.finalize(out);
  return out;
}

// Part lengths as the pipeline makes them: `seg` bytes (a power of two) each,
// then powers of two that never grow (about half of what is left, at least
// `least`), the rest last.
std::vector<std::size_t> guided_parts(std::size_t n, std::size_t seg, std::size_t least) {
  std::vector<std::size_t> v;
  for (std::size_t left = n; left > 0;) {
    std::size_t len = std::clamp(left / 2, least, seg);
    len = len < left ? std::bit_floor(len) : left;
    v.push_back(len);
    left -= len;
  }
  return v;
}

// Parts of `seg` bytes each, the rest last.
std::vector<std::size_t> even_parts(std::size_t n, std::size_t seg) {
  std::vector<std::size_t> v;
  for (std::size_t a = 0; a < n; a += seg) v.push_back(std::min(seg, n - a));
  return v;
}

TEST(Blake3, ThreadsGiveSameResult) {
  // 4 MiB + 3 KiB + 5 with 4 threads splits twice (nested threads).
  for (std::size_t n : {std::size_t{1} << 20, (std::size_t{1} << 22) + 3 * 1024 + 5}) {
    Bytes in = random_bytes(n, n);
    Bytes ref(64), out(64);
    b3::hash(in, ref, 1);
    for (unsigned t : {2u, 3u, 4u, 1000u}) {
      b3::hash(in, out, t);
      EXPECT_EQ(hex(out), hex(ref)) << "n=" << n << " threads=" << t;
    }
    EXPECT_EQ(hex(hash_in_pieces(b3::Hasher(), in, n, 300000, 64, 2)), hex(ref));
  }
}

TEST(Blake3, PartsAppendedGiveOfficialVectors) {
  // Every official input, all three modes, split into parts of 1, 2, 4, 8
  // and 32 chunks and into shrinking powers of two, the first part fed
  // directly or as a part.
  const auto& v = vectors();
  std::array<std::uint8_t, 32> key;
  std::memcpy(key.data(), v.key.data(), 32);
  for (const auto& c : v.cases) {
    Bytes in = vector_input(c.input_len);
    const std::size_t xlen = c.hash.size() / 2;
    std::vector<std::vector<std::size_t>> schemes;
    for (std::size_t chunks : {1, 2, 4, 8, 32}) schemes.push_back(even_parts(in.size(), chunks * b3::kChunkLen));
    schemes.push_back(guided_parts(in.size(), 64 * b3::kChunkLen, b3::kChunkLen));
    for (std::size_t s = 0; s < schemes.size(); ++s) {
      SCOPED_TRACE("len=" + std::to_string(c.input_len) + " scheme " + std::to_string(s));
      EXPECT_EQ(hex(hash_by_parts(b3::Hasher(), in, schemes[s], s, xlen)), c.hash);
      EXPECT_EQ(hex(hash_by_parts(b3::Hasher::keyed(key), in, schemes[s], s, xlen, false)), c.keyed_hash);
      EXPECT_EQ(hex(hash_by_parts(b3::Hasher::derive_key(v.context), in, schemes[s], s, xlen)), c.derive_key);
    }
  }
}

TEST(Blake3, PartsNestAndMisuseIsRefused) {
  const Bytes in = random_bytes(13 * 1024 + 100, 5);
  const auto want = b3::hash(in);
  auto span = [&](std::size_t a, std::size_t n) { return std::span<const std::uint8_t>(in.data() + a, n); };
  // Parts of parts: chunks [8, 12) built from [8, 10) and [10, 12).
  b3::Hasher whole;
  whole.update(span(0, 8 * 1024));
  b3::Hasher outer = whole.part(8), inner = whole.part(10);
  outer.update(span(8 * 1024, 2 * 1024));
  inner.update(span(10 * 1024, 2 * 1024));
  ASSERT_TRUE(outer.append(inner));
  ASSERT_TRUE(whole.append(outer));
  b3::Hasher last = whole.part(12);
  last.update(span(12 * 1024, in.size() - 12 * 1024));
  ASSERT_TRUE(whole.append(last));
  EXPECT_EQ(whole.finalize(), want);

  b3::Hasher h;
  h.update(span(0, 3 * 1024));
  const auto before = h.finalize();
  b3::Hasher gap = h.part(4), misaligned = h.part(3), ok = h.part(3);
  gap.update(span(4 * 1024, 1024));
  misaligned.update(span(3 * 1024, 2 * 1024));  // 2 chunks from chunk 3: crosses a subtree boundary
  ok.update(span(3 * 1024, 1024));
  EXPECT_FALSE(h.append(gap));
  EXPECT_FALSE(h.append(misaligned));
  EXPECT_FALSE(h.append(b3::Hasher::derive_key("other").part(3)));
  std::array<std::uint8_t, 32> key{};
  EXPECT_FALSE(h.append(b3::Hasher::keyed(key).part(3)));
  b3::Hasher odd;  // ends inside a chunk: no part can follow
  odd.update(span(0, 1000));
  EXPECT_FALSE(odd.append(odd.part(1)));
  EXPECT_EQ(h.finalize(), before);  // refused appends changed nothing
  EXPECT_TRUE(h.append(h.part(3)));  // an empty part is nothing
  EXPECT_EQ(h.finalize(), before);
  ASSERT_TRUE(h.append(ok));
  h.update(span(4 * 1024, in.size() - 4 * 1024));
  EXPECT_EQ(h.finalize(), want);
}

// --- b3sum cross-checks -------------------------------------------------------


struct TempDir {
  std::string path;
  TempDir() {
    // Thousands of small files: prefer a RAM-backed directory.
    const char* t = getenv("TMPDIR");
    std::string base = t && *t ? t : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    std::string tmpl = base + "/chunker-b3-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back(0);
    if (mkdtemp(buf.data())) path = buf.data();
  }
  ~TempDir() {
    if (!path.empty()) std::system(("rm -rf '" + path + "'").c_str());
  }
};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

void write_file(const std::string& path, const Bytes& d) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
}

// Runs b3sum over files named 0..n-1 in `dir` (one process, relative names) and
// returns the hex output for each.
std::vector<std::string> b3sum_files(const std::string& dir, std::size_t n, const std::string& opts) {
  std::string cmd = "cd '" + dir + "' && b3sum $(ls | sort -n) " + opts;
  std::string out = run(cmd);
  std::map<std::size_t, std::string> by_name;
  std::istringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    auto sp = line.find("  ");
    if (sp == std::string::npos) continue;
    by_name[std::stoul(line.substr(sp + 2))] = line.substr(0, sp);
  }
  std::vector<std::string> r(n);
  for (auto& [i, h] : by_name)
    if (i < n) r[i] = h;
  return r;
}

// Random inputs of `sizes` (seeded from `seed`), written as files 0..n-1 of `dir` for b3sum_files.
std::vector<Bytes> write_inputs(const std::string& dir, const std::vector<std::size_t>& sizes, std::uint64_t seed) {
  std::vector<Bytes> inputs;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    inputs.push_back(random_bytes(sizes[i], seed + i));
    write_file(dir + "/" + std::to_string(i), inputs.back());
  }
  return inputs;
}

TEST(Blake3B3sum, EverySizeTo4KiBAllKernels) {
  CHUNKER_NEED_PROGRAM("b3sum");
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  constexpr std::size_t kMax = 4096;
  std::vector<Bytes> inputs;
  for (std::size_t n = 0; n <= kMax; ++n) {
    inputs.push_back(random_bytes(n, 1000 + n));
    write_file(dir.path + "/" + std::to_string(n), inputs.back());
  }
  auto ref = b3sum_files(dir.path, inputs.size(), "");
  ASSERT_EQ(ref[kMax].size(), 64u);
  for (const auto* k : runnable_kernels()) {
    KernelScope scope(k);
    for (std::size_t n = 0; n <= kMax; ++n) {
      auto d = b3::hash(inputs[n]);
      ASSERT_EQ(hex(d.data(), 32), ref[n]) << k->name << " n=" << n;
      ASSERT_EQ(hex(hash_in_pieces(b3::Hasher(), inputs[n], n, 97, 32)), ref[n]) << k->name << " split n=" << n;
    }
  }
}

// Around the chunk, 64 KiB and 1 MiB boundaries (checked on every kernel), then
// a few larger inputs for the threaded paths (default kernel only, to keep the
// suite fast under sanitizers and qemu).
std::vector<std::size_t> boundary_sizes() {
  std::vector<std::size_t> s;
  for (std::size_t base : {std::size_t{1024}, std::size_t{2048}, std::size_t{8192}, std::size_t{16384},
                           std::size_t{65536}, std::size_t{1} << 20})
    for (int d = -2; d <= 2; ++d) s.push_back(base + d);
  s.push_back(std::size_t{65536} * 3 + 1);
  return s;
}
const std::vector<std::size_t> kLargeSizes = {(std::size_t{1} << 21) + 1, (std::size_t{1} << 22) + 1025};

TEST(Blake3B3sum, BoundarySizesSplitsAndThreads) {
  CHUNKER_NEED_PROGRAM("b3sum");
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  auto sizes = boundary_sizes();
  const std::size_t num_small = sizes.size();
  sizes.insert(sizes.end(), kLargeSizes.begin(), kLargeSizes.end());
  std::vector<Bytes> inputs = write_inputs(dir.path, sizes, 77);
  auto ref = b3sum_files(dir.path, sizes.size(), "--num-threads 1");
  auto ref_mt = b3sum_files(dir.path, sizes.size(), "--num-threads 2");
  for (std::size_t i = 0; i < sizes.size(); ++i) ASSERT_EQ(ref[i], ref_mt[i]) << sizes[i];
  for (const auto* k : runnable_kernels()) {
    KernelScope scope(k);
    for (std::size_t i = 0; i < num_small; ++i) {
      SCOPED_TRACE(std::string(k->name) + " n=" + std::to_string(sizes[i]));
      EXPECT_EQ(hex(b3::hash(inputs[i]).data(), 32), ref[i]);
      EXPECT_EQ(hex(hash_in_pieces(b3::Hasher(), inputs[i], i, 5000, 32)), ref[i]);
    }
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {  // default kernel
    SCOPED_TRACE(std::string(b3::backend()) + " n=" + std::to_string(sizes[i]));
    if (i >= num_small) {
      EXPECT_EQ(hex(b3::hash(inputs[i]).data(), 32), ref[i]);
    }
    EXPECT_EQ(hex(hash_in_pieces(b3::Hasher(), inputs[i], i + 1, 200000, 32)), ref[i]);
    Bytes out(32);
    b3::hash(inputs[i], out, 2);
    EXPECT_EQ(hex(out), ref[i]);
    b3::hash(inputs[i], out, 4);
    EXPECT_EQ(hex(out), ref[i]);
    EXPECT_EQ(hex(hash_in_pieces(b3::Hasher(), inputs[i], i + 2, 600000, 32, 2)), ref[i]);
    // As parts (the pipeline hashes each segment of a file as one).
    EXPECT_EQ(hex(hash_by_parts(b3::Hasher(), inputs[i], even_parts(sizes[i], 64 * 1024), i, 32)), ref[i]);
    EXPECT_EQ(hex(hash_by_parts(b3::Hasher(), inputs[i], guided_parts(sizes[i], 1 << 20, 4096), i, 32)), ref[i]);
  }
}

// update_from: data handed over by a fill callback, hashed on helper threads
// while the caller fills the next MiB. Inputs start after a prefix given to
// update() (so units start on and off 1 MiB boundaries), plain and keyed.
TEST(Blake3B3sum, UpdateFromFillCallback) {
  CHUNKER_NEED_PROGRAM("b3sum");
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::vector<std::size_t> sizes = {(std::size_t{1} << 20) - 1, std::size_t{2} << 20, (std::size_t{2} << 20) + 1,
                                          (std::size_t{9} << 20) + 1025};
  std::vector<Bytes> inputs = write_inputs(dir.path, sizes, 900);
  Bytes key = random_bytes(32, 98);
  write_file(dir.path + ".key", key);
  auto plain = b3sum_files(dir.path, sizes.size(), "");
  auto keyed = b3sum_files(dir.path, sizes.size(), "--keyed < '" + dir.path + ".key'");
  std::remove((dir.path + ".key").c_str());
  std::array<std::uint8_t, 32> k32;
  std::memcpy(k32.data(), key.data(), 32);
  const auto caller = std::this_thread::get_id();
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    for (std::size_t prefix : {std::size_t{0}, std::size_t{1000}, std::size_t{1024}, (std::size_t{1} << 20) - 5,
                               std::size_t{1} << 20}) {
      if (prefix > sizes[i]) continue;
      for (unsigned threads : {1u, 2u, 4u}) {
        SCOPED_TRACE("n=" + std::to_string(sizes[i]) + " prefix=" + std::to_string(prefix) +
                     " threads=" + std::to_string(threads));
        for (bool use_key : {false, true}) {
          b3::Hasher h = use_key ? b3::Hasher::keyed(k32) : b3::Hasher();
          h.update({inputs[i].data(), prefix});
          std::size_t pos = prefix;
          bool other_thread = false, too_big = false;
          bool ok = h.update_from(sizes[i] - prefix, [&](std::uint8_t* dst, std::size_t n) {
            other_thread |= std::this_thread::get_id() != caller;
            too_big |= n > (std::size_t{1} << 20) || pos + n > sizes[i];
            if (too_big) return false;
            std::memcpy(dst, inputs[i].data() + pos, n);
            pos += n;
            return true;
          }, threads);
          EXPECT_TRUE(ok);
          EXPECT_FALSE(other_thread);
          EXPECT_FALSE(too_big);
          EXPECT_EQ(pos, sizes[i]);
          EXPECT_EQ(h.count(), sizes[i]);
          EXPECT_EQ(hex(h.finalize().data(), 32), use_key ? keyed[i] : plain[i]);
        }
      }
    }
  }
  // Nothing to fill: no call to fill, nothing absorbed.
  b3::Hasher empty;
  EXPECT_TRUE(empty.update_from(0, [](std::uint8_t*, std::size_t) { return false; }, 2));
  EXPECT_EQ(hex(empty.finalize().data(), 32), hex(b3::hash({}).data(), 32));
  // A fill that fails stops the call (and no more fills follow).
  for (unsigned threads : {1u, 2u}) {
    b3::Hasher h;
    int calls = 0;
    EXPECT_FALSE(h.update_from(std::uint64_t{8} << 20, [&](std::uint8_t*, std::size_t) { return ++calls < 3; },
                               threads));
    EXPECT_EQ(calls, 3);
  }
}

TEST(Blake3B3sum, KeyedDeriveKeyAndLength) {
  CHUNKER_NEED_PROGRAM("b3sum");
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  std::vector<std::size_t> sizes = {0, 1, 64, 1023, 1024, 1025, 4097, 65537, (1 << 20) + 1};
  std::vector<Bytes> inputs = write_inputs(dir.path, sizes, 500);
  Bytes key = random_bytes(32, 99);
  write_file(dir.path + ".key", key);
  const std::string ctx = "chunker 2026-11-23 blake3 test context";
  auto keyed = b3sum_files(dir.path, sizes.size(), "--keyed < '" + dir.path + ".key'");
  auto derived = b3sum_files(dir.path, sizes.size(), "--derive-key '" + ctx + "'");
  auto longer = b3sum_files(dir.path, sizes.size(), "--length 1000");
  std::remove((dir.path + ".key").c_str());
  std::array<std::uint8_t, 32> k32;
  std::memcpy(k32.data(), key.data(), 32);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    SCOPED_TRACE("n=" + std::to_string(sizes[i]));
    EXPECT_EQ(hex(b3::keyed_hash(k32, inputs[i]).data(), 32), keyed[i]);
    b3::Hasher kt = b3::Hasher::keyed(k32);  // keyed flags must reach every thread's subtree
    kt.update_parallel(inputs[i], 2);
    EXPECT_EQ(hex(kt.finalize().data(), 32), keyed[i]);
    b3::Hasher dt = b3::Hasher::derive_key(ctx);
    dt.update_parallel(inputs[i], 3);
    EXPECT_EQ(hex(dt.finalize().data(), 32), derived[i]);
    Bytes dk(32);
    b3::derive_key(ctx, inputs[i], dk);
    EXPECT_EQ(hex(dk), derived[i]);
    for (const auto* k : runnable_kernels()) {  // 15 full output blocks + 40 bytes: SIMD XOF and its tail
      KernelScope scope(k);
      SCOPED_TRACE(k->name);
      Bytes x(1000);
      b3::hash(inputs[i], x, 2);
      EXPECT_EQ(hex(x), longer[i]);
      b3::Hasher h;
      h.update(inputs[i]);
      Bytes tail(1000 - 333);
      h.finalize_seek(333, tail);
      EXPECT_EQ(hex(tail), longer[i].substr(666));
    }
  }
}

}  // namespace
