// Error model shared by every layer.
//
// The core never throws: fallible functions return `Status` (code + message) or
// `Result<T>` (value or Status). Exceptions are costly in wasm and awkward across
// Embind, so they are opt-in: `value_or_throw()` / `throw_if_error()` give C++
// users a throwing convenience layer on top.
//
// Codes are stable: the CLI maps them to exit statuses, the JS layer maps
// `errc_name()` to `err.code` strings.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace chunker {

enum class Errc : std::uint8_t {
  ok = 0,
  invalid_argument,    // bad parameter / option value (names the field)
  io_error,            // read/write/open failure (names the path)
  corrupt_input,       // malformed data (checksum, bad header, bad structure)
  truncated_input,     // data ends before the format says it should
  trailing_data,       // garbage after a complete frame / archive
  output_limit,        // decompression or decoding would exceed the limit
  unsupported_format,  // unknown magic / feature not compiled in
  verification_failed, // signature or hash does not match
  cancelled,           // caller asked to stop
  out_of_memory,       // allocation failed
  internal,            // a bug: should never happen
  changed,             // an input file changed while it was read (names the path)
};

// Stable machine-readable name, e.g. "ERR_INVALID_ARGUMENT".
const char* errc_name(Errc code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }
  bool ok() const noexcept { return code_ == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  Errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // "ERR_X: message"
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

// Thrown only by the opt-in convenience helpers below.
class Error : public std::runtime_error {
 public:
  explicit Error(const Status& s) : std::runtime_error(s.message()), code_(s.code()) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

inline void throw_if_error(const Status& s) {
  if (!s.ok()) throw Error(s);
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: must be an error
  Result(Errc code, std::string msg) : v_(Status(code, std::move(msg))) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  Status status() const { return ok() ? Status() : std::get<1>(v_); }
  T value_or_throw() && {
    if (!ok()) throw Error(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }

 private:
  std::variant<T, Status> v_;
};

// Early-return helper for functions returning Status or Result<T>.
#define CHUNKER_TRY(expr)                          \
  do {                                             \
    ::chunker::Status chunker_try_s_ = (expr);     \
    if (!chunker_try_s_.ok()) return chunker_try_s_; \
  } while (0)

}  // namespace chunker
