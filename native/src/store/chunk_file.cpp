// Chunk file contents: a 1-byte codec tag, then the raw chunk or one frame.
#include <cstring>

#include "chunker/blake3.hpp"
#include "chunker/codec.hpp"
#include "chunker/store.hpp"
#include "format.hpp"

namespace chunker::store {

Status decode_chunk(std::span<const std::uint8_t> file, const Digest& expected, std::uint32_t max_size,
                    std::vector<std::uint8_t>& out) {
  const std::string what = "chunk " + to_hex(expected);
  if (file.empty()) return Status(Errc::corrupt_input, what + ": empty file (no codec tag)");
  auto payload = file.subspan(1);
  codec::Codec c;
  switch (file[0]) {
    case 0: c = codec::Codec::none; break;
    case 1: c = codec::Codec::zstd; break;
    case 2: c = codec::Codec::lz4; break;
    case 3: c = codec::Codec::xz; break;
    case 4: c = codec::Codec::bzip2; break;
    default: return Status(Errc::corrupt_input, what + ": unknown codec tag " + std::to_string(file[0]));
  }
  if (c == codec::Codec::none) {
    if (payload.size() > max_size)
      return Status(Errc::corrupt_input, what + ": " + std::to_string(payload.size()) +
                                             " stored bytes exceed the max chunk size " + std::to_string(max_size));
    out.assign(payload.begin(), payload.end());
  } else {
    codec::DecompressOptions o;
    o.codec = c;
    o.output_limit = max_size;  // a chunk is never larger: anything more is corrupt (or a bomb)
    Status s = codec::decompress(payload, out, o);
    if (!s.ok()) return Status(Errc::corrupt_input, what + ": " + s.message());
  }
  if (out.empty()) return Status(Errc::corrupt_input, what + ": decodes to zero bytes");
  if (blake3::hash(out) != expected) return Status(Errc::corrupt_input, what + ": content does not match its hash");
  return {};
}

}  // namespace chunker::store
