// Shared plumbing of the C ABI (chunker.h): error reporting, the exception
// barrier, handle checks, caller-allocated buffers, option conversion.
//
// Every exported function is `noexcept` and runs its body through guard():
// nothing unwinds into C. Messages go to a fixed thread-local buffer so that
// reporting an error (even out of memory) never allocates.
#pragma once

#include <chunker.h>

#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/hash.hpp"
#include "chunker/pipeline.hpp"

// Handle registry (use-after-free detection): on in builds with assertions,
// or when CHUNKER_CAPI_CHECKS is defined.
#if !defined(NDEBUG) && !defined(CHUNKER_CAPI_CHECKS)
#define CHUNKER_CAPI_CHECKS 1
#endif

namespace chunker::capi {

// Records `message` as the calling thread's last error; returns `code`.
chunker_status fail(Errc code, std::string_view message) noexcept;
// CHUNKER_OK, or fail(status.code(), status.message()).
chunker_status from(const Status& s) noexcept;

// Runs f() (returning chunker_status) with every exception turned into a
// status: std::bad_alloc -> out_of_memory, anything else -> internal.
template <class F>
chunker_status guard(const char* fn, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(Errc::out_of_memory, std::string_view(fn));
  } catch (const std::exception& e) {
    std::string m;
    try {
      m = std::string(fn) + ": " + e.what();
    } catch (...) {
    }
    return fail(Errc::internal, m.empty() ? std::string_view(fn) : std::string_view(m));
  } catch (...) {
    return fail(Errc::internal, std::string_view(fn));
  }
}

// fail(invalid_argument, "<fn>: <what> is NULL").
chunker_status null_arg(const char* fn, const char* what) noexcept;
// Formats "<fn>: <text>" into the error buffer.
chunker_status failf(Errc code, const char* fn, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));

// ---- Handles ------------------------------------------------------------------

// Every handle struct starts with this. `magic` identifies the type; on free it
// is cleared (a cheap check of freed or foreign handles in release builds,
// reliable only while the memory is not reused); with CHUNKER_CAPI_CHECKS a
// registry of live handles catches every use after free.
struct HandleHeader {
  std::uint32_t magic;
};

// A handle that wraps one C++ object: the C type derives from it and adds
// its kName, e.g. `struct chunker_sha256 : HandleOf<sha256::Hasher, magic>`.
template <class T, std::uint32_t Magic>
struct HandleOf {
  static constexpr std::uint32_t kMagic = Magic;
  HandleHeader hdr;
  T obj;
  template <class... A>
  explicit HandleOf(A&&... a) : obj(std::forward<A>(a)...) {}
  void reset() { obj.reset(); }
};

void register_handle(const void* h);    // no-op without CHUNKER_CAPI_CHECKS
bool unregister_handle(const void* h);  // false if it was not live
bool handle_live(const void* h);        // true without CHUNKER_CAPI_CHECKS

// CHUNKER_OK if `h` is a live handle of the type with `magic`.
chunker_status check_handle(const void* h, std::uint32_t magic, const char* fn, const char* type) noexcept;

// Every handle type T declares `static constexpr std::uint32_t kMagic` and
// `static constexpr const char* kName` (its C type name, for messages).
template <class T>
chunker_status check_handle(const T* h, const char* fn) noexcept {
  return check_handle(h, T::kMagic, fn, T::kName);
}

// A call on handle `h`: guard() around the handle check and f(*h).
template <class T, class F>
chunker_status on_handle(const char* fn, T* h, F&& f) noexcept {
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = check_handle(h, fn)) return st;
    return f(*h);
  });
}

// chunker_*_reset(): every handle type has a reset() that returns it to its
// state after creation.
template <class T>
chunker_status reset_handle(const char* fn, T* h) noexcept {
  return on_handle(fn, h, [](T& s) {
    s.reset();
    return CHUNKER_OK;
  });
}

// null_arg(fn, what) when `p` is NULL but `n` bytes were promised.
inline chunker_status check_span(const char* fn, const char* what, const void* p, std::size_t n) noexcept {
  return p == nullptr && n != 0 ? null_arg(fn, what) : CHUNKER_OK;
}

// How a one-shot call into a caller buffer starts: *written zeroed, then the
// input (named `in_name`) and the output checked.
inline chunker_status start_into(const char* fn, const char* in_name, const void* in, std::size_t in_len,
                                 const void* out, std::size_t cap, std::size_t* written) noexcept {
  if (written == nullptr) return null_arg(fn, "written");
  *written = 0;
  if (chunker_status st = check_span(fn, in_name, in, in_len)) return st;
  return check_span(fn, "out", out, cap);
}

// How a call returning a library-allocated buffer starts: `b` (named `what`)
// must not be NULL, and is cleared.
inline chunker_status clear_buffer(const char* fn, const char* what, chunker_buffer* b) noexcept {
  if (b == nullptr) return null_arg(fn, what);
  *b = chunker_buffer{nullptr, 0};
  return CHUNKER_OK;
}

// How every constructor starts: `out` must not be NULL, and is cleared.
template <class T>
chunker_status clear_out(const char* fn, T** out) noexcept {
  if (out == nullptr) return null_arg(fn, "out");
  *out = nullptr;
  return CHUNKER_OK;
}

// Allocates a handle T (publishing it in the registry); stores it in *out.
template <class T, class... A>
chunker_status new_handle(T** out, A&&... args) {
  T* h = new T(std::forward<A>(args)...);
  h->hdr.magic = T::kMagic;
  register_handle(h);
  *out = h;
  return CHUNKER_OK;
}

// Frees a handle (NULL, freed or foreign handles are ignored).
template <class T>
void free_handle(T* h) noexcept {
  if (h == nullptr) return;
#ifdef CHUNKER_CAPI_CHECKS
  if (!unregister_handle(h)) return;
#endif
  if (h->hdr.magic != T::kMagic) return;
  *static_cast<volatile std::uint32_t*>(&h->hdr.magic) = 0;
  delete h;
}

// ---- Buffers ---------------------------------------------------------------------

// Allocates `n` bytes with the caller allocator into *out (n == 0: {NULL, 0}).
chunker_status alloc_buffer(std::size_t n, chunker_buffer* out, const char* fn) noexcept;
// Allocates and copies.
chunker_status copy_to_buffer(const void* data, std::size_t n, chunker_buffer* out, const char* fn) noexcept;

// ---- Options -------------------------------------------------------------------------

// chunker_options (NULL = defaults) -> PipelineOptions, checked.
chunker_status to_pipeline_options(const chunker_options* o, PipelineOptions& out, const char* fn) noexcept;
// threads argument: 0 = all hardware threads.
unsigned resolve_threads(std::uint32_t threads) noexcept;
// Fills a chunker_chunk from a pipeline result.
void to_c_chunk(const HashedChunk& c, HashAlgo algo, chunker_chunk& out) noexcept;

}  // namespace chunker::capi
