// Store::put: chunk + hash + compress on the pipeline's worker threads, write
// new chunk files from the (sequential) sink, then commit the manifest.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include <atomic>
#include <memory>
#include <set>
#include <unordered_set>

#include "chunker/blake3.hpp"
#include "chunker/codec.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/store.hpp"
#include "chunker/thread_pool.hpp"
#include "fs_util.hpp"

namespace chunker::store {
namespace {

struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept {
    std::size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

// Worker-side stage: chunks already in the store produce no output (their
// mtime is refreshed so that a concurrent gc's grace period protects them);
// new chunks become "tag + adaptive-compressed bytes".
class StoreStage final : public ChunkStage {
 public:
  StoreStage(std::string dir, unsigned workers) : dir_(std::move(dir)), scratch_(workers) {
    for (unsigned i = 0; i < workers; ++i) {
      auto c = codec::Compressor::create(codec::strategy_options(codec::Strategy::adaptive));
      if (!c) {
        status_ = c.status();
        return;
      }
      ctx_.push_back(std::move(*c));
    }
  }
  const Status& status() const noexcept { return status_; }

  Status process(unsigned worker, const HashedChunk& chunk, std::span<const std::uint8_t> in,
                 std::vector<std::uint8_t>& out) override {
    const std::string path = dir_ + "/" + chunk_rel_path(chunk.hash);
    if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) {
      out.clear();  // already stored
      return {};
    }
    auto& tmp = scratch_[worker];
    auto r = codec::compress_adaptive(ctx_[worker], in, tmp);
    if (!r) return r.status();
    out.resize(1 + r->size);
    out[0] = static_cast<std::uint8_t>(r->stored ? ChunkTag::stored : tag_of(r->codec));
    std::memcpy(out.data() + 1, tmp.data(), r->size);
    return {};
  }

 private:
  static ChunkTag tag_of(codec::Codec c) {
    switch (c) {
      case codec::Codec::zstd: return ChunkTag::zstd;
      case codec::Codec::lz4: return ChunkTag::lz4;
      case codec::Codec::xz: return ChunkTag::xz;
      case codec::Codec::bzip2: return ChunkTag::bzip2;
      default: return ChunkTag::stored;
    }
  }
  std::string dir_;
  std::vector<codec::Compressor> ctx_;
  std::vector<std::vector<std::uint8_t>> scratch_;
  Status status_;
};

}  // namespace

Result<PutResult> Store::put(const std::string& name, const std::string& path, unsigned threads) {
  CHUNKER_TRY(validate_name(name));
  if (threads == 0) threads = ThreadPool::default_threads();
  auto in = InputFile::open(path);
  if (!in) return in.status();
  if (!in->size()) return Status(Errc::io_error, path + ": not a regular file");

  StoreStage stage(dir_, threads);
  CHUNKER_TRY(stage.status());
  std::atomic<bool> cancel{false};
  PipelineOptions po;
  po.params = chunking_;
  po.hash = HashAlgo::blake3;
  po.threads = threads;
  po.stage = &stage;
  po.cancel = &cancel;
  auto pipeline = ChunkPipeline::create(po);
  if (!pipeline) return pipeline.status();

  Manifest m;
  m.name = name;
  PutResult res;
  res.name = name;
  std::unordered_set<Digest, DigestHash> written;
  std::set<std::string> dirty_dirs;
  bool chunks_dir_dirty = false;
  Status sink_error;
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> out) {
    if (!sink_error.ok()) return;
    m.chunks.push_back({c.hash, c.length});
    if (out.empty() || written.count(c.hash)) return;  // already stored
    std::string rel = chunk_rel_path(c.hash);
    std::string sub = dir_ + "/" + rel.substr(0, rel.rfind('/'));
    bool created = false;
    Status s = fs::make_dir(sub, &created);
    bool existed = false;
    if (s.ok()) s = fs::write_atomic(dir_ + "/tmp", dir_ + "/" + rel, out, /*no_replace=*/true, &existed);
    if (!s.ok()) {
      sink_error = s;
      cancel = true;
      return;
    }
    chunks_dir_dirty |= created;
    dirty_dirs.insert(sub);
    written.insert(c.hash);
    if (!existed) {
      ++res.new_chunks;
      res.new_bytes += out.size();
    }
  };
  // Chunks, their names, their stored bytes and the whole-file hash all come
  // from one read of the file; a file that changed meanwhile fails here.
  InputOptions io;
  io.whole_blake3 = true;
  auto rep = read_input(*pipeline, *in, sink, io);
  if (!sink_error.ok()) return sink_error;
  if (!rep) return rep.status().code() == Errc::changed ? rep.status()
                                                        : Status(rep.status().code(), path + ": " + rep.status().message());
  m.size = res.size = rep->bytes;
  m.blake3 = rep->whole_blake3;
  res.chunks = m.chunks.size();
  // Chunks durable before the manifest that references them.
  for (const auto& d : dirty_dirs) CHUNKER_TRY(fs::fsync_dir(d));
  if (chunks_dir_dirty) CHUNKER_TRY(fs::fsync_dir(dir_ + "/chunks"));
  std::string doc = manifest_json(m);
  if (doc.size() > kMaxManifestBytes)  // readers would refuse it (and gc with them)
    return Status(Errc::output_limit, path + ": " + std::to_string(m.chunks.size()) +
                                          " chunks make a manifest larger than the readers' limit of " +
                                          std::to_string(kMaxManifestBytes) + " bytes; use larger chunks");
  CHUNKER_TRY(fs::write_atomic(dir_ + "/tmp", dir_ + "/" + manifest_rel_path(name),
                               {reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()}));
  CHUNKER_TRY(fs::fsync_dir(dir_ + "/manifests"));
  return res;
}

}  // namespace chunker::store
