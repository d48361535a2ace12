// The one way the core starts threads. A thread that cannot start is reported
// (start() returns false) rather than thrown: in the wasm threads build a
// limited Worker pool (PTHREAD_POOL_SIZE_STRICT=2) makes pthread_create fail
// with EAGAIN, and std::thread would throw, which aborts without exceptions.
// Callers then simply do that share of the work on fewer threads.
#pragma once

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#include <pthread.h>
#define CHUNKER_HAS_THREADS 1
#endif

namespace chunker::detail {

class OsThread {
 public:
  OsThread() = default;
  OsThread(const OsThread&) = delete;
  OsThread& operator=(const OsThread&) = delete;
  ~OsThread() { join(); }

  // Runs fn(arg) on a new thread; false if none could be started (then
  // nothing runs). The object must stay where it is until join().
  bool start(void (*fn)(void*), void* arg) noexcept {
    join();
#ifdef CHUNKER_HAS_THREADS
    if (!admit()) return false;
    fn_ = fn;
    arg_ = arg;
    started_ = pthread_create(&t_, nullptr, [](void* p) -> void* {
      auto* self = static_cast<OsThread*>(p);
      self->fn_(self->arg_);
      return nullptr;
    }, this) == 0;
    if (!started_) release();
#else
    (void)fn;
    (void)arg;
#endif
    return started_;
  }
  void join() noexcept {
#ifdef CHUNKER_HAS_THREADS
    if (started_) {
      pthread_join(t_, nullptr);
      release();
    }
#endif
    started_ = false;
  }
  bool started() const noexcept { return started_; }

  // Test hook: with CHUNKER_TEST_THREAD_LIMIT=N in the environment at most N
  // threads started here run at once and start() fails beyond that, as when
  // wasm's Worker pool is exhausted, so tests can prove every caller copes.
  static bool admit() noexcept;
  static void release() noexcept;

 private:
#ifdef CHUNKER_HAS_THREADS
  pthread_t t_{};
  void (*fn_)(void*) = nullptr;
  void* arg_ = nullptr;
#endif
  bool started_ = false;
};

// Up to N threads running fn(arg) for the length of one call, joined when
// this goes out of scope: for work that must not hold threads between calls
// (BLAKE3's parallel paths, ThreadPool::run_weighted_once; wasm's Worker pool
// is shared by every call). A thread that cannot start is skipped; callers
// hand out work dynamically, so the others and the caller take its share.
template <unsigned N>
class HelperThreads {
 public:
  HelperThreads(unsigned n, void (*fn)(void*), void* arg) noexcept {
    while (started_ < n && started_ < N && t_[started_].start(fn, arg)) ++started_;
  }
  HelperThreads(const HelperThreads&) = delete;
  HelperThreads& operator=(const HelperThreads&) = delete;
  unsigned started() const noexcept { return started_; }
  void join() noexcept {
    for (unsigned i = 0; i < started_; ++i) t_[i].join();
  }

 private:
  OsThread t_[N];  // each joins on destruction
  unsigned started_ = 0;
};

}  // namespace chunker::detail
