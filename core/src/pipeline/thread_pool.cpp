#include "chunker/thread_pool.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include "pipeline/os_thread.hpp"

namespace chunker {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads <= 1) return;
  threads_.reset(new detail::OsThread[threads - 1]);
  // Stops at the first thread that cannot start: the rest would fail alike.
  while (started_ + 1 < threads &&
         threads_[started_].start([](void* p) { static_cast<ThreadPool*>(p)->worker_loop(); }, this)) {
    ++started_;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (unsigned i = 0; i < started_; ++i) threads_[i].join();
}

unsigned ThreadPool::default_threads() noexcept {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Takes tasks until none are left. Called with the lock NOT held.
void ThreadPool::drain(TaskFn* fn, unsigned worker) {
  for (;;) {
    std::size_t i;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (next_ >= count_) return;
      i = next_++;
    }
    (*fn)(i, worker);
  }
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  unsigned me;
  {
    std::lock_guard<std::mutex> lk(mu_);
    me = ++joined_;  // 0 is the caller
  }
  for (;;) {
    TaskFn* fn;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_work_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      fn = job_;
      // Woke after that run() already finished (job_ reset): nothing to join.
      // Taking part anyway would race the next run() with a null job.
      if (!fn) continue;
      ++active_;
    }
    drain(fn, me);
    {
      std::lock_guard<std::mutex> lk(mu_);
      --active_;
    }
    cv_done_.notify_all();
  }
}

void ThreadPool::run(std::size_t n, FunctionRef<void(std::size_t)> fn) {
  run_on_workers(n, [&](std::size_t i, unsigned) { fn(i); });
}

void ThreadPool::run_on_workers(std::size_t n, TaskFn fn) {
  if (started_ == 0 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &fn;
    next_ = 0;
    count_ = n;
    ++generation_;
  }
  cv_work_.notify_all();
  drain(&fn, 0);
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, [&] { return next_ >= count_ && active_ == 0; });
  job_ = nullptr;
}

namespace {

// Boundaries of at most `ranges` consecutive index ranges of about equal
// total weight, each at least min_weight; {0, n} when one range it is.
std::vector<std::size_t> weighted_bounds(std::size_t n, FunctionRef<std::uint64_t(std::size_t)> weight,
                                         std::uint64_t ranges, std::uint64_t min_weight) {
  std::uint64_t total = 0;
  if (ranges > 1 && n > 1) {
    for (std::size_t i = 0; i < n; ++i) total += weight(i);
  }
  if (min_weight > 0 && total / min_weight < ranges) ranges = total / min_weight;
  std::vector<std::size_t> bounds{0};
  if (ranges > 1 && n > 1) {
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < n && bounds.size() < ranges; ++i) {
      acc += weight(i);
      if (acc * ranges >= total * bounds.size()) bounds.push_back(i + 1);
    }
  }
  if (bounds.back() != n) bounds.push_back(n);
  return bounds;
}

}  // namespace

void ThreadPool::run_weighted(std::size_t n, FunctionRef<std::uint64_t(std::size_t)> weight,
                              FunctionRef<void(std::size_t)> fn, std::uint64_t min_weight) {
  const std::vector<std::size_t> bounds = weighted_bounds(n, weight, started_ ? size() : 1, min_weight);
  run(bounds.size() - 1, [&](std::size_t r) {
    for (std::size_t i = bounds[r]; i < bounds[r + 1]; ++i) fn(i);
  });
}

void ThreadPool::run_weighted_once(unsigned threads, std::size_t n, FunctionRef<std::uint64_t(std::size_t)> weight,
                                   FunctionRef<void(std::size_t)> fn, std::uint64_t min_weight) {
  const std::vector<std::size_t> bounds = weighted_bounds(n, weight, threads, min_weight);
  const std::size_t ranges = bounds.size() - 1;
  struct Shared {
    const std::vector<std::size_t>* bounds;
    FunctionRef<void(std::size_t)>* fn;
    std::atomic<std::size_t> next{0};
    void drain() {
      for (std::size_t r; (r = next.fetch_add(1)) + 1 < bounds->size();) {
        for (std::size_t i = (*bounds)[r]; i < (*bounds)[r + 1]; ++i) (*fn)(i);
      }
    }
  } sh{&bounds, &fn};
  // A thread that cannot start leaves its range to the others.
  detail::HelperThreads<kMaxThreads - 1> helpers(
      static_cast<unsigned>(ranges > 1 ? ranges - 1 : 0), [](void* p) { static_cast<Shared*>(p)->drain(); }, &sh);
  sh.drain();
  // helpers joined here
}

}  // namespace chunker
