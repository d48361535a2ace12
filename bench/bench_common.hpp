// Shared helpers for the C++ benchmarks: timing, data sets, JSON output.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

inline double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// CPU time of this thread (steady when other jobs share the cores).
inline double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// CPU time of the whole process (all threads).
inline double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Best-of-N wall time of fn(), in seconds; *cpu (optional) gets the best
// single-thread CPU time.
template <class F>
double best_of(int n, F&& fn, double* cpu = nullptr) {
  double best = 1e30, best_cpu = 1e30;
  for (int i = 0; i < n; ++i) {
    double c0 = thread_cpu_s();
    double t0 = now_s();
    fn();
    best = std::min(best, now_s() - t0);
    best_cpu = std::min(best_cpu, thread_cpu_s() - c0);
  }
  if (cpu) *cpu = best_cpu;
  return best;
}

inline std::vector<std::uint8_t> random_data(std::size_t n, std::uint64_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  std::uint64_t s = seed;
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (int j = 0; j < 8; ++j) v[i + j] = static_cast<std::uint8_t>(z >> (8 * j));
  }
  return v;
}

// Reads up to n bytes of a file (e.g. a real NAR made by `nix-store --dump`),
// repeating it to fill n.
inline std::vector<std::uint8_t> file_data(const std::string& path, std::size_t n) {
  std::ifstream f(path, std::ios::binary);
  std::vector<std::uint8_t> src((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::uint8_t> v;
  if (src.empty()) return v;
  v.reserve(n);
  while (v.size() < n) v.insert(v.end(), src.begin(), src.begin() + std::min(src.size(), n - v.size()));
  return v;
}

inline double mib_per_s(std::size_t bytes, double seconds) { return bytes / 1048576.0 / seconds; }

}  // namespace bench
