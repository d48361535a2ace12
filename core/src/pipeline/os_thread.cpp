#include "pipeline/os_thread.hpp"

#include <atomic>
#include <cstdlib>

namespace chunker::detail {
namespace {
std::atomic<long> g_running{0};
}  // namespace

bool OsThread::admit() noexcept {
  const long n = g_running.fetch_add(1, std::memory_order_relaxed) + 1;
  // Read every time (a thread start costs far more): tests change it between cases.
  const char* limit = std::getenv("CHUNKER_TEST_THREAD_LIMIT");
  if (limit && *limit && n > std::strtol(limit, nullptr, 10)) {
    release();
    return false;
  }
  return true;
}

void OsThread::release() noexcept { g_running.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace chunker::detail
