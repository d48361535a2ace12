// Content-addressed chunk store (docs/store-format.md, version 2): files are
// split with FastCDC, each unique chunk is kept once (compressed) in an
// immutable pack, immutable index files say where, and a JSON manifest per
// file (with a checksum of itself) lists its chunks. Commit order: packs,
// then index, then manifest; put and gc coordinate through create-only lease
// and plan files, never locks (the same protocol works on S3). Version-1
// stores (one file per chunk) stay readable and `migrate()` converts them.
//
//   auto s = store::Store::init("dir", *fastcdc::preset("64k"));
//   auto r = s->put("docs/a.txt", "/path/to/a.txt");
//   CHUNKER_TRY(s->get("docs/a.txt", [&](std::span<const std::uint8_t> b) { return write(b); }));
#pragma once

#include <cstdint>
#include <memory>
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
inline constexpr std::size_t kMaxIndexBytes = std::size_t{256} << 20;
inline constexpr std::uint64_t kMaxPackBytes = std::uint64_t{1} << 30;
inline constexpr std::uint32_t kMaxPackBlobs = 1000000;
inline constexpr std::uint64_t kDefaultPackSize = 16 << 20;

// Codec tag at offset 0 of a blob (a v1 chunk file is one blob).
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
  std::uint32_t version = 2;  // as read; writers always write 2
};

struct StoreConfig {
  std::uint32_t version = 2;
  fastcdc::Params chunking;
  std::string id;                          // 32 hex digits (v2); empty in v1
  std::uint64_t pack_size = kDefaultPackSize;
};

// ---- names, hex, documents, binary containers (pure functions) ----------------

// Errc::invalid_argument unless `name` is a valid stored name (format doc).
Status validate_name(std::string_view name);
// A command-line path turned into a stored name: leading '/', '.' and empty
// components are dropped; '..' is rejected (use an explicit name instead).
Result<std::string> normalize_name(std::string_view path);
std::string to_hex(const Digest& d);
// Exactly 64 lower-case hex digits.
Result<Digest> parse_hex(std::string_view hex);
std::string chunk_rel_path(const Digest& d);            // v1: "chunks/ab/<hex>"
std::string pack_rel_path(const Digest& d);             // "packs/ab/<hex>.pack"
std::string index_rel_path(const Digest& d);            // "index/<hex>.idx"
std::string manifest_rel_path(std::string_view name);   // "manifests/<BLAKE3(name)>.json"

std::string store_json(const StoreConfig& c);
// Validates format/version/hash/id and the chunking parameters.
Result<StoreConfig> parse_store_json(std::string_view text);
// BLAKE3 of the manifest's canonical binary form (format doc).
Digest manifest_checksum(const Manifest& m);
std::string manifest_json(const Manifest& m);  // version 2, with "checksum"
// Validates every field, chunk lengths against max_size, and the checksum of a
// version-2 manifest; `require_v2` refuses version 1 (v2 stores).
Result<Manifest> parse_manifest(std::string_view text, const fastcdc::Params& chunking, bool require_v2 = true);

// Blob (tag + payload) -> chunk bytes; checks the size limit and that the bytes
// hash to `expected`. Errc::corrupt_input otherwise.
Status decode_chunk(std::span<const std::uint8_t> blob, const Digest& expected, std::uint32_t max_size,
                    std::vector<std::uint8_t>& out);

struct BlobEntry {
  Digest hash{};
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t raw_length = 0;
  friend bool operator==(const BlobEntry&, const BlobEntry&) = default;
};
// Builds one pack in memory: magic, blobs, footer, trailer.
class PackBuilder {
 public:
  PackBuilder();
  void add(const Digest& hash, std::uint32_t raw_length, std::span<const std::uint8_t> blob);
  // Two-part form for a blob built in place: tag byte + payload.
  void add(const Digest& hash, std::uint32_t raw_length, std::uint8_t tag, std::span<const std::uint8_t> payload);
  std::size_t blobs() const noexcept { return entries_.size(); }
  std::uint64_t bytes() const noexcept { return data_.size(); }
  // Room for `bytes` of blobs without regrowing (a growing pack would be copied at every doubling).
  void reserve(std::size_t bytes) { data_.reserve(bytes); }
  bool empty() const noexcept { return entries_.empty(); }
  // Appends the footer; returns the pack's bytes and name. The builder is reset.
  std::vector<std::uint8_t> finish(Digest& name, std::vector<BlobEntry>& entries);

 private:
  std::vector<std::uint8_t> data_;
  std::vector<BlobEntry> entries_;
};
// The footer of a whole pack file (checks magic, trailer, contiguous blobs).
Result<std::vector<BlobEntry>> parse_pack(std::span<const std::uint8_t> pack, const fastcdc::Params& chunking);

struct IndexEntry {
  Digest hash{};
  std::uint32_t pack = 0;  // into IndexFile::packs
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t raw_length = 0;
};
struct IndexFile {
  std::vector<Digest> packs;
  std::vector<IndexEntry> entries;
};
std::vector<std::uint8_t> encode_index(const IndexFile& idx);
Result<IndexFile> parse_index(std::span<const std::uint8_t> bytes, const fastcdc::Params& chunking);

// ---- the store -------------------------------------------------------------------

