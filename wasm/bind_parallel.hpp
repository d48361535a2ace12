// Spreads independent work items (e.g. hashing chunks) over pthreads in the
// threads variant. Uses pthread_create directly: with the pool limited
// (PTHREAD_POOL_SIZE_STRICT=2) creation can fail with EAGAIN, and then the
// calling thread simply does that share itself — std::thread would throw,
// which aborts in a no-exceptions wasm build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <pthread.h>
#endif

namespace chunker::wasm {

// Calls fn(i) for every i < n. Items are split into `threads` contiguous
// ranges of about equal weight(i); small totals stay on the calling thread.
template <class Fn, class Weight>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn, Weight&& weight) {
  auto run = [&](std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b; ++i) fn(i);
  };
#ifdef __EMSCRIPTEN_PTHREADS__
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) total += weight(i);
  constexpr std::uint64_t kMinPerThread = 256 * 1024;
  if (threads > 64) threads = 64;
  if (threads > 1 && total / kMinPerThread < threads) threads = static_cast<unsigned>(total / kMinPerThread);
  if (threads <= 1 || n < 2) return run(0, n);

  // Range boundaries by cumulative weight.
  std::vector<std::size_t> bounds{0};
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < n && bounds.size() < threads; ++i) {
    acc += weight(i);
    if (acc * threads >= total * bounds.size()) bounds.push_back(i + 1);
  }
  bounds.push_back(n);

  struct Job {
    decltype(run)* r;
    std::size_t a, b;
    pthread_t t;
    bool started;
  };
  std::vector<Job> jobs;
  jobs.reserve(bounds.size());
  for (std::size_t k = 1; k + 1 < bounds.size(); ++k) {
    jobs.push_back({&run, bounds[k], bounds[k + 1], {}, false});
  }
  for (auto& j : jobs) {
    j.started = pthread_create(&j.t, nullptr, [](void* p) -> void* {
      auto* jj = static_cast<Job*>(p);
      (*jj->r)(jj->a, jj->b);
      return nullptr;
    }, &j) == 0;
  }
  run(bounds[0], bounds[1]);
  for (auto& j : jobs) {
    if (j.started) pthread_join(j.t, nullptr);
    else run(j.a, j.b);
  }
#else
  (void)threads;
  (void)weight;
  run(0, n);
#endif
}

}  // namespace chunker::wasm
