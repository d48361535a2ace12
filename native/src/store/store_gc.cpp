// Store::gc (v2): the gc side of the put/gc protocol (docs/store-format.md):
// start marker, dead-marker cleanup, mark, plan, handshake with the writers'
// leases, repack, index compaction, sweep.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <thread>

#include "blob_reader.hpp"
#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "fs_util.hpp"
#include "markers.hpp"
#include "fanout.hpp"
#include "store_index.hpp"

namespace chunker::store {

namespace {

constexpr std::int64_t kMarginNs = 2'000'000'000;  // S3 LastModified has 1 s resolution
constexpr double kSparse = 0.25;                    // repack when more than this share is unreferenced

std::string_view text_of(const std::vector<std::uint8_t>& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

struct LiveLease {
  std::string key;
  std::int64_t mtime = 0;
};

// Live leases; dead ones of this machine are deleted (counted in `removed`).
Status scan_leases(Backend& b, std::vector<LiveLease>& live, std::uint64_t& removed) {
  live.clear();
  std::vector<ObjectInfo> es;
  CHUNKER_TRY(b.list("leases/", true, es));
  std::vector<std::uint8_t> text;
  for (const auto& e : es) {
    auto got = b.read(e.key, 64 << 10, text);
    if (got && !*got) continue;  // finished meanwhile
    if (got) {
      if (auto info = markers::parse(text_of(text)); info && markers::is_dead(*info)) {
        if (auto r = b.remove(e.key, nullptr); r && *r) ++removed;
        continue;
      }
    }
    live.push_back({e.key, e.mtime_ns});  // unreadable or foreign: presumed running
  }
  return {};
}

// Other gc runs' markers: dead ones of this machine are removed.
Status clean_gc_markers(Backend& b, const std::string& own, std::uint64_t& removed) {
  std::vector<ObjectInfo> es;
  CHUNKER_TRY(b.list("gc/", false, es));
  std::vector<std::uint8_t> text;
  for (const auto& e : es) {
    if (!e.key.ends_with(".start") || e.key.starts_with("gc/" + own)) continue;
    const std::string id = e.key.substr(3, e.key.size() - 9);  // between "gc/" and ".start"
    auto got = b.read(e.key, 64 << 10, text);
    if (!got || !*got) continue;
    auto info = markers::parse(text_of(text));
    if (!info || !markers::is_dead(*info)) continue;
    // The plan first: while it exists writers avoid its packs, which is harmless.
    if (auto r = b.remove("gc/" + id + ".plan", nullptr); r && *r) ++removed;
    if (auto r = b.remove(e.key, nullptr); r && *r) ++removed;
  }
  return {};
}

// gc's own markers, removed whatever happens.
struct Markers {
  Backend& b;
  std::string start, plan;
  ~Markers() {
    if (!plan.empty()) (void)b.remove(plan, nullptr);
    if (!start.empty()) (void)b.remove(start, nullptr);
  }
};

// The storage timestamp of an object just created.
Result<std::int64_t> created_at(Backend& b, const std::string& key) {
  auto st = b.stat(key);
  if (!st) return st.status();
  if (!*st) return Status(Errc::io_error, b.describe(key) + ": vanished right after it was created");
  return (*st)->mtime_ns;
}

}  // namespace

Result<GcReport> Store::gc(const GcOptions& o) const {
  if (cfg_.version < 2) return gc_v1(o);
  Backend& b = *backend_;
  GcReport rep;
  for (const auto& id : o.break_leases) {
    const std::string key = "leases/" + id + ".json";
    auto r = b.remove(key, nullptr);
    if (!r) return r.status();
    if (!*r) return Status(Errc::io_error, b.describe(key) + ": remove lease: No such file or directory");
    ++rep.markers_removed;
  }
  // 1. start marker: its timestamp is T0.
  const std::string id = markers::new_id();
  Markers mk{b, {}, {}};
  std::int64_t t0 = fs::now_ns();
  if (!o.dry_run) {
    std::string start = "gc/";  // appended piecewise: GCC 12 misreads literal + string under LTO
    start += id;
    start += ".start";
    CHUNKER_TRY(markers::create(b, start, markers::this_process_json("gc")));
    mk.start = start;
    auto m = created_at(b, start);
    if (!m) return m.status();
    t0 = *m;
  }
  // 2. dead markers; 3. Tcut from the live leases.
  CHUNKER_TRY(clean_gc_markers(b, id, rep.markers_removed));
  std::vector<LiveLease> leases;
  CHUNKER_TRY(scan_leases(b, leases, rep.markers_removed));
  std::int64_t tcut = t0;
  for (const auto& l : leases) tcut = std::min(tcut, l.mtime);
  tcut -= kMarginNs;
  const std::int64_t grace_cut = fs::now_ns() - o.grace_seconds * 1'000'000'000;

  // Mark: every manifest (one that cannot be read stops gc), every index file.
  auto list = this->list();
  if (!list) return list.status();
  DigestSet referenced;
  for (const auto& e : *list) {
    if (!e.manifest)
      return Status(Errc::corrupt_input, "gc refused, a manifest is unreadable so its chunks are unknown: " +
                                             e.manifest.status().message());
    for (const auto& c : e.manifest->chunks) referenced.insert(c.hash);
  }
  auto idx = ChunkIndex::load(b, cfg_.chunking);
  if (!idx) return Status(idx.status().code(), "gc refused: " + idx.status().message());
  std::vector<FanoutEntry> packs;
  CHUNKER_TRY(scan_packs(b, true, packs, nullptr));

  // 4. choose: per pack, referenced and total blob bytes.
  struct Use {
    std::uint64_t ref = 0, total = 0;
  };
  std::vector<Use> use(idx->packs.size());
  for (const auto& [h, loc] : idx->chunks) {
    use[loc.pack].total += loc.length;
    if (referenced.count(h)) use[loc.pack].ref += loc.length;
  }
  std::vector<Digest> condemned, sparse;
  DigestSet condemned_set;
  for (const auto& [name, info] : packs) {
    const std::int64_t mt = info.mtime_ns;
    auto it = idx->pack_no.find(name);
    const Use u = it == idx->pack_no.end() ? Use{} : use[it->second];
    const bool garbage = u.ref == 0;
    const bool is_sparse = !garbage && static_cast<double>(u.total - u.ref) > kSparse * static_cast<double>(u.total);
    if (!garbage && !is_sparse) {
      ++rep.packs_kept;
      continue;
    }
    if (mt >= tcut || mt > grace_cut) {
      ++rep.packs_young;
      ++rep.packs_kept;
      continue;
    }
    condemned.push_back(name);
    condemned_set.insert(name);
    if (is_sparse) sparse.push_back(name);
    rep.bytes_removed += info.size;
  }
  // Entries naming a pack that is gone (damage, or a gc cut short in its sweep) are dropped too.
  DigestSet present;
  for (const auto& [name, info] : packs) present.insert(name);
  bool dangling = false;
  for (const auto& p : idx->packs) dangling = dangling || !present.count(p);
  const bool compact = !condemned.empty() || idx->files.size() > 8 || dangling;
  if (o.dry_run) {
    rep.packs_removed = condemned.size();
    rep.packs_repacked = sparse.size();
    rep.index_removed = compact ? idx->files.size() : 0;
    return rep;
  }

  if (!condemned.empty()) {
    // 5. plan; 6. handshake with writers that may not have seen it.
    const std::string plan_doc = markers::plan_json(condemned);
    std::string plan_rel = "gc/";  // appended piecewise: GCC 12 misreads literal + string under LTO
    plan_rel += id;
    plan_rel += ".plan";
    CHUNKER_TRY(markers::create(b, plan_rel, plan_doc));
    mk.plan = plan_rel;
    auto plan_t = created_at(b, plan_rel);
    if (!plan_t) return plan_t.status();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_seconds);
    for (;;) {
      CHUNKER_TRY(scan_leases(b, leases, rep.markers_removed));
      rep.writers_running = 0;
      for (const auto& l : leases)
        if (l.mtime <= *plan_t + kMarginNs) ++rep.writers_running;
      if (rep.writers_running == 0) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        rep.deferred = true;
        rep.bytes_removed = 0;
        rep.packs_kept += condemned.size();
        return rep;  // markers removed by `mk`; nothing deleted
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // 7. repack the referenced blobs of sparse packs (checked before they are copied).
  IndexFile out;
  SyncSet dirty;
  {
    BlobReader reader(b);
    PackBuilder pb;
    std::vector<std::uint8_t> blob, chunk;
    DigestSet copied;
    DigestSet sparse_set(sparse.begin(), sparse.end());
    for (const auto& [h, loc] : idx->chunks) {
      const Digest& p = idx->packs[loc.pack];
      if (!sparse_set.count(p) || !referenced.count(h) || copied.count(h)) continue;
      if (idx->find(h, &condemned_set)) continue;  // a copy survives elsewhere
      Status s = reader.read(p, loc.offset, loc.length, blob);
      if (s.ok()) s = decode_chunk(blob, h, cfg_.chunking.max_size, chunk);
      if (!s.ok())
        return Status(Errc::corrupt_input, "gc stopped (nothing deleted): chunk " + to_hex(h) + " in " +
                                               pack_rel_path(p) + ": " + s.message());
      pb.add(h, loc.raw_length, blob);
      copied.insert(h);
      if (pb.bytes() >= cfg_.pack_size) CHUNKER_TRY(flush_pack(b, pb, dirty, out));
    }
    CHUNKER_TRY(flush_pack(b, pb, dirty, out));
    rep.packs_repacked = sparse.size();
  }
  CHUNKER_TRY(b.sync(dirty));

  // 8. compact: one index for everything kept, durable before the old ones go.
  if (compact) {
    std::vector<std::uint32_t> map(idx->packs.size(), UINT32_MAX);
    for (const auto& [h, loc] : idx->chunks) {
      const Digest& p = idx->packs[loc.pack];
      if (condemned_set.count(p) || !present.count(p)) continue;
      if (map[loc.pack] == UINT32_MAX) {
        map[loc.pack] = static_cast<std::uint32_t>(out.packs.size());
        out.packs.push_back(p);
      }
      out.entries.push_back({h, map[loc.pack], loc.offset, loc.length, loc.raw_length});
    }
  }
  Digest new_index{};
  if (!out.entries.empty() || compact) {
    auto w = write_index(b, out);
    if (!w) return w.status();
    new_index = *w;
  }
  if (compact) {
    SyncSet removed_index;
    for (const auto& f : idx->files) {
      if (f == new_index) continue;
      if (auto r = b.remove(index_rel_path(f), &removed_index); r && *r) ++rep.index_removed;
    }
    CHUNKER_TRY(b.sync(removed_index));
  }
  // 9. sweep.
  SyncSet swept;
  for (const auto& p : condemned) {
    auto r = b.remove(pack_rel_path(p), &swept);
    if (!r) return r.status();
    ++rep.packs_removed;
  }
  CHUNKER_TRY(b.sync(swept));
  // A migration cut short after its switch to version 2 leaves the v1 chunk files: copies of packed data.
  CHUNKER_TRY(b.remove_prefix("chunks/"));
  // Temporaries older than the grace period and than every running writer's lease (its temporaries are younger).
  CHUNKER_TRY(b.sweep_temporaries(std::min(grace_cut + 1, tcut), false, rep.tmp_removed));
  return rep;
}

}  // namespace chunker::store
