// Version-1 stores (one file per chunk): verify and gc as before v2.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "chunker/store.hpp"
#include "format.hpp"
#include "chunker/thread_pool.hpp"
#include "backend.hpp"
#include "fanout.hpp"

namespace chunker::store {
namespace {

using ChunkFile = FanoutEntry;

}  // namespace

VerifyReport Store::verify_v1(unsigned threads) const {
  VerifyReport rep;
  Backend& b = *backend_;
  std::vector<ChunkFile> chunks;
  if (Status s = scan_chunks(b, false, chunks, &rep.problems); !s.ok()) {
    rep.problems.push_back(s.message());
    return rep;
  }
  // Decode + hash every chunk on all threads; lengths[i] = 0 marks a bad chunk.
  std::vector<std::uint32_t> lengths(chunks.size(), 0);
  std::vector<std::string> errors(chunks.size());
  {
    ThreadPool pool(threads == 0 ? ThreadPool::default_threads() : threads);
    const std::size_t limit = 2 * std::size_t{cfg_.chunking.max_size} + (64 << 10);
    pool.run(chunks.size(), [&](std::size_t i) {
      std::vector<std::uint8_t> file, data;
      auto got = b.read(chunks[i].info.key, limit, file);
      Status s = !got ? got.status() : !*got ? Status(Errc::io_error, "vanished while verify ran") : Status{};
      if (s.ok()) s = decode_chunk(file, chunks[i].hash, cfg_.chunking.max_size, data);
      if (s.ok()) lengths[i] = static_cast<std::uint32_t>(data.size());
      else errors[i] = b.describe(chunks[i].info.key) + ": " + s.message();
    });
  }
  std::map<Digest, std::uint32_t> present;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    present[chunks[i].hash] = lengths[i];
    if (!errors[i].empty()) rep.problems.push_back(errors[i]);
  }
  rep.chunks_checked = chunks.size();

  auto list = this->list();
  if (!list) {
    rep.problems.push_back(list.status().message());
    return rep;
  }
  for (const auto& e : *list) {
    ++rep.manifests_checked;
    if (!e.manifest) {
      rep.problems.push_back(e.manifest.status().message());
      continue;
    }
    const Manifest& m = *e.manifest;
    bool chunks_ok = true;
    for (std::size_t i = 0; i < m.chunks.size(); ++i) {
      const std::string where = e.manifest_file + " ('" + m.name + "') chunk " + std::to_string(i) + " " +
                                to_hex(m.chunks[i].hash);
      auto it = present.find(m.chunks[i].hash);
      chunks_ok = chunks_ok && it != present.end() && it->second == m.chunks[i].length;
      if (it == present.end()) rep.problems.push_back(where + ": missing");
      else if (it->second == 0) rep.problems.push_back(where + ": corrupt (see above)");
      else if (it->second != m.chunks[i].length)
        rep.problems.push_back(where + ": length " + std::to_string(m.chunks[i].length) + " in the manifest, " +
                               std::to_string(it->second) + " in the chunk");
    }
    // What get checks on top: the chunks in this order make the file the manifest's blake3 names.
    if (chunks_ok) {
      Status g = get(m.name, [](std::span<const std::uint8_t>) { return Status{}; });
      if (!g.ok()) rep.problems.push_back(e.manifest_file + ": " + g.message());
    }
  }
  return rep;
}

Result<GcReport> Store::gc_v1(const GcOptions& opts) const {
  auto list = this->list();
  if (!list) return list.status();
  std::set<Digest> referenced;
  for (const auto& e : *list) {
    if (!e.manifest)
      return Status(Errc::corrupt_input, "gc refused, a manifest is unreadable so its chunks are unknown: " +
                                             e.manifest.status().message());
    for (const auto& c : e.manifest->chunks) referenced.insert(c.hash);
  }
  Backend& b = *backend_;
  std::vector<ChunkFile> chunks;
  CHUNKER_TRY(scan_chunks(b, true, chunks, nullptr));
  const std::int64_t now = std::time(nullptr);
  auto old_enough = [&](std::int64_t mtime_ns) { return now - mtime_ns / 1'000'000'000 >= opts.grace_seconds; };
  GcReport rep;
  SyncSet dirty;
  for (const auto& c : chunks) {
    if (referenced.count(c.hash)) {
      ++rep.chunks_kept;
      continue;
    }
    if (!old_enough(c.info.mtime_ns)) {
      ++rep.chunks_young;
      continue;
    }
    if (!opts.dry_run) {
      auto r = b.remove(c.info.key, &dirty);
      if (!r) return r.status();
      if (!*r) continue;  // gone meanwhile
    }
    ++rep.chunks_removed;
    rep.bytes_removed += c.info.size;
  }
  // Temporaries as old as the grace period: mtime second <= now - grace.
  CHUNKER_TRY(b.sweep_temporaries((now - opts.grace_seconds + 1) * 1'000'000'000, opts.dry_run, rep.tmp_removed));
  CHUNKER_TRY(b.sync(dirty));
  return rep;
}

}  // namespace chunker::store
