// C ABI: errors, versions, the caller allocator, handle checks, options.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "capi.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/thread_pool.hpp"

#ifndef CHUNKER_VERSION
#define CHUNKER_VERSION "unknown"
#endif

// The C codes are the C++ ones, so a status crosses unchanged.
static_assert(CHUNKER_OK == static_cast<int>(chunker::Errc::ok));
static_assert(CHUNKER_ERR_INVALID_ARGUMENT == static_cast<int>(chunker::Errc::invalid_argument));
static_assert(CHUNKER_ERR_IO == static_cast<int>(chunker::Errc::io_error));
static_assert(CHUNKER_ERR_CORRUPT_INPUT == static_cast<int>(chunker::Errc::corrupt_input));
static_assert(CHUNKER_ERR_TRUNCATED_INPUT == static_cast<int>(chunker::Errc::truncated_input));
static_assert(CHUNKER_ERR_TRAILING_DATA == static_cast<int>(chunker::Errc::trailing_data));
static_assert(CHUNKER_ERR_OUTPUT_LIMIT == static_cast<int>(chunker::Errc::output_limit));
static_assert(CHUNKER_ERR_UNSUPPORTED_FORMAT == static_cast<int>(chunker::Errc::unsupported_format));
static_assert(CHUNKER_ERR_VERIFICATION_FAILED == static_cast<int>(chunker::Errc::verification_failed));
static_assert(CHUNKER_ERR_CANCELLED == static_cast<int>(chunker::Errc::cancelled));
static_assert(CHUNKER_ERR_OUT_OF_MEMORY == static_cast<int>(chunker::Errc::out_of_memory));
static_assert(CHUNKER_ERR_INTERNAL == static_cast<int>(chunker::Errc::internal));
static_assert(CHUNKER_ERR_CHANGED == static_cast<int>(chunker::Errc::changed));
static_assert(CHUNKER_HASH_NONE == static_cast<int>(chunker::HashAlgo::none));
static_assert(CHUNKER_HASH_SHA256 == static_cast<int>(chunker::HashAlgo::sha256));
static_assert(CHUNKER_HASH_BLAKE3 == static_cast<int>(chunker::HashAlgo::blake3));
// The record layouts bindings hard-code (ctypes, the NIF): no padding.
static_assert(sizeof(chunker_chunk) == 56);
static_assert(offsetof(chunker_chunk, hash) == 24);

