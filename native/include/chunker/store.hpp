// Content-addressed chunk store (docs/store-format.md, version 1): files are
// split with FastCDC, each unique chunk is kept once under its BLAKE3 hash
// (compressed with the adaptive strategy), and a JSON manifest per file lists
// its chunks. Every write is crash-safe (tmp file, fsync, rename, fsync dir)
// and chunks are durable before the manifest that references them.
//
//   auto s = store::Store::init("dir", *fastcdc::preset("64k"));
//   auto r = s->put("docs/a.txt", "/path/to/a.txt");
//   CHUNKER_TRY(s->get("docs/a.txt", [&](std::span<const std::uint8_t> b) { return write(b); }));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/function_ref.hpp"
#include "chunker/hash.hpp"

namespace chunker::store {

inline constexpr std::size_t kMaxNameBytes = 4096;
inline constexpr std::size_t kMaxStoreJsonBytes = 64 << 10;
inline constexpr std::size_t kMaxManifestBytes = std::size_t{256} << 20;

// Codec tags at offset 0 of a chunk file.
enum class ChunkTag : std::uint8_t { stored = 0, zstd = 1, lz4 = 2, xz = 3, bzip2 = 4 };

struct ChunkRef {
  Digest hash{};
  std::uint32_t length = 0;
  friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

struct Manifest {
  std::string name;
  std::uint64_t size = 0;
  Digest blake3{};
  std::vector<ChunkRef> chunks;
};

// ---- names, hex, JSON documents (pure functions) ------------------------------

// Errc::invalid_argument unless `name` is a valid stored name (format doc).
Status validate_name(std::string_view name);
// A command-line path turned into a stored name: leading '/', '.' and empty
// components are dropped; '..' is rejected (use an explicit name instead).
Result<std::string> normalize_name(std::string_view path);
std::string to_hex(const Digest& d);
// Exactly 64 lower-case hex digits.
Result<Digest> parse_hex(std::string_view hex);
// "chunks/ab/<hex>" and "manifests/<hex>.json" relative to the store.
std::string chunk_rel_path(const Digest& d);
std::string manifest_rel_path(std::string_view name);

std::string store_json(const fastcdc::Params& chunking);
// Validates format/version/hash and the chunking parameters.
Result<fastcdc::Params> parse_store_json(std::string_view text);
std::string manifest_json(const Manifest& m);
// Validates every field against the format, chunk lengths against max_size.
Result<Manifest> parse_manifest(std::string_view text, const fastcdc::Params& chunking);

// Chunk file bytes (tag + payload) -> chunk bytes; checks the size limit and
// that the bytes hash to `expected`. Errc::corrupt_input otherwise.
Status decode_chunk(std::span<const std::uint8_t> file, const Digest& expected, std::uint32_t max_size,
                    std::vector<std::uint8_t>& out);

// ---- the store -------------------------------------------------------------------

struct PutResult {
  std::string name;
  std::uint64_t size = 0;
  std::uint64_t chunks = 0;
  std::uint64_t new_chunks = 0;   // chunk files written by this put
  std::uint64_t new_bytes = 0;    // their size on disk (tag + compressed)
};

struct ListEntry {
  std::string manifest_file;      // path of the manifest, for messages
  Result<Manifest> manifest;      // or why it could not be read
};

struct VerifyReport {
  std::uint64_t chunks_checked = 0;
  std::uint64_t manifests_checked = 0;
  std::vector<std::string> problems;  // one line each, naming the file
  bool ok() const noexcept { return problems.empty(); }
};

struct GcOptions {
  std::int64_t grace_seconds = 3600;
  bool dry_run = false;
};
struct GcReport {
  std::uint64_t chunks_kept = 0;
  std::uint64_t chunks_removed = 0, bytes_removed = 0;
  std::uint64_t chunks_young = 0;   // unreferenced but within the grace period
  std::uint64_t tmp_removed = 0;
};

using WriteFn = FunctionRef<Status(std::span<const std::uint8_t>)>;

class Store {
 public:
  // Creates DIR (if needed) with store.json, chunks/, manifests/, tmp/.
  // Fails if DIR already holds a store.json.
  static Result<Store> init(const std::string& dir, const fastcdc::Params& chunking);
  // Opens an existing store (reads and validates store.json).
  static Result<Store> open(const std::string& dir);

  const std::string& dir() const noexcept { return dir_; }
  const fastcdc::Params& chunking() const noexcept { return chunking_; }

  // Stores the regular file at `path` under `name` (threads: 0 = all cores).
  Result<PutResult> put(const std::string& name, const std::string& path, unsigned threads = 0);
  // Streams the file stored under `name` to `write`, checking every chunk's
  // hash and, at the end, the whole file's BLAKE3 (Errc::verification_failed).
  Status get(const std::string& name, WriteFn write) const;
  Result<Manifest> read_manifest(std::string_view name) const;
  // Every manifest, sorted by name (unreadable ones sorted by file name, with their error).
  Result<std::vector<ListEntry>> list() const;
  VerifyReport verify(unsigned threads = 0) const;
  // Refuses to run (error) if any manifest cannot be read: deleting chunks it
  // may reference would lose data.
  Result<GcReport> gc(const GcOptions& opts) const;

 private:
  Store(std::string dir, fastcdc::Params p) : dir_(std::move(dir)), chunking_(p) {}
  std::string dir_;
  fastcdc::Params chunking_;
};

}  // namespace chunker::store
