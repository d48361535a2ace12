// read_input: one input through a ChunkPipeline, every byte read once into
// owned memory, to EOF, with the changed-while-read verdict of InputReader.
#include <sys/vfs.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "chunker/blake3.hpp"
#include "chunker/input.hpp"

namespace chunker {
namespace {

// File systems whose st_size means nothing (procfs says 0, sysfs 4096 for
// any attribute): read them as streams. Magic numbers from <linux/magic.h>.
bool on_pseudo_fs(int fd) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) != 0) return false;
  switch (static_cast<unsigned long>(sf.f_type)) {
    case 0x9fa0:      // PROC_SUPER_MAGIC
    case 0x62656572:  // SYSFS_MAGIC
    case 0x64626720:  // DEBUGFS_MAGIC
    case 0x74726163:  // TRACEFS_MAGIC
    case 0x73636673:  // SECURITYFS_MAGIC
    case 0x27e0eb:    // CGROUP_SUPER_MAGIC
    case 0x63677270:  // CGROUP2_SUPER_MAGIC
    case 0x62656570:  // CONFIGFS_MAGIC
      return true;
    default:
      return false;
  }
}

// Whole small files, one buffer per thread (dedup reads them on every pool
// thread), kept between files: a fresh allocation per file would fault in
// (and with munmap, shoot down) pages every time.
struct WholeBuffer {
  std::unique_ptr<std::uint8_t[]> p;
  std::size_t cap = 0;
  bool reserve(std::size_t n) {
    if (cap >= n) return true;
    const std::size_t want = std::max(n, std::min<std::size_t>(2 * cap, std::size_t{16} << 20));
    p.reset(new (std::nothrow) std::uint8_t[want]);
    cap = p ? want : 0;
    return p != nullptr;
  }
};

// Clears the pipeline's whole-input hash however read_input returns.
struct WholeHashGuard {
  ChunkPipeline& pl;
  ~WholeHashGuard() { pl.set_whole_hash(nullptr); }
};

}  // namespace

Result<InputReport> read_input(ChunkPipeline& pl, InputFile& in, HashedChunkSink sink, const InputOptions& opts) {
  InputReader rd(in);
  const FileStamp& b = rd.before();
  std::optional<blake3::Hasher> whole;  // only when asked: most callers (dedup's many small files) are not
  if (opts.whole_blake3) whole.emplace();
  WholeHashGuard guard{pl};
  pl.set_whole_hash(whole ? &*whole : nullptr);

  const std::uint64_t whole_below = std::max<std::uint64_t>(kReadWholeBelow, 2ull * pl.options().params.max_size);
  Status s;
  std::uint64_t end = 0;
  if (b.regular && b.size > 0 && b.size <= whole_below) {
    // One read of st_size + 1 bytes: a file longer than st_size shows at once,
    // and a short read has seen the end (InputFile::pread fills unless at EOF).
    thread_local WholeBuffer wb;
    const std::size_t want = static_cast<std::size_t>(b.size) + 1;
    if (!wb.reserve(want)) return Status(Errc::out_of_memory, in.name() + ": cannot allocate " + std::to_string(want) + " bytes");
    auto n = rd.pread({wb.p.get(), want}, 0);
    if (!n) return n.status();
    if (*n < want) {
      end = *n;
      s = pl.run({wb.p.get(), *n}, sink);
    } else {  // longer than st_size said: stream it, starting with what is in hand
      const std::size_t have = *n;
      std::uint64_t off = 0;
      s = pl.run_reader(
          [&](std::span<std::uint8_t> dst) -> Result<std::size_t> {
            if (off < have) {
              const std::size_t k = std::min<std::size_t>(dst.size(), have - static_cast<std::size_t>(off));
              std::memcpy(dst.data(), wb.p.get() + off, k);
              off += k;
              return k;
            }
            auto r = rd.pread(dst, off);
            if (r) off += *r;
            return r;
          },
          sink);
      end = off;
    }
  } else if (b.regular && b.size > whole_below && !on_pseudo_fs(in.fd())) {
    s = pl.run_file(
        [&](std::span<std::uint8_t> dst, std::uint64_t off) -> Result<std::size_t> {
          auto r = rd.pread(dst, off);
          if (r && *r < dst.size())
            return Status(Errc::changed, in.name() + ": changed while being read (it ends at byte " +
                                             std::to_string(off + *r) + ", its size at the start was " +
                                             std::to_string(b.size) + ")");
          return r;
        },
        b.size, sink);
    end = b.size;
  } else {  // size 0, pseudo file systems, pipes, devices
    s = pl.run_reader([&](std::span<std::uint8_t> dst) { return rd.read(dst); }, sink, b.size);
    end = rd.position();
  }
  if (!s.ok()) {
    // A change explains a failed read (a shrink, EIO past a truncation): say so.
    if (s.code() != Errc::cancelled) CHUNKER_TRY(rd.check_unchanged());
    return s;
  }
  auto rep = rd.finish(end);
  if (!rep) return rep.status();
  if (whole) rep->whole_blake3 = whole->finalize();
  return rep;
}

}  // namespace chunker
