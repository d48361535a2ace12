// A small fork-join pool: run(n, fn) calls fn(0..n-1) on the pool's threads
// plus the caller, and returns when all are done. Threads start once and are
// reused (creating threads per call is slow natively and very slow in wasm).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "chunker/function_ref.hpp"

namespace chunker {

class ThreadPool {
 public:
  // `threads` counts the caller: ThreadPool(1) starts no thread at all.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()) + 1; }
  // Runs fn(i) for i in [0, n); tasks are handed out dynamically.
  void run(std::size_t n, FunctionRef<void(std::size_t)> fn);

  // Sensible default for "threads = 0": hardware concurrency, at least 1.
  static unsigned default_threads() noexcept;

 private:
  void worker_loop();
  void drain(FunctionRef<void(std::size_t)>* fn);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_;
  FunctionRef<void(std::size_t)>* job_ = nullptr;
  std::size_t next_ = 0, count_ = 0, active_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace chunker
