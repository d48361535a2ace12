// A small fork-join pool: run(n, fn) calls fn(0..n-1) on the pool's threads
// plus the caller, and returns when all are done. Threads start once and are
// reused (creating threads per call is slow natively and very slow in wasm).
// It is the core's one threading mechanism: the pipeline, batches of small
// inputs and the wasm bindings all run on it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "chunker/function_ref.hpp"

namespace chunker {

namespace detail {
class OsThread;
}

class ThreadPool {
 public:
  // `threads` counts the caller: ThreadPool(1) starts no thread at all. A
  // thread that cannot start (e.g. wasm's Worker pool is exhausted, or a build
  // without threads) is not an error: the pool just has fewer, see size().
  explicit ThreadPool(unsigned threads);
  // The most threads any caller asks for (ChunkPipeline rejects more);
  // run_weighted_once uses at most this many.
  static constexpr unsigned kMaxThreads = 256;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads actually running tasks, the caller included (1 .. threads).
  unsigned size() const noexcept { return started_ + 1; }
  // Runs fn(i) for i in [0, n); tasks are handed out dynamically.
  void run(std::size_t n, FunctionRef<void(std::size_t)> fn);
  // Same, also passing the running thread's index (0 .. size()-1, 0 = the
  // caller), so that tasks can reuse one context per thread: calls with the
  // same index never overlap.
  using TaskFn = FunctionRef<void(std::size_t task, unsigned worker)>;
  void run_on_workers(std::size_t n, TaskFn fn);
  // Batch entry for many independent items of uneven size (chunks to hash,
  // small inputs): runs fn(i) for i in [0, n), consecutive items grouped into
  // at most size() ranges of about equal total weight(i), each range in order
  // on one thread. Fewer ranges when the total is small: a range gets at least
  // `min_weight` (below that a thread costs more than it saves), so small
  // totals run on the calling thread alone.
  void run_weighted(std::size_t n, FunctionRef<std::uint64_t(std::size_t)> weight,
                    FunctionRef<void(std::size_t)> fn, std::uint64_t min_weight);

  // The same as ThreadPool(threads).run_weighted(...), but the threads are
  // started for this call and exit when the ranges are done: no wake-ups
  // besides start and join, and no thread held afterwards. For callers that
  // run now and then, often on small inputs, and must not keep threads in
  // between (wasm's Worker pool is shared by every call of the module).
  static void run_weighted_once(unsigned threads, std::size_t n, FunctionRef<std::uint64_t(std::size_t)> weight,
                                FunctionRef<void(std::size_t)> fn, std::uint64_t min_weight);

  // Sensible default for "threads = 0": hardware concurrency, at least 1.
  static unsigned default_threads() noexcept;

 private:
  void worker_loop();
  void drain(TaskFn* fn, unsigned worker);

  std::unique_ptr<detail::OsThread[]> threads_;
  unsigned started_ = 0;
  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_;
  TaskFn* job_ = nullptr;
  unsigned joined_ = 0;  // workers that picked their index
  std::size_t next_ = 0, count_ = 0, active_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace chunker
