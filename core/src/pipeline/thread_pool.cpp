#include "chunker/thread_pool.hpp"

namespace chunker {

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

unsigned ThreadPool::default_threads() noexcept {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Takes tasks until none are left. Called with the lock NOT held.
void ThreadPool::drain(FunctionRef<void(std::size_t)>* fn) {
  for (;;) {
    std::size_t i;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (next_ >= count_) return;
      i = next_++;
    }
    (*fn)(i);
  }
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    FunctionRef<void(std::size_t)>* fn;
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
    drain(fn);
    {
      std::lock_guard<std::mutex> lk(mu_);
      --active_;
    }
    cv_done_.notify_all();
  }
}

void ThreadPool::run(std::size_t n, FunctionRef<void(std::size_t)> fn) {
  if (workers_.empty() || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
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
  drain(&fn);
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, [&] { return next_ >= count_ && active_ == 0; });
  job_ = nullptr;
}

}  // namespace chunker
