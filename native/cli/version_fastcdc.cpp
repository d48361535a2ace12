// `chunker --version` line for FastCDC: the search kernel in use (the
// platform's measured fastest, or the one CHUNKER_FORCE_ISA asked for).
#include <string>

#include "chunker/fastcdc.hpp"
#include "command.hpp"

namespace chunker::cli {
namespace {
std::string fastcdc_line() {
  std::string s = "fastcdc: ";
  s += fastcdc::backend();
  s += " (available: ";
  s += fastcdc::available_backends();
  s += ")";
  return s;
}
const VersionInfo vi{fastcdc_line};
}  // namespace
}  // namespace chunker::cli
