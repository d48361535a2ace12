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
#include "fs_util.hpp"
#include "markers.hpp"
#include "store_index.hpp"

namespace chunker::store {

Status scan_packs(const std::string& dir, std::vector<std::pair<Digest, std::string>>& out,
                  std::vector<std::string>* odd);

namespace {

constexpr std::int64_t kMarginNs = 2'000'000'000;  // S3 LastModified has 1 s resolution
constexpr double kSparse = 0.25;                    // repack when more than this share is unreferenced

struct LiveLease {
  std::string path;
  std::int64_t mtime = 0;
};

// Live leases; dead ones of this machine are deleted (counted in `removed`).
Status scan_leases(const std::string& dir, std::vector<LiveLease>& live, std::uint64_t& removed) {
  live.clear();
  std::vector<fs::DirEntry> es;
  CHUNKER_TRY(fs::list_dir(dir + "/leases", es));
  for (const auto& e : es) {
    const std::string path = dir + "/leases/" + e.name;
    std::string text;
    auto mt = fs::mtime_ns(path);
    if (!mt) continue;  // finished meanwhile
    if (!fs::read_text(path, 64 << 10, text).ok()) {
      if (!fs::exists(path)) continue;
    } else if (auto info = markers::parse(text); info && markers::is_dead(*info)) {
      if (::unlink(path.c_str()) == 0) ++removed;
      continue;
    }
    live.push_back({path, *mt});  // unreadable or foreign: presumed running
  }
  return {};
}

// Other gc runs' markers: dead ones of this machine are removed.
Status clean_gc_markers(const std::string& dir, const std::string& own, std::uint64_t& removed) {
  std::vector<fs::DirEntry> es;
  CHUNKER_TRY(fs::list_dir(dir + "/gc", es));
  for (const auto& e : es) {
    if (!e.name.ends_with(".start") || e.name.starts_with(own)) continue;
    const std::string id = e.name.substr(0, e.name.size() - 6);
    std::string text;
    if (!fs::read_text(dir + "/gc/" + e.name, 64 << 10, text).ok()) continue;
    auto info = markers::parse(text);
    if (!info || !markers::is_dead(*info)) continue;
    // The plan first: while it exists writers avoid its packs, which is harmless.
    if (::unlink((dir + "/gc/" + id + ".plan").c_str()) == 0) ++removed;
    if (::unlink((dir + "/gc/" + e.name).c_str()) == 0) ++removed;
  }
  return {};
}

struct Markers {
  std::string start, plan;
  ~Markers() {
    if (!plan.empty()) ::unlink(plan.c_str());
    if (!start.empty()) ::unlink(start.c_str());
  }
};

}  // namespace

Result<GcReport> Store::gc(const GcOptions& o) const {
  if (cfg_.version < 2) return gc_v1(o);
  GcReport rep;
  CHUNKER_TRY(fs::make_dir(dir_ + "/gc"));
  CHUNKER_TRY(fs::make_dir(dir_ + "/leases"));
  for (const auto& id : o.break_leases) {
    const std::string path = dir_ + "/leases/" + id + ".json";
    if (::unlink(path.c_str()) != 0) return fs::errno_status("remove lease", path, errno);
    ++rep.markers_removed;
  }
  // 1. start marker: its timestamp is T0.
  const std::string id = markers::new_id();
  Markers mk;
  std::int64_t t0 = fs::now_ns();
  if (!o.dry_run) {
    CHUNKER_TRY(markers::create(dir_, "gc/" + id + ".start", markers::this_process_json("gc")));
    mk.start = dir_ + "/gc/" + id + ".start";
    auto m = fs::mtime_ns(mk.start);
    if (!m) return m.status();
    t0 = *m;
  }
  // 2. dead markers; 3. Tcut from the live leases.
  CHUNKER_TRY(clean_gc_markers(dir_, id, rep.markers_removed));
  std::vector<LiveLease> leases;
  CHUNKER_TRY(scan_leases(dir_, leases, rep.markers_removed));
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
  auto idx = ChunkIndex::load(dir_, cfg_.chunking);
  if (!idx) return Status(idx.status().code(), "gc refused: " + idx.status().message());
  std::vector<std::pair<Digest, std::string>> packs;
  CHUNKER_TRY(scan_packs(dir_, packs, nullptr));

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
  for (const auto& [name, path] : packs) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    const std::int64_t mt = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
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
    rep.bytes_removed += static_cast<std::uint64_t>(st.st_size);
  }
  // Entries naming a pack that is gone (damage, or a gc cut short in its sweep) are dropped too.
  DigestSet present;
  for (const auto& [name, path] : packs) present.insert(name);
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
    CHUNKER_TRY(markers::create(dir_, plan_rel, plan_doc));
    mk.plan = dir_ + "/" + plan_rel;
    auto plan_t = fs::mtime_ns(mk.plan);
    if (!plan_t) return plan_t.status();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_seconds);
    for (;;) {
      CHUNKER_TRY(scan_leases(dir_, leases, rep.markers_removed));
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
  std::set<std::string> dirty;
  {
    BlobReader reader(dir_);
    PackBuilder pb;
    std::vector<std::uint8_t> blob, chunk;
    DigestSet copied;
    auto flush = [&]() -> Status {
      if (pb.empty()) return {};
      auto w = write_pack(dir_, pb, dirty);
      if (!w) return w.status();
      add_to_index(out, *w);
      return {};
    };
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
      if (pb.bytes() >= cfg_.pack_size) CHUNKER_TRY(flush());
    }
    CHUNKER_TRY(flush());
    rep.packs_repacked = sparse.size();
  }
  for (const auto& d : dirty) CHUNKER_TRY(fs::fsync_dir(d));

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
    std::vector<std::uint8_t> bytes = encode_index(out);
    new_index = blake3::hash(bytes);
    auto tmp = fs::write_tmp(dir_ + "/tmp", bytes, true);
    if (!tmp) return tmp.status();
    CHUNKER_TRY(fs::link_into_place(*tmp, dir_ + "/" + index_rel_path(new_index), nullptr));
    CHUNKER_TRY(fs::fsync_dir(dir_ + "/index"));
  }
  if (compact) {
    for (const auto& f : idx->files) {
      if (f == new_index) continue;
      if (::unlink((dir_ + "/" + index_rel_path(f)).c_str()) == 0) ++rep.index_removed;
    }
    CHUNKER_TRY(fs::fsync_dir(dir_ + "/index"));
  }
  // 9. sweep.
  std::set<std::string> swept;
  for (const auto& p : condemned) {
    const std::string path = dir_ + "/" + pack_rel_path(p);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fs::errno_status("unlink", path, errno);
    swept.insert(path.substr(0, path.rfind('/')));
    ++rep.packs_removed;
  }
  for (const auto& d : swept) CHUNKER_TRY(fs::fsync_dir(d));
  // A migration cut short after its switch to version 2 leaves the v1 chunk files: copies of packed data.
  CHUNKER_TRY(fs::remove_tree(dir_ + "/chunks"));
  std::vector<fs::DirEntry> tmp;
  CHUNKER_TRY(fs::list_dir(dir_ + "/tmp", tmp));
  for (const auto& t : tmp) {
    const std::string path = dir_ + "/tmp/" + t.name;
    auto mt = fs::mtime_ns(path);
    // Older than the grace period and than every running writer's lease (its temporaries are younger).
    if (!t.is_regular || !mt || *mt > grace_cut || *mt >= tcut) continue;
    if (::unlink(path.c_str()) == 0) ++rep.tmp_removed;
  }
  return rep;
}

}  // namespace chunker::store
