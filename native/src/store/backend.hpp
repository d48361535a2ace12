// Where a chunk store's objects live (docs/store-format.md, "Backends"). The
// store's logic (put, gc, get, ls, verify, migrate) is written once against
// this interface; a local directory and an S3 bucket prefix implement it.
// Keys are relative and '/'-separated ("packs/ab/<h>.pack"); every error
// names the object (describe(key)).
//
// Only what object storage offers: create-only writes, atomic overwrites,
// whole and ranged reads, stat, listing by prefix (with sizes and storage
// timestamps), delete. No locks, no renames of shared objects, no appends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"

namespace chunker::store {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;      // listings: with `times` (S3: always)
  std::int64_t mtime_ns = 0;   // storage timestamp (local: mtime; S3: LastModified)
  std::string etag;            // S3 only
  bool regular = true;         // local: false for anything but a regular file (reported, never used)
};

// Names whose durability is still pending (local: directories to fsync; S3:
// nothing), so that a batch of creates/removes shares one flush: sync().
using SyncSet = std::set<std::string>;

// An overwrite prepared but not yet visible (Backend::stage).
struct Staged {
  std::string key;
  std::string tmp;                  // local: a temporary holding the bytes (not synced)
  std::vector<std::uint8_t> bytes;  // object storage: the bytes, sent by the commit
  std::string etag;                 // object storage: the ETag the commit's PUT returned
};

// Positional reads of one reader thread (local: keeps the last files open;
// S3: ranged GETs that read ahead while the reads are sequential).
class RangeReader {
 public:
  virtual ~RangeReader() = default;
  // Exactly `length` bytes at `offset` of `key`, else an error naming it.
  virtual Status read(std::string_view key, std::uint64_t offset, std::uint32_t length,
                      std::vector<std::uint8_t>& out) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // "DIR/key" or "s3://BUCKET/PREFIX/key"; the store itself for an empty key.
  virtual std::string describe(std::string_view key = {}) const = 0;
  virtual bool local() const noexcept = 0;
  // Requests worth having in flight at once for independent small objects
  // and uploads (1: a local file system gains nothing from more).
  virtual unsigned io_parallelism() const noexcept = 0;

  // init: whatever must exist before the first object (local: DIR and its
  // subdirectories; the directories to fsync go to `pending`).
  virtual Status prepare_root(SyncSet& pending) = 0;
  // open: the layout is complete (local: these subdirectories exist).
  virtual Status check_root(std::span<const char* const> subdirs) = 0;

  // Whole object into `out`; false: no such object. Errc::output_limit when
  // it is larger than `limit`.
  virtual Result<bool> read(std::string_view key, std::size_t limit, std::vector<std::uint8_t>& out) = 0;
  // nullopt: no such object.
  virtual Result<std::optional<ObjectInfo>> stat(std::string_view key) = 0;
  // Every object under `prefix` (a "dir/" prefix), at any depth, sorted by
  // key. `times`: fill size and mtime_ns (local: one stat each; S3 lists them
  // anyway). A missing local directory lists as empty (as on S3).
  virtual Status list(std::string_view prefix, bool times, std::vector<ObjectInfo>& out) = 0;
  virtual std::unique_ptr<RangeReader> range_reader() = 0;

  // Create-only: the complete object appears under `key`, or nothing does and
  // the result is false (the key existed). Its bytes are durable on return,
  // its name after sync(pending).
  virtual Result<bool> create(std::string_view key, std::span<const std::uint8_t> data, SyncSet& pending) = 0;
  // Atomic overwrite (a reader sees the old or the new object, never a mix);
  // durable as create.
  virtual Status replace(std::string_view key, std::span<const std::uint8_t> data, SyncSet& pending) = 0;
  // Overwrites prepared ahead of their commit (put: the worker that read a
  // file stages its manifest; one commit makes a batch durable at once).
  virtual Result<Staged> stage(std::string key, std::span<const std::uint8_t> data) = 0;
  // Durable together on return (local: one syncfs, renames, one fsync per
  // directory; S3: PUTs, several in flight, each one's ETag kept). A
  // committed one has neither `tmp` nor `bytes` left; on failure some may
  // have been committed.
  virtual Status commit_staged(std::span<Staged* const> items) = 0;
  // One that will not be committed (local: its temporary is removed).
  virtual void discard(Staged& s) noexcept = 0;
  // false: it was not there (S3 cannot tell: always true). `pending`
  // collects what makes the removal durable (null: no need).
  virtual Result<bool> remove(std::string_view key, SyncSet* pending) = 0;
  // Every object under prefix ("dir/"), recursively.
  virtual Status remove_prefix(std::string_view prefix) = 0;
  virtual Status sync(SyncSet& pending) = 0;
  // Leftovers of interrupted writes older than `before_ns` (a storage
  // timestamp): local tmp/ files, S3 incomplete multipart uploads. Counted in
  // `removed`; with dry_run only counted.
  virtual Status sweep_temporaries(std::int64_t before_ns, bool dry_run, std::uint64_t& removed) = 0;
};

// A path or an s3:// URL (docs/s3.md); no I/O for a path.
Result<std::shared_ptr<Backend>> open_backend(const std::string& location);
bool is_s3_url(std::string_view location);
std::shared_ptr<Backend> local_backend(std::string dir);
#ifdef CHUNKER_HAVE_S3
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; no traffic yet.
Result<std::shared_ptr<Backend>> s3_backend(std::string_view url);
#endif

}  // namespace chunker::store
