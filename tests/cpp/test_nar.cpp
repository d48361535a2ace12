// NAR writer + parser: round trips, streaming in any slicing, and hostile archives.
// (Byte-compatibility with real Nix is in test_nar_nix.cpp.)
#include <gtest/gtest.h>

#include "chunker/encoding.hpp"
#include "chunker/nar.hpp"
#include "nix_test_util.hpp"

using namespace chunker;
using namespace chunker::nar;
using chunker::test::str;
using chunker::test::tokens;
using chunker::test::u64;

namespace {

struct Event {
  std::string kind, path, extra;
  std::uint64_t a = 0, b = 0;
  bool operator==(const Event&) const = default;
};

struct Recorder final : Visitor {
  std::vector<Event> ev;
  std::string data;
  Status on_node(const Node& n) override {
    ev.push_back({std::string("node:") + node_type_name(n.type), std::string(n.path),
                  std::string(n.target) + (n.executable ? "*" : ""), n.size, n.entry_offset});
    return {};
  }
  Status on_data(std::span<const std::uint8_t> d) override {
    data.append(reinterpret_cast<const char*>(d.data()), d.size());
    return {};
  }
  Status on_node_end(const Node& n, std::uint64_t end) override {
    ev.push_back({"end", std::string(n.path), "", end, n.depth});
    return {};
  }
};

std::vector<std::uint8_t> sample_nar() {
  std::vector<std::uint8_t> out;
  Writer w([&](std::span<const std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status();
  });
  const std::string hello = "hello, world\n";
  EXPECT_TRUE(w.begin_directory().ok());
  EXPECT_TRUE(w.begin_entry("bin").ok());
  EXPECT_TRUE(w.begin_directory().ok());
  EXPECT_TRUE(w.begin_entry("tool").ok());
  EXPECT_TRUE(w.begin_regular(true, hello.size()).ok());
  EXPECT_TRUE(w.write({reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()}).ok());
  EXPECT_TRUE(w.end_regular().ok());
  EXPECT_TRUE(w.end_entry().ok());
  EXPECT_TRUE(w.end_directory().ok());
  EXPECT_TRUE(w.end_entry().ok());
  EXPECT_TRUE(w.begin_entry("empty").ok());
  EXPECT_TRUE(w.begin_regular(false, 0).ok());
  EXPECT_TRUE(w.end_regular().ok());
  EXPECT_TRUE(w.end_entry().ok());
  EXPECT_TRUE(w.begin_entry("link").ok());
  EXPECT_TRUE(w.symlink("bin/tool").ok());
  EXPECT_TRUE(w.end_entry().ok());
  EXPECT_TRUE(w.end_directory().ok());
  EXPECT_TRUE(w.finish().ok());
  return out;
}

// The writer's bytes equal a hand-assembled token list (the NAR grammar).
TEST(Nar, WriterMatchesGrammar) {
  std::vector<std::uint8_t> want;
  for (const char* t : {"nix-archive-1", "(", "type", "directory", "entry", "(", "name", "f", "node", "(", "type",
                        "regular", "executable", "", "contents"})
    str(want, t);
  str(want, "abc");
  for (const char* t : {")", ")", ")"}) str(want, t);
  std::vector<std::uint8_t> got;
  Writer w([&](std::span<const std::uint8_t> b) {
    got.insert(got.end(), b.begin(), b.end());
    return Status();
  });
  ASSERT_TRUE(w.begin_directory().ok());
  ASSERT_TRUE(w.begin_entry("f").ok());
  ASSERT_TRUE(w.begin_regular(true, 3).ok());
  ASSERT_TRUE(w.write({reinterpret_cast<const std::uint8_t*>("abc"), 3}).ok());
  ASSERT_TRUE(w.end_regular().ok());
  ASSERT_TRUE(w.end_entry().ok());
  ASSERT_TRUE(w.end_directory().ok());
  ASSERT_TRUE(w.finish().ok());
  EXPECT_EQ(got, want);
  EXPECT_EQ(w.offset(), want.size());
}

TEST(Nar, ParseReportsNodesAndOffsets) {
  const auto nar = sample_nar();
  Recorder r;
  ASSERT_TRUE(parse(nar, r).ok());
  EXPECT_EQ(r.data, "hello, world\n");
  std::vector<std::string> kinds;
  for (const auto& e : r.ev) kinds.push_back(e.kind + " " + e.path + " " + e.extra);
  EXPECT_EQ(kinds, (std::vector<std::string>{"node:directory  ", "node:directory bin ", "node:regular bin/tool *",
                                             "end bin/tool ", "end bin ", "node:regular empty ", "end empty ",
                                             "node:symlink link bin/tool", "end link ", "end  "}));
  // The root ends at the end of the archive; each entry range starts with the "entry" token.
  EXPECT_EQ(r.ev.back().a, nar.size());
  for (const auto& e : r.ev) {
    if (e.kind.rfind("node:", 0) == 0 && !e.path.empty()) {
      ASSERT_LT(e.b + 16, nar.size());
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(nar.data() + e.b + 8), 5), "entry") << e.path;
    }
  }
}

