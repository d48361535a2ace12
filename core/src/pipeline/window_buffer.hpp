// Read buffers for input: kept between runs, allocated by alloc_window
// (common/huge_pages.hpp: fewer TLB walks for both the kernel's copy and the
// scan, and walks are dear under a hypervisor; alignment and the advice each
// measured faster: docs/benchmarks-log.md, "2026-12-04: a different machine").
#pragma once

#include <cstddef>
#include <string>

#include "chunker/error.hpp"
#include "common/huge_pages.hpp"

namespace chunker::detail {

// run_file's read slots, kept by the pipeline between calls so that many
// files in a row (chunker dedup) do not each allocate and fault in fresh memory.
struct ReadRing {
  WindowBuffer buf;
  std::size_t bytes = 0;

  // At least `need` bytes (contents not kept when it grows); `what` names
  // them in the out-of-memory error.
  Status reserve(std::size_t need, const char* what) {
    if (bytes >= need) return {};
    buf = alloc_window(need);
    bytes = buf ? need : 0;
    if (!buf) return Status(Errc::out_of_memory, "cannot allocate " + std::to_string(need) + " bytes of " + what);
    return {};
  }
};

}  // namespace chunker::detail
