// Codec test helpers on top of test_util.hpp: the reference program of each
// codec and the list of codecs.
#pragma once

#include "chunker/codec.hpp"
#include "test_util.hpp"

namespace chunker::test {

// The standard program for each codec.
inline const char* program(codec::Codec c) {
  switch (c) {
    case codec::Codec::zstd: return "zstd";
    case codec::Codec::lz4: return "lz4";
    case codec::Codec::xz: return "xz";
    case codec::Codec::bzip2: return "bzip2";
    default: return "false";
  }
}

inline constexpr codec::Codec kAllCodecs[] = {codec::Codec::zstd, codec::Codec::lz4, codec::Codec::xz,
                                              codec::Codec::bzip2};

}  // namespace chunker::test
