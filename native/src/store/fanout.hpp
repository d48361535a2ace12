// Listing the store's fan-out directories: PREFIX<ab>/<64 hex digits>SUFFIX,
// <ab> being the name's first two digits (packs/…/….pack; v1 chunks/…/…).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "chunker/hash.hpp"

namespace chunker::store {

struct FanoutEntry {
  Digest hash{};  // from the name
  ObjectInfo info;
};

// Every well-formed entry under `prefix` (with size and timestamp when
// `times`); anything else is reported through `odd` (may be null), naming it.
Status scan_fanout(Backend& b, std::string_view prefix, std::string_view suffix, bool times,
                   std::vector<FanoutEntry>& out, std::vector<std::string>* odd);

inline Status scan_packs(Backend& b, bool times, std::vector<FanoutEntry>& out, std::vector<std::string>* odd) {
  return scan_fanout(b, "packs/", ".pack", times, out, odd);
}
inline Status scan_chunks(Backend& b, bool times, std::vector<FanoutEntry>& out, std::vector<std::string>* odd) {
  return scan_fanout(b, "chunks/", "", times, out, odd);
}

}  // namespace chunker::store