namespace chunker::capi {
namespace {

// Large enough for any message the core produces with a path in it.
thread_local char t_error[1024];

void default_free(void*, void* p) { std::free(p); }
void* default_alloc(void*, std::size_t n) { return std::malloc(n); }
chunker_allocator g_alloc{default_alloc, default_free, nullptr};

#ifdef CHUNKER_CAPI_CHECKS
std::mutex& registry_mu() {
  static std::mutex m;
  return m;
}
std::unordered_set<const void*>& registry() {
  static auto* s = new std::unordered_set<const void*>();  // never destroyed: handles may outlive statics
  return *s;
}
#endif

}  // namespace

chunker_status fail(Errc code, std::string_view message) noexcept {
  const std::size_t n = std::min(message.size(), sizeof t_error - 1);
  std::memcpy(t_error, message.data(), n);
  t_error[n] = '\0';
  if (code == Errc::ok) code = Errc::internal;  // a failure must never read as success
  return static_cast<chunker_status>(code);
}

chunker_status from(const Status& s) noexcept { return s.ok() ? CHUNKER_OK : fail(s.code(), s.message()); }

chunker_status failf(Errc code, const char* fn, const char* fmt, ...) noexcept {
  int n = std::snprintf(t_error, sizeof t_error, "%s: ", fn);
  if (n < 0) n = 0;
  if (static_cast<std::size_t>(n) < sizeof t_error) {
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(t_error + n, sizeof t_error - n, fmt, ap);
    va_end(ap);
  }
  return static_cast<chunker_status>(code == Errc::ok ? Errc::internal : code);
}

chunker_status null_arg(const char* fn, const char* what) noexcept {
  return failf(Errc::invalid_argument, fn, "%s is NULL", what);
}

void register_handle([[maybe_unused]] const void* h) {
#ifdef CHUNKER_CAPI_CHECKS
  std::lock_guard<std::mutex> lk(registry_mu());
  registry().insert(h);
#endif
}

bool unregister_handle([[maybe_unused]] const void* h) {
#ifdef CHUNKER_CAPI_CHECKS
  std::lock_guard<std::mutex> lk(registry_mu());
  return registry().erase(h) == 1;
#else
  return true;
#endif
}

bool handle_live([[maybe_unused]] const void* h) {
#ifdef CHUNKER_CAPI_CHECKS
  std::lock_guard<std::mutex> lk(registry_mu());
  return registry().count(h) == 1;
#else
  return true;
#endif
}

chunker_status check_handle(const void* h, std::uint32_t magic, const char* fn, const char* type) noexcept {
  if (h == nullptr) return null_arg(fn, type);
#ifdef CHUNKER_CAPI_CHECKS
  bool live = false;
  try {
    live = handle_live(h);
  } catch (...) {  // std::mutex::lock may throw system_error
    return failf(Errc::internal, fn, "cannot check the %s handle", type);
  }
  if (!live) return failf(Errc::invalid_argument, fn, "%s handle used after free (or never created)", type);
#endif
  if (static_cast<const HandleHeader*>(h)->magic != magic)
    return failf(Errc::invalid_argument, fn, "not a %s handle (freed, or of another type)", type);
  return CHUNKER_OK;
}

chunker_status alloc_buffer(std::size_t n, chunker_buffer* out, const char* fn) noexcept {
  out->data = nullptr;
  out->len = 0;
  if (n == 0) return CHUNKER_OK;
  void* p = g_alloc.alloc(g_alloc.ctx, n);
  if (p == nullptr) return failf(Errc::out_of_memory, fn, "the allocator returned NULL for %zu bytes", n);
  out->data = static_cast<std::uint8_t*>(p);
  out->len = n;
  return CHUNKER_OK;
}

chunker_status copy_to_buffer(const void* data, std::size_t n, chunker_buffer* out, const char* fn) noexcept {
  chunker_status st = alloc_buffer(n, out, fn);
  if (st == CHUNKER_OK && n > 0) std::memcpy(out->data, data, n);
  return st;
}

unsigned resolve_threads(std::uint32_t threads) noexcept {
  return threads == 0 ? ThreadPool::default_threads() : threads;
}

chunker_status to_pipeline_options(const chunker_options* o, PipelineOptions& out, const char* fn) noexcept {
  out = PipelineOptions{};
  if (o == nullptr) return CHUNKER_OK;
  if (o->struct_size < sizeof(chunker_options)) {
    return failf(Errc::invalid_argument, fn,
                 "options.struct_size is %u, expected %zu: initialise options with chunker_options_init",
                 o->struct_size, sizeof(chunker_options));
  }
  // A newer header's struct: its extra fields must be unset (zero) here.
  if (o->struct_size > sizeof(chunker_options)) {
    const auto* extra = reinterpret_cast<const unsigned char*>(o) + sizeof(chunker_options);
    for (std::size_t i = 0; i < o->struct_size - sizeof(chunker_options); ++i) {
      if (extra[i] != 0)
        return failf(Errc::invalid_argument, fn,
                     "options set a field this library version (%s) does not know (struct_size %u > %zu)",
                     CHUNKER_VERSION, o->struct_size, sizeof(chunker_options));
    }
  }
  if (o->hash < CHUNKER_HASH_NONE || o->hash > CHUNKER_HASH_BLAKE3)
    return failf(Errc::invalid_argument, fn, "options.hash is %d, expected CHUNKER_HASH_NONE, _SHA256 or _BLAKE3",
                 o->hash);
  if (o->threads > CHUNKER_MAX_THREADS)
    return failf(Errc::invalid_argument, fn, "options.threads is %u, expected 0..%d (0 = all cores)", o->threads,
                 CHUNKER_MAX_THREADS);
  out.params = {o->min_size, o->avg_size, o->max_size, o->level, o->seed};
  Status s = fastcdc::validate(out.params);
  if (!s.ok()) return failf(Errc::invalid_argument, fn, "options: %s", s.message().c_str());
  out.hash = static_cast<HashAlgo>(o->hash);
  out.threads = resolve_threads(o->threads);
  return CHUNKER_OK;
}

void to_c_chunk(const HashedChunk& c, HashAlgo algo, chunker_chunk& out) noexcept {
  out.offset = c.offset;
  out.length = c.length;
  out.hash_len = algo == HashAlgo::none ? 0 : 32;
  out.fingerprint = c.fingerprint;
  std::memcpy(out.hash, c.hash.data(), sizeof out.hash);
}

}  // namespace chunker::capi

