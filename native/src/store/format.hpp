// The store's on-disk format (docs/store-format.md) as pure functions: names
// and paths, the JSON documents, blobs, packs and index files. Internal to the
// store (and its tests); the public API is chunker/store.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/store.hpp"
#include "common/huge_pages.hpp"

namespace chunker::store {

inline constexpr std::size_t kMaxNameBytes = 4096;
inline constexpr std::size_t kMaxStoreJsonBytes = 64 << 10;
inline constexpr std::size_t kMaxManifestBytes = std::size_t{256} << 20;
inline constexpr std::size_t kMaxIndexBytes = std::size_t{256} << 20;
inline constexpr std::uint64_t kMaxPackBytes = std::uint64_t{1} << 30;
inline constexpr std::uint32_t kMaxPackBlobs = 1000000;

// Codec tag at offset 0 of a blob (a v1 chunk file is one blob).
enum class ChunkTag : std::uint8_t { stored = 0, zstd = 1, lz4 = 2, xz = 3, bzip2 = 4 };

std::string to_hex(const Digest& d);
// Exactly 64 lower-case hex digits.
Result<Digest> parse_hex(std::string_view hex);
std::string chunk_rel_path(const Digest& d);            // v1: "chunks/ab/<hex>"
std::string pack_rel_path(const Digest& d);             // "packs/ab/<hex>.pack"
std::string index_rel_path(const Digest& d);            // "index/<hex>.idx"
std::string manifest_rel_path(std::string_view name);   // "manifests/<BLAKE3(name)>.json"

std::string store_json(const StoreConfig& c);
// Validates format/version/hash/id and the chunking parameters.
Result<StoreConfig> parse_store_json(std::string_view text);
// BLAKE3 of the manifest's canonical binary form (format doc).
Digest manifest_checksum(const Manifest& m);
std::string manifest_json(const Manifest& m);  // version 2, with "checksum"
// Validates every field, chunk lengths against max_size, and the checksum of a
// version-2 manifest; `require_v2` refuses version 1 (v2 stores).
Result<Manifest> parse_manifest(std::string_view text, const fastcdc::Params& chunking, bool require_v2 = true);

// Blob (tag + payload) -> chunk bytes; checks the size limit and that the bytes
// hash to `expected`. Errc::corrupt_input otherwise.
Status decode_chunk(std::span<const std::uint8_t> blob, const Digest& expected, std::uint32_t max_size,
                    std::vector<std::uint8_t>& out);

struct BlobEntry {
  Digest hash{};
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t raw_length = 0;
  friend bool operator==(const BlobEntry&, const BlobEntry&) = default;
};
// Builds one pack in memory: magic, blobs, footer, trailer.
class PackBuilder {
 public:
  PackBuilder();
  void add(const Digest& hash, std::uint32_t raw_length, std::span<const std::uint8_t> blob);
  // Two-part form for a blob built in place: tag byte + payload.
  void add(const Digest& hash, std::uint32_t raw_length, std::uint8_t tag, std::span<const std::uint8_t> payload);
  std::size_t blobs() const noexcept { return entries_.size(); }
  std::uint64_t bytes() const noexcept { return data_.size(); }
  // Room for `bytes` of blobs without regrowing (a growing pack would be copied
  // at every doubling).
  void reserve(std::size_t bytes);
  bool empty() const noexcept { return entries_.empty(); }
  // Appends the footer; returns the pack's bytes and name. The builder is reset.
  detail::HugeBytes finish(Digest& name, std::vector<BlobEntry>& entries);
  // Takes back the buffer finish() returned once its bytes are written, so the
  // next pack reuses its memory: first touch of a fresh 16 MiB buffer costs
  // more than copying the blobs into it, even in huge pages.
  void recycle(detail::HugeBytes&& bytes);

 private:
  detail::HugeBytes data_;  // huge pages where the system has them: a page fault per 2 MiB, not per 4 KiB
  std::vector<BlobEntry> entries_;
};
// The footer of a whole pack file (checks magic, trailer, contiguous blobs).
Result<std::vector<BlobEntry>> parse_pack(std::span<const std::uint8_t> pack, const fastcdc::Params& chunking);

struct IndexEntry {
  Digest hash{};
  std::uint32_t pack = 0;  // into IndexFile::packs
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t raw_length = 0;
};
struct IndexFile {
  std::vector<Digest> packs;
  std::vector<IndexEntry> entries;
};
std::vector<std::uint8_t> encode_index(const IndexFile& idx);
Result<IndexFile> parse_index(std::span<const std::uint8_t> bytes, const fastcdc::Params& chunking);

}  // namespace chunker::store
