// Streaming NAR writer: canonical output, call sequence checked as it goes.
#include <cstring>

#include "chunker/nar.hpp"

namespace chunker::nar {

namespace {
constexpr std::uint8_t kZeros[8] = {};

void put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
}  // namespace

const char* node_type_name(NodeType t) noexcept {
  switch (t) {
    case NodeType::regular: return "regular";
    case NodeType::symlink: return "symlink";
    case NodeType::directory: return "directory";
  }
  return "?";
}

Status validate_name(std::string_view name) {
  if (name.empty()) return Status(Errc::corrupt_input, "empty entry name");
  if (name == "." || name == "..") return Status(Errc::corrupt_input, "entry name '" + std::string(name) + "'");
  if (name.find('/') != std::string_view::npos) return Status(Errc::corrupt_input, "entry name contains '/'");
  if (name.find('\0') != std::string_view::npos) return Status(Errc::corrupt_input, "entry name contains NUL");
  return {};
}

Writer::Writer(Sink sink) : sink_(std::move(sink)) {}

Status Writer::misuse(const char* what) {
  state_ = State::failed;
  return Status(Errc::invalid_argument, std::string("NAR writer: ") + what);
}

Status Writer::emit(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  Status s = sink_(bytes);
  if (!s.ok()) {
    state_ = State::failed;
    return s;
  }
  offset_ += bytes.size();
  return {};
}

Status Writer::emit_padding(std::uint64_t len) {
  return emit({kZeros, static_cast<std::size_t>((8 - len % 8) % 8)});
}

Status Writer::emit_str(std::string_view s) {
  // Keywords are short: one sink call for length + bytes + padding.
  std::uint8_t buf[8 + 24];
  if (s.size() <= 16) {
    put_u64(buf, s.size());
    std::memcpy(buf + 8, s.data(), s.size());
    const std::size_t padded = (s.size() + 7) / 8 * 8;
    std::memset(buf + 8 + s.size(), 0, padded - s.size());
    return emit({buf, 8 + padded});
  }
  put_u64(buf, s.size());
  CHUNKER_TRY(emit({buf, 8}));
  CHUNKER_TRY(emit({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}));
  return emit_padding(s.size());
}

Status Writer::begin_directory() {
  if (state_ != State::expect_node) return misuse("begin_directory() where no node is expected");
  if (!started_) {
    CHUNKER_TRY(emit_str("nix-archive-1"));
    started_ = true;
  }
  CHUNKER_TRY(emit_str("("));
  CHUNKER_TRY(emit_str("type"));
  CHUNKER_TRY(emit_str("directory"));
  dirs_.emplace_back();
  dir_has_entry_.push_back(false);
  state_ = State::in_directory;
  return {};
}

Status Writer::begin_entry(std::string_view name) {
  if (state_ != State::in_directory) return misuse("begin_entry() outside a directory");
  Status v = validate_name(name);
  if (!v.ok()) return misuse(("invalid " + v.message()).c_str());
  if (dir_has_entry_.back() && std::string_view(dirs_.back()) >= name)
    return misuse(("entry '" + std::string(name) + "' is not after '" + dirs_.back() + "'").c_str());
  dirs_.back().assign(name);
  dir_has_entry_.back() = true;
  CHUNKER_TRY(emit_str("entry"));
  CHUNKER_TRY(emit_str("("));
  CHUNKER_TRY(emit_str("name"));
  CHUNKER_TRY(emit_str(name));
  CHUNKER_TRY(emit_str("node"));
  state_ = State::expect_node;
  return {};
}

Status Writer::end_entry() {
  if (state_ != State::after_entry_node) return misuse("end_entry() before the entry's node is complete");
  CHUNKER_TRY(emit_str(")"));
  state_ = State::in_directory;
  return {};
}

Status Writer::end_directory() {
  if (state_ != State::in_directory) return misuse("end_directory() outside a directory");
  CHUNKER_TRY(emit_str(")"));
  dirs_.pop_back();
  dir_has_entry_.pop_back();
  return node_done();
}

Status Writer::begin_regular(bool executable, std::uint64_t size) {
  if (state_ != State::expect_node) return misuse("begin_regular() where no node is expected");
  if (!started_) {
    CHUNKER_TRY(emit_str("nix-archive-1"));
    started_ = true;
  }
  CHUNKER_TRY(emit_str("("));
  CHUNKER_TRY(emit_str("type"));
  CHUNKER_TRY(emit_str("regular"));
  if (executable) {
    CHUNKER_TRY(emit_str("executable"));
    CHUNKER_TRY(emit_str(""));
  }
  CHUNKER_TRY(emit_str("contents"));
  std::uint8_t len[8];
  put_u64(len, size);
  CHUNKER_TRY(emit({len, 8}));
  remaining_ = regular_size_ = size;
  state_ = State::in_regular;
  return {};
}

Status Writer::write(std::span<const std::uint8_t> data) {
  if (state_ != State::in_regular) return misuse("write() outside a regular file");
  if (data.size() > remaining_) return misuse("write() beyond the declared file size");
  remaining_ -= data.size();
  return emit(data);
}

Status Writer::end_regular() {
  if (state_ != State::in_regular) return misuse("end_regular() outside a regular file");
  if (remaining_ != 0)
    return misuse(("end_regular() with " + std::to_string(remaining_) + " declared bytes unwritten").c_str());
  CHUNKER_TRY(emit_padding(regular_size_));
  CHUNKER_TRY(emit_str(")"));
  return node_done();
}

Status Writer::symlink(std::string_view target) {
  if (state_ != State::expect_node) return misuse("symlink() where no node is expected");
  if (target.empty() || target.find('\0') != std::string_view::npos)
    return misuse("symlink target is empty or contains NUL");
  if (!started_) {
    CHUNKER_TRY(emit_str("nix-archive-1"));
    started_ = true;
  }
  CHUNKER_TRY(emit_str("("));
  CHUNKER_TRY(emit_str("type"));
  CHUNKER_TRY(emit_str("symlink"));
  CHUNKER_TRY(emit_str("target"));
  CHUNKER_TRY(emit_str(target));
  CHUNKER_TRY(emit_str(")"));
  return node_done();
}

Status Writer::node_done() {
  state_ = dirs_.empty() ? State::done : State::after_entry_node;
  return {};
}

Status Writer::finish() {
  if (state_ == State::failed) return Status(Errc::invalid_argument, "NAR writer: an earlier call failed");
  if (state_ != State::done) return Status(Errc::invalid_argument, "NAR writer: archive is incomplete");
  return {};
}

}  // namespace chunker::nar
