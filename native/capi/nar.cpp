// C ABI: the NAR hash of a path (nar_fs.hpp hash_path).
#include <cstring>

#include "capi.hpp"
#ifdef CHUNKER_HAVE_NIX
#include "chunker/nar_fs.hpp"
#endif

using namespace chunker;
using namespace chunker::capi;

static_assert(CHUNKER_NAR_HASH_LEN == sizeof("sha256:") - 1 + 52 + 1);

extern "C" {

chunker_status chunker_nar_hash_path(const char* path, char* out, size_t cap, uint64_t* nar_size) {
  constexpr const char* fn = "chunker_nar_hash_path";
  return guard(fn, [&]() -> chunker_status {
    if (path == nullptr) return null_arg(fn, "path");
    if (out == nullptr) return null_arg(fn, "out");
    if (cap < CHUNKER_NAR_HASH_LEN)
      return failf(Errc::output_limit, fn, "the buffer holds %zu characters, CHUNKER_NAR_HASH_LEN (%d) needed", cap,
                   CHUNKER_NAR_HASH_LEN);
#ifdef CHUNKER_HAVE_NIX
    auto h = nar::hash_path(path);
    if (!h) return from(h.status());
    const std::string s = h->to_string();
    if (s.size() + 1 > cap) return failf(Errc::internal, fn, "unexpected NAR hash form %s", s.c_str());
    std::memcpy(out, s.c_str(), s.size() + 1);
    if (nar_size) *nar_size = h->nar_size;
    return CHUNKER_OK;
#else
    (void)nar_size;
    return failf(Errc::unsupported_format, fn, "this library was built without Nix support (CHUNKER_WITH_NIX=OFF)");
#endif
  });
}

}  // extern "C"
