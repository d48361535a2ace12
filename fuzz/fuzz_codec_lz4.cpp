// libFuzzer target: the lz4 decoder path.
#include "codec_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chunker::fuzz::decode_all_ways(data, size, chunker::codec::Codec::lz4);
  return 0;
}
