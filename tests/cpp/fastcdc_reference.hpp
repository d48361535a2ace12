// A literal, deliberately naive transcription of fastcdc-rs v2020 `cut_gear`
// (pairwise loop with the pre-shifted gear_ls table), reading its tables from
// tests/data/fastcdc_v2020_tables.json. It shares no code with core/src/fastcdc,
// so agreement between the two is a real check.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "chunker/fastcdc.hpp"
#include "test_util.hpp"

namespace reference {

// Parameters for a case (min, avg, max, level, seed), unvalidated.
inline chunker::fastcdc::Params make(std::uint32_t mn, std::uint32_t av, std::uint32_t mx, std::uint32_t level = 1,
                                     std::uint64_t seed = 0) {
  chunker::fastcdc::Params p;
  p.min_size = mn;
  p.avg_size = av;
  p.max_size = mx;
  p.level = level;
  p.seed = seed;
  return p;
}

struct Tables {
  std::uint64_t gear[256], gear_ls[256], masks[26];
};

inline const Tables& base_tables() {
  static const Tables t = [] {
    Tables t{};
    auto j = chunker::test::load_json(chunker::test::data_path("fastcdc_v2020_tables.json"));
    for (int i = 0; i < 256; ++i) {
      t.gear[i] = std::stoull(j["gear"][i].str, nullptr, 16);
      t.gear_ls[i] = t.gear[i] << 1;
    }
    for (int i = 0; i < 26; ++i) t.masks[i] = std::stoull(j["masks"][i].str, nullptr, 16);
    return t;
  }();
  return t;
}

struct RefChunk {
  std::uint64_t hash;
  std::size_t offset, length;
};

inline std::pair<std::uint64_t, std::size_t> cut_gear(const std::uint8_t* source, std::size_t len, std::size_t min_size,
                                                      std::size_t avg_size, std::size_t max_size,
                                                      std::uint64_t mask_s, std::uint64_t mask_l,
                                                      std::uint64_t mask_s_ls, std::uint64_t mask_l_ls,
                                                      const std::uint64_t* gear, const std::uint64_t* gear_ls) {
  std::size_t remaining = len;
  if (remaining <= min_size) return {0, remaining};
  std::size_t center = avg_size;
  if (remaining > max_size) remaining = max_size;
  else if (remaining < center) center = remaining;
  std::size_t index = min_size / 2;
  std::uint64_t hash = 0;
  while (index < center / 2) {
    std::size_t a = index * 2;
    hash = (hash << 2) + gear_ls[source[a]];
    if ((hash & mask_s_ls) == 0) return {hash, a};
    hash = hash + gear[source[a + 1]];
    if ((hash & mask_s) == 0) return {hash, a + 1};
    index += 1;
  }
  while (index < remaining / 2) {
    std::size_t a = index * 2;
    hash = (hash << 2) + gear_ls[source[a]];
    if ((hash & mask_l_ls) == 0) return {hash, a};
    hash = hash + gear[source[a + 1]];
    if ((hash & mask_l) == 0) return {hash, a + 1};
    index += 1;
  }
  return {hash, remaining};
}

inline std::vector<RefChunk> chunk_all(const std::vector<std::uint8_t>& data, std::size_t min_size,
                                       std::size_t avg_size, std::size_t max_size, unsigned level,
                                       std::uint64_t seed) {
  const Tables& b = base_tables();
  std::uint64_t gear[256], gear_ls[256];
  for (int i = 0; i < 256; ++i) {
    gear[i] = b.gear[i] ^ seed;
    gear_ls[i] = b.gear_ls[i] ^ (seed << 1);
  }
  const unsigned bits = static_cast<unsigned>(std::round(std::log2(static_cast<double>(avg_size))));
  const std::uint64_t mask_s = b.masks[bits + level], mask_l = b.masks[bits - level];
  std::vector<RefChunk> out;
  std::size_t offset = 0;
  while (offset < data.size()) {
    auto [hash, cut] = cut_gear(data.data() + offset, data.size() - offset, min_size, avg_size, max_size, mask_s,
                                mask_l, mask_s << 1, mask_l << 1, gear, gear_ls);
    out.push_back({hash, offset, cut});
    offset += cut;
  }
  return out;
}

}  // namespace reference
