// Small helpers shared by the Nix subcommands (key, narinfo): bounded text
// file reads and key-file writes.
#pragma once

#include <string>

#include "chunker/error.hpp"

namespace chunker::cli {

// Reads a whole text file ("-" = stdin), refusing more than `limit` bytes.
Result<std::string> read_text_file(const std::string& path, std::size_t limit = 16u << 20);

// Creates `path` (must not exist) with `mode` and writes `text`.
Status write_new_file(const std::string& path, const std::string& text, unsigned mode);

// Replaces `path` atomically (temp file + rename) with `text`.
Status replace_file(const std::string& path, const std::string& text);

}  // namespace chunker::cli
