// Shared helpers for the Embind bindings.
//
// Calling convention between js/ and wasm: the JS glue copies inputs into
// buffers it malloc()s in the wasm heap and passes their addresses as plain
// numbers; results are written to caller buffers or to a per-module result
// area the glue reads right after the call. Fallible calls return a number
// >= 0 on success or -Errc on failure, with the message kept for
// lastError() — no exceptions cross the boundary.
#pragma once

#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "chunker/error.hpp"

namespace chunker::wasm {

inline std::string& last_error() {
  static std::string msg;
  return msg;
}

// Records the failure and returns the negative code for JS.
inline int fail(const Status& s) {
  last_error() = s.message();
  return -static_cast<int>(s.code());
}

// 0 for success, else fail(s).
inline int status_js(const Status& s) { return s.ok() ? 0 : fail(s); }

// errcName(code) and lastError(), which js/runtime.js check() reads after a
// negative result: call once in a module's EMSCRIPTEN_BINDINGS.
inline void bind_error_functions() {
  emscripten::function("errcName", +[](int code) -> std::string { return errc_name(static_cast<Errc>(code)); });
  emscripten::function("lastError", +[]() -> std::string { return last_error(); });
}

inline std::span<const std::uint8_t> in_span(std::uintptr_t p, std::size_t n) {
  return {reinterpret_cast<const std::uint8_t*>(p), n};
}
inline std::span<std::uint8_t> out_span(std::uintptr_t p, std::size_t n) {
  return {reinterpret_cast<std::uint8_t*>(p), n};
}

}  // namespace chunker::wasm
