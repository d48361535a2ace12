// Stored names, hex digests and the store's relative paths.
#include <string>

#include "chunker/blake3.hpp"
#include "chunker/encoding.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "fs_util.hpp"

namespace chunker::store {

Status validate_name(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status(Errc::invalid_argument, "invalid stored name '" + std::string(name.substr(0, 200)) + "': " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxNameBytes) return bad("longer than " + std::to_string(kMaxNameBytes) + " bytes");
  if (name.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (name.front() == '/') return bad("absolute (starts with '/')");
  std::size_t start = 0;
  for (;;) {
    std::size_t end = name.find('/', start);
    std::string_view comp = name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (comp.empty()) return bad("empty path component");
    if (comp == "." || comp == "..") return bad("'" + std::string(comp) + "' component");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // UTF-8: shortest forms, no surrogates (the JSON reader gives the same guarantee).
  for (std::size_t i = 0; i < name.size();) {
    unsigned c = static_cast<unsigned char>(name[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > name.size()) return bad("not valid UTF-8");
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(name[i + k]) & 0xc0) != 0x80) return bad("not valid UTF-8");
    unsigned c1 = n > 1 ? static_cast<unsigned char>(name[i + 1]) : 0;
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
      return bad("not valid UTF-8");
    i += n;
  }
  return {};
}

Result<std::string> normalize_name(std::string_view path) {
  bool dotdot = false;
  std::string out = fs::clean_components(path, &dotdot);
  if (dotdot)
    return Status(Errc::invalid_argument, "'" + std::string(path) + "': a '..' component cannot be stored; use --name");
  CHUNKER_TRY(validate_name(out));
  return out;
}

std::string to_hex(const Digest& d) { return hex_encode(d); }

Result<Digest> parse_hex(std::string_view hex) {
  Digest d{};
  auto bad = [&] {
    return Status(Errc::corrupt_input, "expected 64 lower-case hex digits, got '" + std::string(hex.substr(0, 80)) + "'");
  };
  if (hex.size() != 64) return bad();
  for (std::size_t i = 0; i < 64; ++i) {
    char c = hex[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return bad();
    d[i / 2] = static_cast<std::uint8_t>(i % 2 == 0 ? v << 4 : d[i / 2] | v);
  }
  return d;
}

std::string chunk_rel_path(const Digest& d) {
  std::string h = to_hex(d);
  return "chunks/" + h.substr(0, 2) + "/" + h;
}

std::string pack_rel_path(const Digest& d) {
  std::string h = to_hex(d);
  return "packs/" + h.substr(0, 2) + "/" + h + ".pack";
}

std::string index_rel_path(const Digest& d) { return "index/" + to_hex(d) + ".idx"; }

std::string manifest_rel_path(std::string_view name) {
  auto d = blake3::hash({reinterpret_cast<const std::uint8_t*>(name.data()), name.size()});
  return "manifests/" + to_hex(d) + ".json";
}

}  // namespace chunker::store
