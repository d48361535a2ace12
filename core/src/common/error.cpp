#include "chunker/error.hpp"

namespace chunker {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "OK";
    case Errc::invalid_argument: return "ERR_INVALID_ARGUMENT";
    case Errc::io_error: return "ERR_IO";
    case Errc::corrupt_input: return "ERR_CORRUPT_INPUT";
    case Errc::truncated_input: return "ERR_TRUNCATED_INPUT";
    case Errc::trailing_data: return "ERR_TRAILING_DATA";
    case Errc::output_limit: return "ERR_OUTPUT_LIMIT";
    case Errc::unsupported_format: return "ERR_UNSUPPORTED_FORMAT";
    case Errc::verification_failed: return "ERR_VERIFICATION_FAILED";
    case Errc::cancelled: return "ERR_CANCELLED";
    case Errc::out_of_memory: return "ERR_OUT_OF_MEMORY";
    case Errc::internal: return "ERR_INTERNAL";
    case Errc::changed: return "ERR_CHANGED";
  }
  return "ERR_INTERNAL";
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  return std::string(errc_name(code_)) + ": " + message_;
}

}  // namespace chunker
