// Store::put_files (docs/store-format.md): files are read once, chunked,
// hashed and compressed on worker threads; new chunks go into shared packs
// (written create-only, fsync'd once each); manifests are committed in
// batches after the packs and index files they need are durable, and only
// after the put/gc protocol's re-check (lease, gc plans, packs still there).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "chunker/blake3.hpp"
#include "chunker/codec.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "chunker/thread_pool.hpp"
#include "backend.hpp"
#include "files_cache.hpp"
#include "fs_util.hpp"
#include "markers.hpp"
#include "pack_writer.hpp"
#include "fanout.hpp"
#include "store_index.hpp"

namespace chunker::store {

namespace {

Stamp to_stamp(const FileStamp& f) { return {f.dev, f.ino, f.size, f.mtime_ns, f.ctime_ns}; }

// THE place put reads a file: read_input (input.hpp) reads every byte once,
// to EOF, into memory the process owns; chunks, their hashes, the stage's
// stored bytes and the whole-file BLAKE3 all come from those bytes, and a
// file that changed while read is an error naming it (Errc::changed).
Status read_file_through(ChunkPipeline& pipeline, const std::string& path, HashedChunkSink sink, Digest& whole,
                         std::uint64_t& bytes, Stamp& stamp) {
  auto in = InputFile::open(path);
  if (!in) return in.status();
  InputOptions io;
  io.whole_blake3 = true;
  auto rep = read_input(pipeline, *in, sink, io);
  if (!rep) {
    const Status& s = rep.status();
    return s.message().find(path) != std::string::npos ? s : Status(s.code(), path + ": " + s.message());
  }
  bytes = rep->bytes;
  whole = rep->whole_blake3;
  stamp = to_stamp(rep->before);
  return {};
}

struct PendingManifest {
  Manifest m;
  PutResult res;
  std::string abs_path;
  Staged doc;  // the manifest, staged (locally: written, not synced) by the worker that read the file
  Stamp stamp;
  bool cacheable = false;
};

class PutSession;

// Worker stage: chunks with a safe copy in the store, or already in a pack of
// this put, produce no output. New chunks are re-hashed (a chunk whose bytes
// do not hash to its name is never stored) and compressed from the same
// bytes: output = tag + payload.
// The pipeline also stages chunks it later discards (a segment's chunks
// before the true sequence joins it), so this stage records nothing: only the
// sink (append_blob), which sees emitted chunks only, decides what is stored.
// Two files meeting the same new chunk at once may both compress it; the
// second copy is dropped there.
class StoreStage final : public ChunkStage {
 public:
  explicit StoreStage(PutSession& s, unsigned workers);
  const Status& status() const noexcept { return status_; }
  Status process(unsigned worker, const HashedChunk& chunk, std::span<const std::uint8_t> in,
                 std::vector<std::uint8_t>& out) override;

 private:
  PutSession& s_;
  std::vector<codec::Compressor> ctx_;
  std::vector<std::vector<std::uint8_t>> tmp_;
  Status status_;
};

class PutSession {
 public:
  PutSession(Backend& b, const StoreConfig& cfg, const PutOptions& o, PutFileFn cb)
      : b_(b), cfg_(cfg), opts_(o), cb_(cb) {}

  Result<PutSummary> run(const std::vector<PutItem>& items);

  // ---- used by the stage (worker threads)
  bool known(const Digest& h) {
    const ChunkLoc* loc = index_.find(h, &avoid_start_);
    return loc && pack_exists(index_.packs[loc->pack]);  // a damaged store is repaired by storing it again
  }
  bool in_pack(const Digest& h) {
    std::lock_guard g(mu_);
    return in_packs_.count(h) > 0;
  }

 private:
  void put_one(ChunkPipeline& p, const PutItem& item);
  bool cache_hit(const PutItem& item, const std::string& abs, PutResult& res);
  Status append_blob(const Digest& h, std::uint32_t raw, std::span<const std::uint8_t> blob, PutResult& res);
  Status queue_pack(PackBuilder& b);
  void pack_written(Result<WrittenPack> w, SyncSet& pending);
  Status checkpoint(bool final);
  bool pack_exists(const Digest& p);
  void fail(PutResult res, Status s);
  // The files cache's key: the path made absolute lexically ('.' components
  // and repeated '/' dropped). Symlinks are not resolved (realpath costs a
  // readlink per component per file): another spelling of the same file is
  // only a cache miss, and a hit is still checked against the file's stamp.
  std::string absolute(const std::string& path) const;

