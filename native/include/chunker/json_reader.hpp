// A small strict JSON reader (RFC 8259) for the chunk store's store.json and
// manifests, which other programs (the Node demo server) also write: any valid
// whitespace and key order is accepted; anything invalid is rejected with the
// byte offset. Limits bound memory and recursion: input size, nesting depth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"

namespace chunker::json {

struct Member;

struct Value {
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::string text;  // string contents (UTF-8, unescaped) or the number's literal text
  std::vector<Value> items;                             // array
  std::vector<Member> members;                          // object, in input order, keys unique

  bool is_object() const noexcept { return kind == Kind::object; }
  bool is_array() const noexcept { return kind == Kind::array; }
  bool is_string() const noexcept { return kind == Kind::string; }
  // Member by key, or nullptr.
  const Value* find(std::string_view key) const noexcept;
  // A number that is a non-negative integer without fraction or exponent and fits in 64 bits.
  std::optional<std::uint64_t> as_u64() const noexcept;
};

// (Not std::pair: a pair of an incomplete type is ill-formed; libstdc++ accepts it, clang rejects it.)
struct Member {
  std::string key;
  Value value;
};

struct Limits {
  std::size_t max_bytes = std::size_t{256} << 20;  // input size
  unsigned max_depth = 32;                         // nested arrays/objects
};

// Parses one JSON text (leading/trailing whitespace allowed, nothing else).
// Errors are Errc::corrupt_input "invalid JSON at byte N: ...", or
// Errc::output_limit when a limit is crossed.
Result<Value> parse(std::string_view text, const Limits& limits = {});

// Appends `s` as a JSON string literal (quotes, escapes for " \ and controls).
void append_string(std::string& out, std::string_view s);

}  // namespace chunker::json
