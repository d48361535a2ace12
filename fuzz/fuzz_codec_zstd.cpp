// libFuzzer target: the zstd decoder path.
#include "codec_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chunker::fuzz::decode_all_ways(data, size, chunker::codec::Codec::zstd);
  return 0;
}
