// `chunker hash`: reading one input and formatting its digest.
//
// Inputs are read through InputReader (input.hpp), to EOF, into memory the
// process owns, and a file that changed while read is an error naming it.
// Single-threaded hashing reads in 64 KiB blocks into one reused buffer that
// stays in L2: on a page-cached 1 GiB file that costs less CPU than mmap
// (whose page faults and cold loads cost more than the copy) and much less
// than 1 MiB+ reads (see docs/benchmarks-hash.md). With --threads > 1 BLAKE3
// reads 1 MiB at a time while other threads hash what was read (hash_by_fill).
// Nothing is mapped: a mapped file that shrinks kills the process (SIGBUS).
#include <cstring>
#include <memory>

#include "chunker/encoding.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "hash_cli.hpp"

namespace chunker::cli::hash {
namespace {

constexpr std::size_t kDefaultReadBlock = 64u << 10;
// Below this, threads do not pay off.
constexpr std::uint64_t kParallelMin = 1u << 20;

Status hash_by_read(InputReader& f, const Options& o, AnyHasher& h) {
  const std::size_t block = o.read_block ? o.read_block : kDefaultReadBlock;
  static std::unique_ptr<std::uint8_t[]> buf;  // reused across inputs
  static std::size_t buf_size = 0;
  if (buf_size != block) {
    buf.reset(new (std::nothrow) std::uint8_t[block]);
    buf_size = buf ? block : 0;
    if (!buf) return Status(Errc::out_of_memory, "cannot allocate a read buffer of " + std::to_string(block));
  }
  for (;;) {
    auto n = f.read({buf.get(), block});
    if (!n) return n.status();
    if (*n == 0) return {};
    h.update({buf.get(), *n}, o.threads);
  }
}

// Multi-threaded BLAKE3 of a file: Hasher::update_from reads the next MiB on
// this thread while the other threads hash the MiBs read before (each MiB a
// whole subtree), in a small huge-page ring that stays in cache: faster than
// 8 MiB blocks split across the threads with the next block read on a thread
// of its own (docs/benchmarks-log.md, "2026-12-04, night"). Mapping the page
// cache instead costs a TLB walk per 4 KiB page, which can make it slower than
// one thread reading (docs/benchmarks-log.md, "2026-12-04: a different machine").
Status hash_by_fill(InputReader& f, std::uint64_t size, const Options& o, AnyHasher& h) {
  Status err;
  bool ok = h.blake3()->update_from(size, [&](std::uint8_t* dst, std::size_t n) {
    Result<std::size_t> r = f.read({dst, n});  // fills unless the file ends
    if (!r) err = r.status();
    else if (*r != n) {
      err = f.check_unchanged();  // names what changed
      if (err.ok())
        err = Status(Errc::changed, f.name() + ": changed while being read (it ends at byte " +
                                        std::to_string(f.position()) + ", its size at the start was " +
                                        std::to_string(size) + ")");
    }
    return err.ok();
  }, o.threads);
  if (!ok) return err.ok() ? Status(Errc::out_of_memory, "cannot allocate the read buffers") : err;
  return hash_by_read(f, o, h);  // to EOF: what was appended since the stamp (then finish() fails)
}

}  // namespace

AnyHasher make_hasher(const Options& o) {
  if (o.algo == HashAlgo::sha256) return AnyHasher(HashAlgo::sha256);
  if (o.keyed) return AnyHasher(blake3::Hasher::keyed(o.key));
  if (o.derive) return AnyHasher(blake3::Hasher::derive_key(o.context));
  return AnyHasher(HashAlgo::blake3);
}

Status hash_path(const std::string& path, const Options& o, AnyHasher& h) {
  auto f = InputFile::open(path);
  if (!f) return f.status();
  InputReader rd(*f);
  const auto size = f->size();
  // --io mmap reads too (nothing is mapped); it keeps the automatic choice.
  if (o.io != Io::read && o.threads > 1 && o.algo == HashAlgo::blake3 && size && *size >= kParallelMin)
    CHUNKER_TRY(hash_by_fill(rd, *size, o, h));
  else
    CHUNKER_TRY(hash_by_read(rd, o, h));
  return rd.finish().status();
}

void append_digest(AnyHasher& h, const Options& o, std::uint64_t length, OutputBuffer& out) {
  if (o.base32) {  // length is capped by the option parser: Nix base32 needs it whole
    std::vector<std::uint8_t> d(static_cast<std::size_t>(length));
    h.output(0, d);
    out.append(nix_base32_encode(d));
    return;
  }
  std::uint8_t piece[4096];
  for (std::uint64_t off = 0; off < length;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof piece, length - off));
    h.output(off, {piece, n});
    out.append(hex_encode({piece, n}));
    off += n;
  }
}

bool escape_name(const std::string& name, bool newline_only, std::string& escaped) {
  // sha256sum 9.1 escapes '\\', LF and CR; in --check's report lines only a
  // name with a LF is escaped (then all three are).
  if (name.find_first_of(newline_only ? "\n" : "\\\n\r") == std::string::npos) return false;
  escaped.clear();
  for (char c : name) {
    if (c == '\n') escaped += "\\n";
    else if (c == '\r') escaped += "\\r";
    else if (c == '\\') escaped += "\\\\";
    else escaped += c;
  }
  return true;
}

}  // namespace chunker::cli::hash