struct PutResult {
  std::string name;
  std::string path;
  Status status;                  // per-file outcome; the other fields are valid when ok
  std::uint64_t size = 0;
  std::uint64_t chunks = 0;
  std::uint64_t new_chunks = 0;   // chunks this put stored
  std::uint64_t new_bytes = 0;    // their blob bytes
  bool unchanged = false;         // skipped: files cache hit, manifest and chunks still there
};

struct PutItem {
  std::string name;  // stored name (validated)
  std::string path;  // file to read
};

struct PutOptions {
  unsigned threads = 0;           // 0 = all cores
  bool use_cache = true;          // files cache (format doc); false = read every file
  std::string cache_dir{};        // empty: $XDG_CACHE_HOME/chunker/files (or ~/.cache/...)
};

struct PutSummary {
  std::uint64_t files_ok = 0, files_failed = 0, files_unchanged = 0;
  std::uint64_t bytes = 0, new_chunks = 0, new_bytes = 0;
  std::uint64_t packs_written = 0, index_written = 0;
};

struct ListEntry {
  std::string manifest_file;      // path of the manifest, for messages
  Result<Manifest> manifest;      // or why it could not be read
};

struct VerifyReport {
  std::uint64_t chunks_checked = 0;
  std::uint64_t packs_checked = 0;
  std::uint64_t index_checked = 0;
  std::uint64_t manifests_checked = 0;
  std::vector<std::string> problems;  // one line each, naming the file
  bool ok() const noexcept { return problems.empty(); }
};

struct GcOptions {
  std::int64_t grace_seconds = 3600;
  std::int64_t wait_seconds = 0;        // wait this long for writers that predate the plan
  bool dry_run = false;
  std::vector<std::string> break_leases{};  // lease ids to remove by hand (their process must be gone)
};
struct GcReport {
  std::uint64_t chunks_kept = 0;        // v1
  std::uint64_t chunks_removed = 0, bytes_removed = 0;
  std::uint64_t chunks_young = 0;       // v1: unreferenced but within the grace period
  std::uint64_t packs_kept = 0, packs_removed = 0, packs_repacked = 0, packs_young = 0;
  std::uint64_t index_removed = 0;      // index files replaced by the compacted one
  std::uint64_t tmp_removed = 0, markers_removed = 0;
  bool deferred = false;                // writers predating the plan were running: nothing deleted
  std::uint64_t writers_running = 0;
};

using WriteFn = FunctionRef<Status(std::span<const std::uint8_t>)>;
using PutFileFn = FunctionRef<void(const PutResult&)>;

class Backend;  // where the objects live: a directory or an S3 bucket prefix

// A store lives in a local directory (LOCATION = a path) or under an S3
// bucket prefix (LOCATION = s3://BUCKET[/PREFIX]?endpoint=URL[&region=R],
// credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; docs/s3.md);
// both hold the same keys and every operation works on both (migrate: a
// version-1 store is always local).
class Store {
 public:
  // Creates the store (a directory is created if needed). Fails with
  // Errc::io_error if LOCATION already holds a store.json.
  static Result<Store> init(const std::string& location, const fastcdc::Params& chunking,
                            std::uint64_t pack_size = kDefaultPackSize);
  // Opens an existing store (v1 or v2; reads and validates store.json).
  static Result<Store> open(const std::string& location);

  // The location as given (path or URL).
  const std::string& dir() const noexcept { return dir_; }
  const fastcdc::Params& chunking() const noexcept { return cfg_.chunking; }
  const StoreConfig& config() const noexcept { return cfg_; }
  std::uint32_t version() const noexcept { return cfg_.version; }

  // Stores files (v2 only). Each file is reported once through `on_file`, after
  // its manifest is committed (or with the error that stopped it; other files
  // go on). Returns an error only when the whole put could not run.
  Result<PutSummary> put_files(const std::vector<PutItem>& items, const PutOptions& opts, PutFileFn on_file);
  // One file; its error as the result.
  Result<PutResult> put(const std::string& name, const std::string& path, unsigned threads = 0);
  // Streams the file stored under `name` to `write`: the manifest's checksum is
  // checked before anything is written, every chunk before it is written, the
  // whole file's BLAKE3 at the end (Errc::verification_failed). Stops at the first bad chunk.
  Status get(const std::string& name, WriteFn write) const;
  Result<Manifest> read_manifest(std::string_view name) const;
  // Every manifest, sorted by name (unreadable ones sorted by file name, with their error).
  Result<std::vector<ListEntry>> list() const;
  // Everything get checks for every file, plus packs and index (format doc).
  VerifyReport verify(unsigned threads = 0) const;
  // Refuses to run (error) if any manifest cannot be read: deleting data it
  // may reference would lose data.
  Result<GcReport> gc(const GcOptions& opts) const;
  // v1 -> v2 in place (format doc); a v2 store is left as it is.
  Status migrate(unsigned threads = 0);

 private:
  Store(std::string dir, std::shared_ptr<Backend> b, StoreConfig c)
      : dir_(std::move(dir)), backend_(std::move(b)), cfg_(std::move(c)) {}
  VerifyReport verify_v1(unsigned threads) const;
  Result<GcReport> gc_v1(const GcOptions& opts) const;
  std::string dir_;
  std::shared_ptr<Backend> backend_;
  StoreConfig cfg_;
};

// Requests this process made to object storage so far, as one JSON object
// ({"requests":N,"get":…,"bytes_up":…}), or "" if none: for
// CHUNKER_S3_STATS=1 and the benchmarks' requests-per-GiB figures.
std::string s3_request_stats();

}  // namespace chunker::store
