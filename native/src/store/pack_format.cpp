// Pack files and index files (docs/store-format.md): building and strict parsing.
#include <cstring>
#include <random>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "le_bytes.hpp"

namespace chunker::store {
namespace {

constexpr char kPackMagic[] = "chkpack2";
constexpr char kPackEnd[] = "chkpend2";
constexpr char kIndexMagic[] = "chkidx02";
constexpr std::size_t kFooterEntry = 48, kTrailer = 16, kIndexEntry = 52;

Status bad_pack(const std::string& why) { return Status(Errc::corrupt_input, "pack: " + why); }
Status bad_index(const std::string& why) { return Status(Errc::corrupt_input, "index file: " + why); }

}  // namespace

PackBuilder::PackBuilder() { data_.assign(kPackMagic, kPackMagic + 8); }

void PackBuilder::reserve(std::size_t bytes) {
  data_.reserve(bytes);
}

void PackBuilder::add(const Digest& hash, std::uint32_t raw_length, std::span<const std::uint8_t> blob) {
  entries_.push_back({hash, data_.size(), static_cast<std::uint32_t>(blob.size()), raw_length});
  data_.insert(data_.end(), blob.begin(), blob.end());
}

void PackBuilder::add(const Digest& hash, std::uint32_t raw_length, std::uint8_t tag,
                      std::span<const std::uint8_t> payload) {
  entries_.push_back({hash, data_.size(), static_cast<std::uint32_t>(payload.size() + 1), raw_length});
  data_.push_back(tag);
  data_.insert(data_.end(), payload.begin(), payload.end());
}

detail::HugeBytes PackBuilder::finish(Digest& name, std::vector<BlobEntry>& entries) {
  detail::HugeBytes out = std::move(data_);
  out.reserve(out.size() + entries_.size() * kFooterEntry + kTrailer);
  for (const auto& e : entries_) {
    out.insert(out.end(), e.hash.begin(), e.hash.end());
    le::put_u64(out, e.offset);
    le::put_u32(out, e.length);
    le::put_u32(out, e.raw_length);
  }
  le::put_u32(out, static_cast<std::uint32_t>(entries_.size()));
  // Salt: two packs never share a name even with the same blobs, so a writer
  // cannot "create" a pack that exists already (perhaps condemned by a gc plan).
  thread_local std::mt19937 rng{std::random_device{}()};
  le::put_u32(out, static_cast<std::uint32_t>(rng()));
  out.insert(out.end(), kPackEnd, kPackEnd + 8);
  name = blake3::hash(out);
  entries = std::move(entries_);
  entries_.clear();
  data_.assign(kPackMagic, kPackMagic + 8);
  return out;
}

void PackBuilder::recycle(detail::HugeBytes&& bytes) {
  if (!entries_.empty() || bytes.capacity() <= data_.capacity()) return;
  data_ = std::move(bytes);
  data_.assign(kPackMagic, kPackMagic + 8);
}

Result<std::vector<BlobEntry>> parse_pack(std::span<const std::uint8_t> p, const fastcdc::Params& chunking) {
  if (p.size() < 8 + kTrailer || std::memcmp(p.data(), kPackMagic, 8) != 0) return bad_pack("bad magic (not a pack)");
  const std::uint8_t* t = p.data() + p.size() - kTrailer;
  if (std::memcmp(t + 8, kPackEnd, 8) != 0) return bad_pack("bad trailer");
  const std::uint64_t n = le::get_u32(t);
  if (n > kMaxPackBlobs || n * kFooterEntry > p.size() - 8 - kTrailer) return bad_pack("blob count out of range");
  const std::uint64_t footer = p.size() - kTrailer - n * kFooterEntry;
  std::vector<BlobEntry> out(n);
  std::uint64_t expect = 8;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint8_t* e = p.data() + footer + i * kFooterEntry;
    BlobEntry& b = out[i];
    std::memcpy(b.hash.data(), e, 32);
    b.offset = le::get_u64(e + 32);
    b.length = le::get_u32(e + 40);
    b.raw_length = le::get_u32(e + 44);
    if (b.offset != expect || b.length < 2 || b.length > footer - b.offset)
      return bad_pack("blob " + std::to_string(i) + " is not where the footer says the next blob starts");
    if (b.raw_length == 0 || b.raw_length > chunking.max_size)
      return bad_pack("blob " + std::to_string(i) + ": raw length out of range");
    expect = b.offset + b.length;
  }
  if (expect != footer) return bad_pack("blobs do not end where the footer starts");
  return out;
}

std::vector<std::uint8_t> encode_index(const IndexFile& idx) {
  std::vector<std::uint8_t> out(kIndexMagic, kIndexMagic + 8);
  out.reserve(16 + idx.packs.size() * 32 + idx.entries.size() * kIndexEntry);
  le::put_u32(out, static_cast<std::uint32_t>(idx.packs.size()));
  le::put_u32(out, static_cast<std::uint32_t>(idx.entries.size()));
  for (const auto& p : idx.packs) out.insert(out.end(), p.begin(), p.end());
  for (const auto& e : idx.entries) {
    out.insert(out.end(), e.hash.begin(), e.hash.end());
    le::put_u32(out, e.pack);
    le::put_u64(out, e.offset);
    le::put_u32(out, e.length);
    le::put_u32(out, e.raw_length);
  }
  return out;
}

Result<IndexFile> parse_index(std::span<const std::uint8_t> b, const fastcdc::Params& chunking) {
  if (b.size() < 16 || std::memcmp(b.data(), kIndexMagic, 8) != 0) return bad_index("bad magic (not an index file)");
  const std::uint64_t np = le::get_u32(b.data() + 8), ne = le::get_u32(b.data() + 12);
  if (b.size() != 16 + np * 32 + ne * kIndexEntry) return bad_index("size does not match its pack and entry counts");
  IndexFile idx;
  idx.packs.resize(np);
  for (std::uint64_t i = 0; i < np; ++i) std::memcpy(idx.packs[i].data(), b.data() + 16 + i * 32, 32);
  idx.entries.resize(ne);
  const std::uint8_t* e = b.data() + 16 + np * 32;
  for (std::uint64_t i = 0; i < ne; ++i, e += kIndexEntry) {
    IndexEntry& x = idx.entries[i];
    std::memcpy(x.hash.data(), e, 32);
    x.pack = le::get_u32(e + 32);
    x.offset = le::get_u64(e + 36);
    x.length = le::get_u32(e + 44);
    x.raw_length = le::get_u32(e + 48);
    if (x.pack >= np || x.offset < 8 || x.length < 2 || x.offset + x.length > kMaxPackBytes || x.raw_length == 0 ||
        x.raw_length > chunking.max_size)
      return bad_index("entry " + std::to_string(i) + " out of range");
  }
  return idx;
}

}  // namespace chunker::store