using namespace chunker;
using namespace chunker::capi;

extern "C" {

const char* chunker_status_name(chunker_status status) {
  if (status < 0 || status > CHUNKER_ERR_CHANGED) return "ERR_UNKNOWN";
  return errc_name(static_cast<Errc>(status));
}

const char* chunker_last_error(void) { return t_error; }

const char* chunker_version(void) { return CHUNKER_VERSION; }

int chunker_abi_version(void) { return CHUNKER_ABI_VERSION; }

chunker_status chunker_set_allocator(const chunker_allocator* a) {
  if (a == nullptr) {
    g_alloc = {default_alloc, default_free, nullptr};
    return CHUNKER_OK;
  }
  if (a->alloc == nullptr || a->free == nullptr)
    return failf(Errc::invalid_argument, "chunker_set_allocator", "alloc and free must both be set");
  g_alloc = *a;
  return CHUNKER_OK;
}

void chunker_buffer_free(chunker_buffer* buf) {
  if (buf == nullptr) return;
  if (buf->data != nullptr) g_alloc.free(g_alloc.ctx, buf->data);
  buf->data = nullptr;
  buf->len = 0;
}

chunker_status chunker_hash_parse(const char* name, int* out) {
  return guard("chunker_hash_parse", [&]() -> chunker_status {
    if (name == nullptr) return null_arg("chunker_hash_parse", "name");
    if (out == nullptr) return null_arg("chunker_hash_parse", "out");
    auto a = parse_hash_algo(name);
    if (!a) return from(a.status());
    *out = static_cast<int>(*a);
    return CHUNKER_OK;
  });
}

chunker_status chunker_options_init(chunker_options* opts) {
  if (opts == nullptr) return null_arg("chunker_options_init", "opts");
  const fastcdc::Params p;
  std::memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
  opts->min_size = p.min_size;
  opts->avg_size = p.avg_size;
  opts->max_size = p.max_size;
  opts->level = p.level;
  opts->seed = p.seed;
  opts->hash = CHUNKER_HASH_SHA256;
  opts->threads = 1;
  return CHUNKER_OK;
}

chunker_status chunker_options_preset(chunker_options* opts, const char* name) {
  return guard("chunker_options_preset", [&]() -> chunker_status {
    if (opts == nullptr) return null_arg("chunker_options_preset", "opts");
    if (name == nullptr) return null_arg("chunker_options_preset", "name");
    auto p = fastcdc::preset(name);
    if (!p) return from(p.status());
    opts->min_size = p->min_size;
    opts->avg_size = p->avg_size;
    opts->max_size = p->max_size;
    opts->level = p->level;
    opts->seed = p->seed;
    return CHUNKER_OK;
  });
}

}  // extern "C"