TEST(Nar, StreamingAnySlicingGivesSameEvents) {
  const auto nar = sample_nar();
  Recorder whole;
  ASSERT_TRUE(parse(nar, whole).ok());
  for (std::size_t step : {1u, 2u, 3u, 7u, 8u, 13u, 64u}) {
    Recorder r;
    Parser p(r);
    for (std::size_t i = 0; i < nar.size(); i += step)
      ASSERT_TRUE(p.push(std::span(nar).subspan(i, std::min(step, nar.size() - i))).ok()) << step;
    ASSERT_TRUE(p.finish().ok());
    EXPECT_EQ(r.ev, whole.ev) << step;
    EXPECT_EQ(r.data, whole.data);
  }
}

// Accepted archives are canonical: replaying the parser's events into a Writer
// reproduces the input byte for byte (the fuzz target checks this on random input).
struct Rewriter final : Visitor {
  std::vector<std::uint8_t> out;
  Writer w{[this](std::span<const std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status();
  }};
  Status on_node(const Node& n) override {
    if (n.depth > 0) CHUNKER_TRY(w.begin_entry(n.name));
    if (n.type == NodeType::directory) return w.begin_directory();
    if (n.type == NodeType::regular) return w.begin_regular(n.executable, n.size);
    return w.symlink(n.target);
  }
  Status on_data(std::span<const std::uint8_t> d) override { return w.write(d); }
  Status on_node_end(const Node& n, std::uint64_t) override {
    if (n.type == NodeType::regular) CHUNKER_TRY(w.end_regular());
    if (n.type == NodeType::directory) CHUNKER_TRY(w.end_directory());
    if (n.depth > 0) CHUNKER_TRY(w.end_entry());
    return {};
  }
};

TEST(Nar, AcceptedArchivesAreCanonical) {
  const auto nar = sample_nar();
  Rewriter r;
  ASSERT_TRUE(parse(nar, r).ok());
  ASSERT_TRUE(r.w.finish().ok());
  EXPECT_EQ(r.out, nar);
}

TEST(Nar, RootRegularAndSymlink) {
  std::vector<std::uint8_t> nar = tokens({"nix-archive-1", "(", "type", "regular", "contents"});
  str(nar, "x");
  str(nar, ")");
  Recorder r;
  ASSERT_TRUE(parse(nar, r).ok());
  EXPECT_EQ(r.data, "x");
  auto link = tokens({"nix-archive-1", "(", "type", "symlink", "target", "/etc/passwd", ")"});
  Recorder r2;
  ASSERT_TRUE(parse(link, r2).ok());  // a root symlink is valid; restoring it writes nothing through it
}

Status parse_status(const std::vector<std::uint8_t>& nar, Limits lim = {}) {
  Visitor v;
  return parse(nar, v, lim);
}

std::vector<std::uint8_t> dir_with(std::initializer_list<std::string> names) {
  std::vector<std::uint8_t> nar = tokens({"nix-archive-1", "(", "type", "directory"});
  for (const auto& n : names) {
    for (const char* t : {"entry", "(", "name"}) str(nar, t);
    str(nar, n);
    for (const char* t : {"node", "(", "type", "symlink", "target", "x", ")", ")"}) str(nar, t);
  }
  str(nar, ")");
  return nar;
}

TEST(Nar, RejectsBadNames) {
  EXPECT_TRUE(parse_status(dir_with({"a", "b"})).ok());
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                          std::string("/"), std::string("a\0b", 3)}) {
    Status s = parse_status(dir_with({bad}));
    EXPECT_EQ(s.code(), Errc::corrupt_input) << "name '" << bad << "': " << s.to_string();
  }
  EXPECT_EQ(parse_status(dir_with({"b", "a"})).code(), Errc::corrupt_input);   // unsorted
  EXPECT_EQ(parse_status(dir_with({"a", "a"})).code(), Errc::corrupt_input);   // duplicate
  EXPECT_NE(parse_status(dir_with({"a", "a"})).message().find("duplicate"), std::string::npos);
  EXPECT_EQ(parse_status(dir_with({"B", "a"})).code(), Errc::ok);              // bytewise order
  EXPECT_EQ(parse_status(dir_with({std::string(256, 'n')})).code(), Errc::corrupt_input);  // > NAME_MAX
}

