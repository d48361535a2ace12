// store.json and manifest documents: writing (compact, fixed key order) and
// strict reading (any valid JSON layout; unknown keys are ignored so later
// minor additions stay readable).
#include <string>

#include "chunker/blake3.hpp"
#include "chunker/json_reader.hpp"
#include "chunker/store.hpp"
#include "format.hpp"

namespace chunker::store {
namespace {

Status bad(const std::string& what, const std::string& why) { return Status(Errc::corrupt_input, what + ": " + why); }

Result<std::uint64_t> get_u64(const json::Value& obj, const char* key, const std::string& what) {
  const json::Value* v = obj.find(key);
  if (!v) return bad(what, std::string("missing \"") + key + "\"");
  auto n = v->as_u64();
  if (!n) return bad(what, std::string("\"") + key + "\" must be a non-negative integer");
  return *n;
}

Result<std::string> get_string(const json::Value& obj, const char* key, const std::string& what) {
  const json::Value* v = obj.find(key);
  if (!v) return bad(what, std::string("missing \"") + key + "\"");
  if (!v->is_string()) return bad(what, std::string("\"") + key + "\" must be a string");
  return v->text;
}

// Checks "format" and returns "version" (1 or 2).
Result<std::uint32_t> expect_header(const json::Value& root, const char* format, const std::string& what) {
  if (!root.is_object()) return bad(what, "expected a JSON object");
  auto f = get_string(root, "format", what);
  if (!f) return f.status();
  if (*f != format)
    return Status(Errc::unsupported_format, what + ": unknown format \"" + *f + "\" (expected \"" + format + "\")");
  auto v = get_u64(root, "version", what);
  if (!v) return v.status();
  if (*v != 1 && *v != 2)
    return Status(Errc::unsupported_format, what + ": unsupported version " + std::to_string(*v) + " (expected 1 or 2)");
  return static_cast<std::uint32_t>(*v);
}

}  // namespace

std::string store_json(const StoreConfig& c) {
  const auto& p = c.chunking;
  std::string out = "{\"format\":\"chunker-store\",\"version\":" + std::to_string(c.version) + ",\"hash\":\"blake3\"";
  if (c.version >= 2) out += ",\"id\":\"" + c.id + "\"";
  out += ",\"chunking\":{\"min\":" + std::to_string(p.min_size) + ",\"avg\":" + std::to_string(p.avg_size) +
         ",\"max\":" + std::to_string(p.max_size) + ",\"level\":" + std::to_string(p.level) +
         ",\"seed\":" + std::to_string(p.seed) + "}";
  if (c.version >= 2) out += ",\"pack_size\":" + std::to_string(c.pack_size);
  return out + "}\n";
}

Result<StoreConfig> parse_store_json(std::string_view text) {
  const std::string what = "store.json";
  auto root = json::parse(text, {.max_bytes = kMaxStoreJsonBytes, .max_depth = 8});
  if (!root) return Status(root.status().code(), what + ": " + root.status().message());
  auto version = expect_header(*root, "chunker-store", what);
  if (!version) return version.status();
  StoreConfig cfg;
  cfg.version = *version;
  auto h = get_string(*root, "hash", what);
  if (!h) return h.status();
  if (*h != "blake3") return Status(Errc::unsupported_format, what + ": unsupported hash \"" + *h + "\" (expected \"blake3\")");
  const json::Value* c = root->find("chunking");
  if (!c || !c->is_object()) return bad(what, "missing \"chunking\" object");
  fastcdc::Params p;
  std::uint64_t vals[5];
  const char* keys[5] = {"min", "avg", "max", "level", "seed"};
  for (int i = 0; i < 5; ++i) {
    auto v = get_u64(*c, keys[i], what + " chunking");
    if (!v) return v.status();
    vals[i] = *v;
  }
  if (vals[0] > 0xffffffffu || vals[1] > 0xffffffffu || vals[2] > 0xffffffffu || vals[3] > 3)
    return bad(what, "chunking parameters out of range");
  p.min_size = static_cast<std::uint32_t>(vals[0]);
  p.avg_size = static_cast<std::uint32_t>(vals[1]);
  p.max_size = static_cast<std::uint32_t>(vals[2]);
  p.level = static_cast<std::uint32_t>(vals[3]);
  p.seed = vals[4];
  if (Status s = fastcdc::validate(p); !s.ok()) return bad(what, s.message());
  cfg.chunking = p;
  if (cfg.version >= 2) {
    auto id = get_string(*root, "id", what);
    if (!id) return id.status();
    bool hex = id->size() == 32;
    for (char ch : *id) hex = hex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    if (!hex) return bad(what, "\"id\" must be 32 lower-case hex digits");
    cfg.id = *id;
    auto ps = get_u64(*root, "pack_size", what);
    if (!ps) return ps.status();
    if (*ps < (1u << 20) || *ps > kMaxPackBytes) return bad(what, "\"pack_size\" must be between 1 MiB and 1 GiB");
    cfg.pack_size = *ps;
  }
  return cfg;
}

Digest manifest_checksum(const Manifest& m) {
  // Fed piecewise: no copy of the chunk list, and no vector growth for GCC 12
  // to misjudge (its -Wstringop-overflow false positives under LTO).
  blake3::Hasher h;
  auto feed = [&h](const void* p, std::size_t n) { h.update({static_cast<const std::uint8_t*>(p), n}); };
  auto feed_le = [&feed](std::uint64_t v, int bytes) {
    std::uint8_t b[8];
    for (int i = 0; i < bytes; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    feed(b, static_cast<std::size_t>(bytes));
  };
  static constexpr char kTag[] = "chunker-manifest-v2\n";
  feed(kTag, 20);
  feed_le(m.name.size(), 4);
  feed(m.name.data(), m.name.size());
  feed_le(m.size, 8);
  feed(m.blake3.data(), m.blake3.size());
  feed_le(m.chunks.size(), 8);
  for (const auto& c : m.chunks) {
    feed(c.hash.data(), c.hash.size());
    feed_le(c.length, 4);
  }
  return h.finalize();
}

std::string manifest_json(const Manifest& m) {
  std::string out;
  out.reserve(160 + m.name.size() + m.chunks.size() * 80);
  out += "{\"format\":\"chunker-manifest\",\"version\":2,\"name\":";
  json::append_string(out, m.name);
  out += ",\"size\":" + std::to_string(m.size) + ",\"blake3\":\"" + to_hex(m.blake3) + "\",\"chunks\":[";
  for (std::size_t i = 0; i < m.chunks.size(); ++i) {
    if (i) out += ',';
    out += "[\"" + to_hex(m.chunks[i].hash) + "\"," + std::to_string(m.chunks[i].length) + "]";
  }
  out += "],\"checksum\":\"" + to_hex(manifest_checksum(m)) + "\"}\n";
  return out;
}

Result<Manifest> parse_manifest(std::string_view text, const fastcdc::Params& chunking, bool require_v2) {
  std::string what = "manifest";
  auto root = json::parse(text, {.max_bytes = kMaxManifestBytes, .max_depth = 8});
  if (!root) return Status(root.status().code(), what + ": " + root.status().message());
  auto version = expect_header(*root, "chunker-manifest", what);
  if (!version) return version.status();
  Manifest m;
  m.version = *version;
  auto name = get_string(*root, "name", what);
  if (!name) return name.status();
  if (Status s = validate_name(*name); !s.ok()) return bad(what, s.message());
  m.name = std::move(*name);
  what = "manifest of '" + m.name + "'";
  auto size = get_u64(*root, "size", what);
  if (!size) return size.status();
  m.size = *size;
  auto b3 = get_string(*root, "blake3", what);
  if (!b3) return b3.status();
  auto d = parse_hex(*b3);
  if (!d) return bad(what, "\"blake3\": " + d.status().message());
  m.blake3 = *d;
  const json::Value* chunks = root->find("chunks");
  if (!chunks || !chunks->is_array()) return bad(what, "missing \"chunks\" array");
  m.chunks.reserve(chunks->items.size());
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < chunks->items.size(); ++i) {
    const json::Value& c = chunks->items[i];
    const std::string at = "chunk " + std::to_string(i);
    if (!c.is_array() || c.items.size() != 2 || !c.items[0].is_string())
      return bad(what, at + ": expected [\"<hex>\", length]");
    auto h = parse_hex(c.items[0].text);
    if (!h) return bad(what, at + ": " + h.status().message());
    auto len = c.items[1].as_u64();
    if (!len || *len == 0 || *len > chunking.max_size)
      return bad(what, at + ": length must be between 1 and the store's max chunk size " +
                           std::to_string(chunking.max_size));
    sum += *len;  // cannot overflow: < 2^32 per entry and far fewer than 2^32 entries fit the size limit
    m.chunks.push_back({*h, static_cast<std::uint32_t>(*len)});
  }
  if (sum != m.size)
    return bad(what, "chunk lengths sum to " + std::to_string(sum) + ", not the size " + std::to_string(m.size));
  if (m.version == 1) {
    if (require_v2) return bad(what, "version-1 manifest (no checksum) in a version-2 store");
    return m;
  }
  auto sum_hex = get_string(*root, "checksum", what);
  if (!sum_hex) return sum_hex.status();
  auto cs = parse_hex(*sum_hex);
  if (!cs) return bad(what, "\"checksum\": " + cs.status().message());
  if (*cs != manifest_checksum(m))
    return bad(what, "checksum mismatch: the manifest was altered or damaged after it was written");
  return m;
}

}  // namespace chunker::store
