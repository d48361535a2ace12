#include <string>

#include "command.hpp"

namespace chunker::cli {
namespace {
// The FastCDC search is the same portable code everywhere: a 4-stream
// window-local scan (see docs/architecture.md); no ISA-specific kernel is
// selected at run time.
std::string fastcdc_line() { return "fastcdc: ilp4 (portable, window-local 4-stream search)"; }
const VersionInfo vi{fastcdc_line};
}  // namespace
}  // namespace chunker::cli