TEST(Nar, RejectsStructuralDamage) {
  EXPECT_EQ(parse_status(tokens({"nix-archive-2", "("})).code(), Errc::unsupported_format);
  EXPECT_EQ(parse_status(tokens({"nix-archive-1", "(", "type", "fifo", ")"})).code(), Errc::corrupt_input);
  EXPECT_EQ(parse_status(tokens({"nix-archive-1", "(", "type", "symlink", "target", "", ")"})).code(),
            Errc::corrupt_input);
  // Non-canonical: executable after contents, unknown attribute.
  auto nc = tokens({"nix-archive-1", "(", "type", "regular", "contents"});
  str(nc, "");
  for (const char* t : {"executable", "", ")"}) str(nc, t);
  EXPECT_EQ(parse_status(nc).code(), Errc::corrupt_input);
  // Bad padding after a 1-byte contents string.
  auto pad = tokens({"nix-archive-1", "(", "type", "regular", "contents"});
  str(pad, "x");
  pad[pad.size() - 1] = 0x55;
  str(pad, ")");
  EXPECT_EQ(parse_status(pad).code(), Errc::corrupt_input);
  // Bad padding in a keyword.
  auto kpad = tokens({"nix-archive-1", "("});
  kpad[kpad.size() - 3] = 1;
  EXPECT_EQ(parse_status(kpad).code(), Errc::corrupt_input);
  // Oversized keyword length is rejected before any allocation.
  std::vector<std::uint8_t> big = tokens({"nix-archive-1"});
  u64(big, ~0ull);
  EXPECT_EQ(parse_status(big).code(), Errc::corrupt_input);
}

TEST(Nar, RejectsAbsurdSizesAndTruncation) {
  auto huge = tokens({"nix-archive-1", "(", "type", "regular", "contents"});
  u64(huge, 1ull << 62);
  EXPECT_EQ(parse_status(huge).code(), Errc::output_limit);
  auto lie = tokens({"nix-archive-1", "(", "type", "regular", "contents"});
  u64(lie, 1000);  // declared, not present
  EXPECT_EQ(parse_status(lie).code(), Errc::truncated_input);
  // Streaming without a known total: the parser only fails at finish(), having buffered nothing.
  Visitor v;
  Parser p(v);
  ASSERT_TRUE(p.push(lie).ok());
  EXPECT_EQ(p.finish().code(), Errc::truncated_input);

  const auto nar = sample_nar();
  for (std::size_t cut = 0; cut < nar.size(); ++cut) {
    Visitor vv;
    Parser pp(vv);
    Status s = pp.push(std::span(nar).first(cut));
    if (s.ok()) s = pp.finish();
    EXPECT_EQ(s.code(), Errc::truncated_input) << "cut at " << cut;
  }
  auto trailing = nar;
  trailing.push_back(0);
  EXPECT_EQ(parse_status(trailing).code(), Errc::trailing_data);
}

TEST(Nar, DepthLimit) {
  std::vector<std::uint8_t> nar = tokens({"nix-archive-1"});
  const int depth = 300;
  for (int i = 0; i < depth; ++i) {
    for (const char* t : {"(", "type", "directory", "entry", "(", "name", "d", "node"}) str(nar, t);
  }
  Status s = parse_status(nar);
  EXPECT_EQ(s.code(), Errc::corrupt_input) << s.to_string();
  EXPECT_NE(s.message().find("nested"), std::string::npos);
}

TEST(Nar, WriterRejectsMisuse) {
  auto sink = [](std::span<const std::uint8_t>) { return Status(); };
  {
    Writer w(sink);
    ASSERT_TRUE(w.begin_directory().ok());
    ASSERT_TRUE(w.begin_entry("b").ok());
    ASSERT_TRUE(w.symlink("t").ok());
    ASSERT_TRUE(w.end_entry().ok());
    EXPECT_FALSE(w.begin_entry("a").ok());  // unsorted
  }
  {
    Writer w(sink);
    ASSERT_TRUE(w.begin_directory().ok());
    EXPECT_FALSE(w.begin_entry("..").ok());
  }
  {
    Writer w(sink);
    ASSERT_TRUE(w.begin_regular(false, 4).ok());
    ASSERT_TRUE(w.write({reinterpret_cast<const std::uint8_t*>("abc"), 3}).ok());
    EXPECT_FALSE(w.end_regular().ok());  // one byte short
  }
  {
    Writer w(sink);
    ASSERT_TRUE(w.begin_directory().ok());
    EXPECT_FALSE(w.finish().ok());
  }
  {
    Writer w([](std::span<const std::uint8_t>) { return Status(Errc::io_error, "disk full"); });
    EXPECT_EQ(w.begin_directory().code(), Errc::io_error);
  }
}

TEST(Nar, HashFormats) {
  sha256::Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i * 7 + 1);
  const std::string b32 = format_nar_hash(d);
  ASSERT_EQ(b32.size(), 7u + 52u);
  auto p1 = parse_nar_hash(b32);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1.value(), d);
  auto p2 = parse_nar_hash("sha256:" + hex_encode(d));
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2.value(), d);
  auto p3 = parse_nar_hash("sha256-" + base64_encode(d));
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(p3.value(), d);
  EXPECT_FALSE(parse_nar_hash("md5:abc").ok());
  EXPECT_FALSE(parse_nar_hash("sha256:" + std::string(52, 'e')).ok());  // 'e' is not Nix base32
}

}  // namespace
