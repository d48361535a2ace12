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

inline constexpr std::uint64_t kDefaultPackSize = 16 << 20;

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

// ---- stored names -------------------------------------------------------------------

// Errc::invalid_argument unless `name` is a valid stored name (format doc).
Status validate_name(std::string_view name);
// A command-line path turned into a stored name: leading '/', '.' and empty
// components are dropped; '..' is rejected (use an explicit name instead).
Result<std::string> normalize_name(std::string_view path);

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