  Backend& b_;
  const StoreConfig& cfg_;
  const PutOptions& opts_;
  PutFileFn cb_;
  std::int64_t start_ns_ = 0;
  std::string cwd_;  // without a trailing '/' ("" for the root)

  ChunkIndex index_;          // loaded at the start, read-only afterwards
  DigestSet avoid_start_;     // packs condemned by gc plans seen at the start
  FilesCache cache_;          // read-only while files are processed
  std::string cache_path_;
  // Object storage: ETags of the manifests the cache has entries for (one listing).
  std::unordered_map<std::string, std::string> manifest_etags_;
  std::vector<std::pair<std::string, CacheEntry>> cache_updates_;  // under commit_mu_

  std::mutex mu_;             // everything below up to commit_mu_
  PackBuilder cur_;
  DigestSet in_packs_;        // chunks in a pack of this put (written or being built)
  std::vector<WrittenPack> unindexed_;  // durable packs not yet in an index
  SyncSet dirty_dirs_;
  std::vector<PendingManifest> pending_;
  std::uint64_t packs_since_index_ = 0;
  Status fatal_;              // a store-level write error: stop everything

  std::mutex commit_mu_;      // checkpoints, results and the sets below
  DigestSet indexed_;         // chunks of this put in durable, indexed packs
  DigestSet avoid_now_;
  std::set<std::string> plans_seen_;
  std::mutex exists_mu_;
  std::unordered_map<Digest, bool, DigestHash> pack_exists_;
  bool exists_listed_ = false;  // pack_exists_ holds every pack that existed at the start
  std::mutex cb_mu_;
  PutSummary sum_;
  // Last: destroyed first, once every pack it holds is written and reported.
  PackWriter writer_{b_, [this](Result<WrittenPack> w, SyncSet& pending) { pack_written(std::move(w), pending); }};
};

StoreStage::StoreStage(PutSession& s, unsigned workers) : s_(s), tmp_(workers) {
  for (unsigned i = 0; i < workers; ++i) {
    // No XXH64 in the frames: every read checks the chunk against its BLAKE3 name.
    codec::CompressOptions o = codec::strategy_options(codec::Strategy::adaptive);
    o.checksum = false;
    auto c = codec::Compressor::create(o);
    if (!c) {
      status_ = c.status();
      return;
    }
    ctx_.push_back(std::move(*c));
  }
}

Status StoreStage::process(unsigned worker, const HashedChunk& chunk, std::span<const std::uint8_t> in,
                           std::vector<std::uint8_t>& out) {
  out.clear();
  if (s_.known(chunk.hash) || s_.in_pack(chunk.hash)) return {};
  // `in` is process-owned memory (read_input never maps files), so the bytes
  // hashed now are the bytes compressed next.
  if (blake3::hash(in) != chunk.hash)
    return Status(Errc::io_error, "chunk at offset " + std::to_string(chunk.offset) +
                                      " changed between hashing and storing (input modified while read)");
  auto& tmp = tmp_[worker];
  auto r = codec::compress_adaptive(ctx_[worker], in, tmp, /*copy_stored=*/false);
  if (!r) return r.status();
  if (!r->stored && r->codec != codec::Codec::zstd) return Status(Errc::internal, "adaptive strategy is not zstd");
  const std::span<const std::uint8_t> payload = r->stored ? in : std::span<const std::uint8_t>(tmp.data(), r->size);
  out.reserve(1 + payload.size());
  out.push_back(static_cast<std::uint8_t>(r->stored ? ChunkTag::stored : ChunkTag::zstd));
  out.insert(out.end(), payload.begin(), payload.end());
  return {};
}

bool PutSession::pack_exists(const Digest& p) {
  std::lock_guard g(exists_mu_);
  auto it = pack_exists_.find(p);
  if (it != pack_exists_.end()) return it->second;
  if (exists_listed_) return false;
  auto st = b_.stat(pack_rel_path(p));
  bool e = st && st->has_value();
  pack_exists_[p] = e;
  return e;
}

std::string PutSession::absolute(const std::string& path) const {
  std::string out = path.empty() || path[0] != '/' ? cwd_ : std::string();
  if (std::string rel = fs::clean_components(path); !rel.empty()) out += '/' + rel;
  return out.empty() ? "/" : out;
}

void PutSession::fail(PutResult res, Status s) {
  res.status = std::move(s);
  std::lock_guard g(cb_mu_);
  ++sum_.files_failed;
  cb_(res);
}

bool PutSession::cache_hit(const PutItem& item, const std::string& abs, PutResult& res) {
  const CacheEntry* e = cache_.find(abs);
  if (!e || e->name != item.name) return false;
  auto now = stamp_path(item.path);
  if (!now || !now->regular || to_stamp(*now) != e->stamp) return false;
  const std::string key = manifest_rel_path(item.name);
  Result<Manifest> m = Status(Errc::internal, "unset");
  // On object storage: the manifest object is still the one our put wrote
  // (same ETag in the listing), and the cache holds its content.
  if (auto it = manifest_etags_.find(key); !e->etag.empty() && it != manifest_etags_.end() && it->second == e->etag) {
    m = Manifest{e->name, e->size, e->blake3, e->chunks};
    if (manifest_checksum(*m) != e->checksum) return false;  // a damaged cache record
  } else {
    std::vector<std::uint8_t> text;
    auto got = b_.read(key, kMaxManifestBytes, text);
    if (!got || !*got) return false;
    m = parse_manifest({reinterpret_cast<const char*>(text.data()), text.size()}, cfg_.chunking);
  }
  if (!m || m->name != item.name || manifest_checksum(*m) != e->checksum) return false;
  for (const auto& c : m->chunks) {
    const ChunkLoc* loc = index_.find(c.hash, &avoid_start_);
    if (!loc || loc->raw_length != c.length || !pack_exists(index_.packs[loc->pack])) return false;
  }
  res.size = m->size;
  res.chunks = m->chunks.size();
  res.unchanged = true;
  return true;
}

// Locally the pack is written before submit returns (and a failure is
// returned here); on object storage it is uploaded in the background and a
// failure stops the put at the next chunk or checkpoint.
Status PutSession::queue_pack(PackBuilder& b) {
  writer_.submit(std::move(b));
  std::lock_guard g(mu_);
  return fatal_;
}

void PutSession::pack_written(Result<WrittenPack> w, SyncSet& pending) {
  std::lock_guard g(mu_);
  if (!w) {
    if (fatal_.ok()) fatal_ = w.status();
    return;
  }
  dirty_dirs_.insert(pending.begin(), pending.end());
  unindexed_.push_back(std::move(*w));
  ++packs_since_index_;
  std::lock_guard c(cb_mu_);
  ++sum_.packs_written;
}

Status PutSession::append_blob(const Digest& h, std::uint32_t raw, std::span<const std::uint8_t> blob,
                               PutResult& res) {
  PackBuilder full;
  bool flush = false, index_due = false;
  {
    std::lock_guard g(mu_);
    if (!fatal_.ok()) return fatal_;
    if (!in_packs_.insert(h).second) return {};
    if (cur_.empty()) {
      if (auto spare = writer_.take_spare()) cur_ = std::move(*spare);  // lock order: mu_, then the writer's
      // The largest a pack gets (its last blob is at most a stored chunk, tag
      // + max_size bytes; then the footer), so a recycled buffer always fits.
      cur_.reserve(cfg_.pack_size + cfg_.chunking.max_size + 1 + (1u << 16));
    }
    cur_.add(h, raw, blob);
    ++res.new_chunks;
    res.new_bytes += blob.size();
    if (cur_.bytes() >= cfg_.pack_size || cur_.blobs() >= kMaxPackBlobs) {
      std::swap(full, cur_);
      flush = true;
    }
  }
  if (!flush) return {};
  if (Status s = queue_pack(full); !s.ok()) {
    std::lock_guard g(mu_);
    fatal_ = s;
    return s;
  }
  {
    std::lock_guard g(mu_);
    index_due = packs_since_index_ >= 16;
  }
  return index_due ? checkpoint(false) : Status{};
}

// Writes an index for the durable packs not yet indexed, then commits every
// pending manifest whose chunks are all safely stored (the re-check of the
// put/gc protocol); at the end (final) the rest fail by name.
Status PutSession::checkpoint(bool final) {
  std::lock_guard c(commit_mu_);
  std::vector<WrittenPack> packs;
  SyncSet dirs;
  std::vector<PendingManifest> pend;
  {
    std::lock_guard g(mu_);
    if (!fatal_.ok()) return fatal_;
    packs.swap(unindexed_);
    dirs.swap(dirty_dirs_);
    pend.swap(pending_);
    packs_since_index_ = 0;
  }
  // A store write failing: the put stops, and the manifests taken above go
  // back to pending_, where the end of run() reports each file as failed.
  auto stop = [&](Status s, std::vector<PendingManifest>& back) {
    std::lock_guard g(mu_);
    if (fatal_.ok()) fatal_ = s;
    for (auto& p : back) pending_.push_back(std::move(p));
    return s;
  };
  // 1. packs durable (their directories), 2. one index file for them.
  if (Status s = b_.sync(dirs); !s.ok()) return stop(s, pend);
  if (!packs.empty()) {
    IndexFile f;
    for (const auto& p : packs) add_to_index(f, p);
    if (Status s = write_index(b_, f).status(); !s.ok()) return stop(s, pend);
    for (const auto& e : f.entries) indexed_.insert(e.hash);
    std::lock_guard g(cb_mu_);
    ++sum_.index_written;
  }
  // 3. the re-check: gc plans that appeared since the start, packs still there.
  if (Status s = markers::read_plans(b_, plans_seen_, avoid_now_); !s.ok()) return stop(s, pend);
  std::vector<PendingManifest*> ready, dropped;
  std::vector<PendingManifest> later;
  for (auto& p : pend) {
    bool ok = true, wait = false;
    for (const auto& ch : p.m.chunks) {
      if (indexed_.count(ch.hash)) continue;
      const ChunkLoc* loc = index_.find(ch.hash, &avoid_now_);
      if (loc && !avoid_now_.count(index_.packs[loc->pack]) && pack_exists(index_.packs[loc->pack])) continue;
      bool in_flight;
      {
        std::lock_guard g(mu_);
        in_flight = in_packs_.count(ch.hash) > 0;  // in the pack being built or not yet indexed
      }
      if (in_flight && !final) {
        wait = true;
        break;
      }
      ok = false;
      fail(p.res, Status(Errc::io_error, p.res.path + ": not committed: chunk " + to_hex(ch.hash) +
                                             " is no longer safely in the store (a concurrent gc condemned its pack, "
                                             "or it was not written); run put again"));
      break;
    }
    if (wait) later.push_back(std::move(p));
    else (ok ? ready : dropped).push_back(&p);
  }
  // 4. manifests, durable together (locally: their temporaries, one syncfs,
  // renames, one directory fsync; on S3: PUTs, several in flight).
  std::vector<Staged*> docs;
  for (auto* p : ready) docs.push_back(&p->doc);
  Status s = b_.commit_staged(docs);
  for (auto* list : {&ready, &dropped})
    for (auto* p : *list) b_.discard(p->doc);  // what was not committed
  if (!s.ok()) {
    for (auto* p : ready) fail(p->res, Status(s.code(), p->res.path + ": not committed: " + s.message()));
    return stop(s, later);
  }
  for (auto* p : ready) {
    if (p->cacheable) {
      CacheEntry ce{p->m.name, p->stamp, manifest_checksum(p->m), p->doc.etag, 0, {}, {}};
      if (!ce.etag.empty()) {
        ce.size = p->m.size;
        ce.blake3 = p->m.blake3;
        ce.chunks = p->m.chunks;
      }
      cache_updates_.push_back({p->abs_path, std::move(ce)});
    }
    std::lock_guard g(cb_mu_);
    ++sum_.files_ok;
    sum_.bytes += p->res.size;
    sum_.new_chunks += p->res.new_chunks;
    sum_.new_bytes += p->res.new_bytes;
    cb_(p->res);
  }
  if (!later.empty()) {
    std::lock_guard g(mu_);
    for (auto& p : later) pending_.push_back(std::move(p));
  }
  return {};
}

void PutSession::put_one(ChunkPipeline& pipeline, const PutItem& item) {
  PutResult res;
  res.name = item.name;
  res.path = item.path;
  {
    std::lock_guard g(mu_);
    if (!fatal_.ok()) return fail(res, Status(fatal_.code(), item.path + ": not stored: " + fatal_.message()));
  }
  const std::string abs = absolute(item.path);
  if (opts_.use_cache && cache_hit(item, abs, res)) {
    std::lock_guard g(cb_mu_);
    ++sum_.files_ok;
    ++sum_.files_unchanged;
    sum_.bytes += res.size;
    cb_(res);
    return;
  }
  PendingManifest p;
  p.m.name = item.name;
  Status sink_error;
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> out) {
    p.m.chunks.push_back({c.hash, c.length});
    if (!out.empty() && sink_error.ok()) sink_error = append_blob(c.hash, c.length, out, res);
  };
  Status s = read_file_through(pipeline, item.path, sink, p.m.blake3, p.m.size, p.stamp);
  if (s.ok()) s = sink_error;
  if (!s.ok()) return fail(res, s);
  res.size = p.m.size;
  res.chunks = p.m.chunks.size();
  const std::string doc = manifest_json(p.m);
  if (doc.size() > kMaxManifestBytes)
    return fail(res, Status(Errc::output_limit, item.path + ": " + std::to_string(p.m.chunks.size()) +
                                                   " chunks make a manifest larger than the readers' limit; use larger chunks"));
  auto staged = b_.stage(manifest_rel_path(p.m.name), {reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()});
  if (!staged) return fail(res, Status(staged.status().code(), item.path + ": not stored: " + staged.status().message()));
  p.doc = std::move(*staged);
  p.res = res;
  p.abs_path = abs;
  // A change within the same timestamp tick as our read would be invisible to the cache.
  p.cacheable = p.stamp.mtime_ns < start_ns_ - 1000000000 && p.stamp.ctime_ns < start_ns_ - 1000000000;
  std::lock_guard g(mu_);
  pending_.push_back(std::move(p));
}

Result<PutSummary> PutSession::run(const std::vector<PutItem>& items) {
  start_ns_ = fs::now_ns();
  {
    char buf[PATH_MAX];
    cwd_ = ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
    if (cwd_ == "/") cwd_.clear();
  }
  auto lease = markers::Lease::take(b_);
  if (!lease) return lease.status();
  CHUNKER_TRY(markers::read_plans(b_, plans_seen_, avoid_start_));
  avoid_now_ = avoid_start_;
  // A damaged index file is skipped: its chunks count as absent and are stored again.
  std::vector<std::string> damaged;
  auto idx = ChunkIndex::load(b_, cfg_.chunking, &damaged);
  if (!idx) return idx.status();
  index_ = std::move(*idx);
  if (!b_.local() && !index_.packs.empty()) {
    // One listing (a request per 1000 packs) instead of a HEAD per pack the
    // put dedups against. The same check, made earlier: a pack that existed
    // after our lease and index read is only deleted by a gc whose plan we
    // read (and avoid) or that defers to our lease.
    std::vector<FanoutEntry> listed;
    CHUNKER_TRY(scan_packs(b_, false, listed, nullptr));
    for (const auto& [name, info] : listed) pack_exists_[name] = true;
    exists_listed_ = true;
  }
  // Loaded even with use_cache off: the entries of other files are kept when it is saved.
  cache_path_ = FilesCache::path_for(opts_.cache_dir, cfg_.id);
  cache_ = FilesCache::load(cache_path_);
  if (opts_.use_cache && !b_.local() && cache_.size() > 0) {
    std::unordered_set<std::string> wanted;
    cache_.for_each([&](const std::string&, const CacheEntry& e) {
      if (!e.etag.empty()) wanted.insert(manifest_rel_path(e.name));
    });
    std::vector<ObjectInfo> listed;
    if (!wanted.empty()) CHUNKER_TRY(b_.list("manifests/", false, listed));
    for (auto& o : listed)
      if (wanted.count(o.key)) manifest_etags_.emplace(std::move(o.key), std::move(o.etag));
  }
  const unsigned threads = opts_.threads ? opts_.threads : ThreadPool::default_threads();

  // Files go to one single-threaded pipeline per thread, largest first: each
  // thread works without waiting for another, and taking the largest first
  // leaves only small files for the end, so the threads finish together. A
  // file too large to balance that way (over a 2*threads-th of the whole) is
  // run first on all threads at once, where segments keep every thread busy.
  std::vector<std::uint64_t> size(items.size(), 0);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    struct stat st {};
    if (::stat(items[i].path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) size[i] = static_cast<std::uint64_t>(st.st_size);
    total += size[i];
  }
  const std::uint64_t big = std::max<std::uint64_t>(8u << 20, 4ull * cfg_.chunking.max_size);
  std::vector<std::size_t> shared, each;
  for (std::size_t i = 0; i < items.size(); ++i)
    (threads > 1 && size[i] >= big && size[i] * 2 * threads > total ? shared : each).push_back(i);
  std::stable_sort(each.begin(), each.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
  auto make_pipeline = [&](unsigned t, StoreStage& stage) {
    PipelineOptions po;
    po.params = cfg_.chunking;
    po.hash = HashAlgo::blake3;
    po.threads = t;
    po.stage = &stage;
    return ChunkPipeline::create(po);
  };
  if (!shared.empty()) {
    StoreStage stage(*this, threads);
    CHUNKER_TRY(stage.status());
    auto pl = make_pipeline(threads, stage);
    if (!pl) return pl.status();
    for (std::size_t i : shared) put_one(*pl, items[i]);
  }
  if (!each.empty()) {
    // One single-threaded pipeline (and stage) per pool thread, made on its first file.
    ThreadPool pool(static_cast<unsigned>(std::min<std::size_t>(threads, each.size())));
    std::vector<std::unique_ptr<StoreStage>> stages(pool.size());
    std::vector<std::optional<ChunkPipeline>> pls(pool.size());
    std::vector<Status> errs(pool.size());
    pool.run_on_workers(each.size(), [&](std::size_t k, unsigned w) {
      if (!errs[w].ok()) return;
      if (!pls[w]) {
        stages[w] = std::make_unique<StoreStage>(*this, 1);
        if (!stages[w]->status().ok()) {
          errs[w] = stages[w]->status();
          return;
        }
        auto pl = make_pipeline(1, *stages[w]);
        if (!pl) {
          errs[w] = pl.status();
          return;
        }
        pls[w].emplace(std::move(*pl));
      }
      put_one(*pls[w], items[each[k]]);
    });
    for (auto& e : errs) CHUNKER_TRY(e);
  }
  // Last pack, last index, remaining manifests.
  PackBuilder last;
  {
    std::lock_guard g(mu_);
    std::swap(last, cur_);
  }
  if (!last.empty()) (void)queue_pack(last);  // a failure is in fatal_
  writer_.drain();
  Status cs = checkpoint(true);
  {
    // Anything still pending could not be committed (a store write failed).
    std::lock_guard g(mu_);
    for (auto& p : pending_) {
      b_.discard(p.doc);
      fail(p.res, Status(Errc::io_error, p.res.path + ": not committed: " + (fatal_.ok() ? cs.message() : fatal_.message())));
    }
    pending_.clear();
  }
  for (auto& [k, e] : cache_updates_) cache_.set(k, std::move(e));
  (void)cache_.save(cache_path_);  // an optimisation: failing to save only costs a re-read next time
  return sum_;
}

}  // namespace

Result<PutSummary> Store::put_files(const std::vector<PutItem>& items, const PutOptions& opts, PutFileFn on_file) {
  if (cfg_.version < 2)
    return Status(Errc::unsupported_format, dir_ + ": a version-1 store; run 'chunker store migrate " + dir_ +
                                                "' first (put writes only version 2)");
  for (const auto& it : items) CHUNKER_TRY(validate_name(it.name));
  PutSession s(*backend_, cfg_, opts, on_file);
  return s.run(items);
}

Result<PutResult> Store::put(const std::string& name, const std::string& path, unsigned threads) {
  PutOptions o;
  o.threads = threads;
  o.use_cache = false;
  PutResult out;
  bool got = false;
  auto r = put_files({{name, path}}, o, [&](const PutResult& r) {
    out = r;
    got = true;
  });
  if (!r) return r.status();
  if (!got) return Status(Errc::internal, path + ": put reported nothing");
  if (!out.status.ok()) return out.status;
  return out;
}

}  // namespace chunker::store
