// Nix archives (NAR): a streaming writer, a defensive streaming parser and the
// NAR hash in Nix's textual form. Pure byte-level code (no file system access:
// native/include/chunker/nar_fs.hpp walks and restores directories).
//
// Format: every token is a string = u64le length, bytes, zero padding to a
// multiple of 8. An archive is "nix-archive-1" followed by one node:
//   ( type regular [executable ""] contents <blob> )
//   ( type symlink target <target> )
//   ( type directory { entry ( name <name> node <node> ) }* )
// Directory entries are sorted by name (bytewise) and unique.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/sha256.hpp"

namespace chunker::nar {

enum class NodeType : std::uint8_t { regular, symlink, directory };
const char* node_type_name(NodeType t) noexcept;  // "regular", "symlink", "directory"

// Names Nix accepts in an archive: non-empty, not "." or "..", no '/' or NUL.
Status validate_name(std::string_view name);

// ---------------------------------------------------------------------------
// Writer: emits a canonical NAR through `sink`, checking that calls form a
// valid archive (entry names sorted and unique, exact contents sizes).
//
//   Writer w(sink);
//   w.begin_directory();
//     w.begin_entry("bin"); w.symlink("../lib/x"); w.end_entry();
//     w.begin_entry("lib"); w.begin_regular(false, 3); w.write(abc); w.end_regular(); w.end_entry();
//   w.end_directory();
//   w.finish();
// ---------------------------------------------------------------------------
using Sink = std::function<Status(std::span<const std::uint8_t>)>;

class Writer {
 public:
  explicit Writer(Sink sink);

  Status begin_directory();
  Status begin_entry(std::string_view name);  // inside a directory
  Status end_entry();
  Status end_directory();
  Status begin_regular(bool executable, std::uint64_t size);
  Status write(std::span<const std::uint8_t> data);  // exactly `size` bytes in total
  Status end_regular();
  Status symlink(std::string_view target);
  Status finish();  // fails unless exactly one complete root node was written

  std::uint64_t offset() const noexcept { return offset_; }  // bytes emitted so far

 private:
  enum class State : std::uint8_t { expect_node, in_regular, after_entry_node, in_directory, done, failed };
  Status emit(std::span<const std::uint8_t> bytes);
  Status emit_str(std::string_view s);
  Status emit_padding(std::uint64_t len);
  Status node_done();
  Status misuse(const char* what);

  Sink sink_;
  State state_ = State::expect_node;
  std::vector<std::string> dirs_;  // last entry name of every open directory
  std::vector<bool> dir_has_entry_;
  std::uint64_t remaining_ = 0, regular_size_ = 0;
  std::uint64_t offset_ = 0;
  bool started_ = false;
};

// ---------------------------------------------------------------------------
// Parser: push bytes in any slicing; it reports nodes to a Visitor.
// ---------------------------------------------------------------------------
struct Node {
  std::string_view path;        // "" for the root, else names joined by '/'
  std::string_view name;        // last path component ("" for the root)
  NodeType type = NodeType::regular;
  bool executable = false;      // regular files
  std::uint64_t size = 0;       // regular: contents length
  std::string_view target;      // symlink
  std::uint32_t depth = 0;      // 0 for the root
  std::uint64_t entry_offset = 0;     // where the enclosing "entry" token starts (root: 0)
  std::uint64_t node_offset = 0;      // where the node's "(" token starts
  std::uint64_t contents_offset = 0;  // regular: first contents byte
};

class Visitor {
 public:
  virtual ~Visitor() = default;
  // Directories: before their entries. Regular files: before their contents.
  virtual Status on_node(const Node&) { return {}; }
  // Contents of the current regular file, in order, in arbitrary pieces.
  virtual Status on_data(std::span<const std::uint8_t>) { return {}; }
  // After the node's entry is closed; `end_offset` is one past its last byte
  // (so [entry_offset, end_offset) is the whole entry; the root ends the archive).
  virtual Status on_node_end(const Node&, std::uint64_t /*end_offset*/) { return {}; }
};

struct Limits {
  std::uint32_t max_depth = 256;           // nesting of directories
  std::uint32_t max_name = 255;            // bytes per entry name (NAME_MAX)
  std::uint32_t max_target = 4095;         // bytes per symlink target (PATH_MAX - 1)
  std::uint64_t max_file_size = 1ull << 40;  // declared contents size
  // Total archive size when known (e.g. a file's size): contents that could not
  // fit are rejected as truncated at once instead of after reading to the end.
  std::optional<std::uint64_t> total_size;
};

class Parser {
 public:
  explicit Parser(Visitor& visitor, Limits limits = {});

  // Errors are sticky: after one, every call returns it again.
  Status push(std::span<const std::uint8_t> data);
  Status finish();  // ok only if a complete archive was pushed

  bool done() const noexcept { return state_ == P::done; }
  std::uint64_t offset() const noexcept { return pos_; }

 private:
  enum class P : std::uint8_t {
    magic, open, type_kw, type, reg_attr, exec_empty, contents_kw, target_kw, target,
    node_close, dir_item, entry_open, name_kw, name, node_kw, entry_close, done
  };
  enum class Lex : std::uint8_t { len, str, blob, pad };
  struct Frame {
    NodeType type = NodeType::regular;
    bool executable = false;
    bool has_child = false;
    std::uint64_t size = 0, entry_offset = 0, node_offset = 0, contents_offset = 0;
    std::size_t path_len_before = 0, name_len = 0;
    std::string last_child;
  };

  Status fail(Errc code, const std::string& msg);
  Status start_token(std::uint64_t len);
  Status token(std::string_view tok);
  Status expect(std::string_view tok, std::string_view want, P next);
  Status node_closed();
  Node view(const Frame& f) const;
  std::uint64_t max_len_for_state() const;
  const char* state_name() const;

  Visitor& visitor_;
  Limits limits_;
  P state_ = P::magic;
  Lex lex_ = Lex::len;
  std::uint8_t lenbuf_[8];
  unsigned lenfill_ = 0;
  std::uint64_t tok_len_ = 0, remaining_ = 0;
  unsigned pad_left_ = 0;
  std::uint64_t pos_ = 0, tok_start_ = 0;
  std::string tok_;
  std::string path_;
  std::string pending_name_;
  std::uint64_t pending_entry_offset_ = 0;
  bool blob_pending_ = false;    // the next string is file contents
  bool blob_in_flight_ = false;  // the lexer is inside file contents
  std::vector<Frame> frames_;  // open nodes, root first
  Status error_;
};

// One-shot parse of an in-memory archive (Limits::total_size set from `nar`).
Status parse(std::span<const std::uint8_t> nar, Visitor& visitor, Limits limits = {});

// ---------------------------------------------------------------------------
// NAR hash in Nix's form: "sha256:<nix base32>" of the archive bytes.
// ---------------------------------------------------------------------------
class NarHasher {
 public:
  void update(std::span<const std::uint8_t> data) noexcept { h_.update(data); size_ += data.size(); }
  sha256::Digest digest() noexcept { return h_.finalize(); }  // once
  std::uint64_t size() const noexcept { return size_; }

 private:
  sha256::Hasher h_;
  std::uint64_t size_ = 0;
};

std::string format_nar_hash(const sha256::Digest& digest);  // "sha256:" + nix base32
// Parses "sha256:<52 base32>", "sha256:<64 hex>" or SRI "sha256-<base64>".
Result<sha256::Digest> parse_nar_hash(std::string_view text);

}  // namespace chunker::nar
