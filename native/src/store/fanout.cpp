#include "fanout.hpp"

#include "format.hpp"

namespace chunker::store {
namespace {

bool is_hex2(std::string_view s) {
  auto ok = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return s.size() == 2 && ok(s[0]) && ok(s[1]);
}

}  // namespace

Status scan_fanout(Backend& b, std::string_view prefix, std::string_view suffix, bool times,
                   std::vector<FanoutEntry>& out, std::vector<std::string>* odd) {
  std::vector<ObjectInfo> all;
  CHUNKER_TRY(b.list(std::string(prefix), times, all));
  const std::string kind = suffix.empty() ? "chunk" : std::string(suffix.substr(1));
  std::string last_odd_dir;
  for (auto& o : all) {
    const std::string_view rel = std::string_view(o.key).substr(prefix.size());
    const auto slash = rel.find('/');
    const std::string_view sub = rel.substr(0, slash);
    if (slash == std::string_view::npos || !is_hex2(sub)) {
      const std::string what = b.describe(std::string(prefix) + std::string(sub));
      if (odd && what != last_odd_dir) odd->push_back(what + ": unexpected entry in " + std::string(prefix));
      last_odd_dir = what;
      continue;
    }
    const std::string_view f = rel.substr(slash + 1);
    auto d = f.size() == 64 + suffix.size() && f.ends_with(suffix) ? parse_hex(f.substr(0, 64))
                                                                    : Result<Digest>(Status(Errc::corrupt_input, ""));
    if (!o.regular || !d || f.compare(0, 2, sub) != 0) {
      if (odd) odd->push_back(b.describe(o.key) + ": unexpected entry (not a " + kind + " file name)");
      continue;
    }
    out.push_back({*d, std::move(o)});
  }
  return {};
}

}  // namespace chunker::store
