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
#include "chunker/thread_pool.hpp"
#include "fs_util.hpp"

namespace chunker::store {
namespace {

struct ChunkFile {
  std::string path;
  Digest hash{};
};

bool is_hex2(const std::string& s) {
  return s.size() == 2 && std::isxdigit(static_cast<unsigned char>(s[0])) &&
         std::isxdigit(static_cast<unsigned char>(s[1])) && !std::isupper(static_cast<unsigned char>(s[0])) &&
         !std::isupper(static_cast<unsigned char>(s[1]));
}

// Every chunks/<ab>/<hex> file; anything else is reported through `odd` (may be null).
Status scan_chunks(const std::string& dir, std::vector<ChunkFile>& out, std::vector<std::string>* odd) {
  std::vector<fs::DirEntry> prefixes, files;
  CHUNKER_TRY(fs::list_dir(dir + "/chunks", prefixes));
  for (const auto& p : prefixes) {
    const std::string pdir = dir + "/chunks/" + p.name;
    if (!p.is_dir || !is_hex2(p.name)) {
      if (odd) odd->push_back(pdir + ": unexpected entry in chunks/");
      continue;
    }
    CHUNKER_TRY(fs::list_dir(pdir, files));
    for (const auto& f : files) {
      auto d = parse_hex(f.name);
      if (!f.is_regular || !d || f.name.compare(0, 2, p.name) != 0) {
        if (odd) odd->push_back(pdir + "/" + f.name + ": unexpected entry (not a chunk file name)");
        continue;
      }
      out.push_back({pdir + "/" + f.name, *d});
    }
  }
  return {};
}

}  // namespace

VerifyReport Store::verify_v1(unsigned threads) const {
  VerifyReport rep;
  std::vector<ChunkFile> chunks;
  if (Status s = scan_chunks(dir_, chunks, &rep.problems); !s.ok()) {
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
      Status s = fs::read_file(chunks[i].path, limit, file);
      if (s.ok()) s = decode_chunk(file, chunks[i].hash, cfg_.chunking.max_size, data);
      if (s.ok()) lengths[i] = static_cast<std::uint32_t>(data.size());
      else errors[i] = chunks[i].path + ": " + s.message();
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
  std::vector<ChunkFile> chunks;
  CHUNKER_TRY(scan_chunks(dir_, chunks, nullptr));
  const std::time_t now = std::time(nullptr);
  auto old_enough = [&](const struct stat& st) { return static_cast<std::int64_t>(now - st.st_mtime) >= opts.grace_seconds; };
  GcReport rep;
  std::set<std::string> dirty;
  for (const auto& c : chunks) {
    if (referenced.count(c.hash)) {
      ++rep.chunks_kept;
      continue;
    }
    struct stat st {};
    if (::lstat(c.path.c_str(), &st) != 0) continue;  // gone meanwhile
    if (!old_enough(st)) {
      ++rep.chunks_young;
      continue;
    }
    if (!opts.dry_run) {
      if (::unlink(c.path.c_str()) != 0) {
        if (errno == ENOENT) continue;
        return fs::errno_status("unlink", c.path, errno);
      }
      dirty.insert(c.path.substr(0, c.path.rfind('/')));
    }
    ++rep.chunks_removed;
    rep.bytes_removed += static_cast<std::uint64_t>(st.st_size);
  }
  std::vector<fs::DirEntry> tmp;
  CHUNKER_TRY(fs::list_dir(dir_ + "/tmp", tmp));
  for (const auto& t : tmp) {
    const std::string path = dir_ + "/tmp/" + t.name;
    struct stat st {};
    if (!t.is_regular || ::lstat(path.c_str(), &st) != 0 || !old_enough(st)) continue;
    if (!opts.dry_run && ::unlink(path.c_str()) != 0 && errno != ENOENT) return fs::errno_status("unlink", path, errno);
    ++rep.tmp_removed;
  }
  for (const auto& d : dirty) CHUNKER_TRY(fs::fsync_dir(d));
  return rep;
}

}  // namespace chunker::store
