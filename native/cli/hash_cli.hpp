// Shared by the `chunker hash` files: options, hashing one input (read to EOF
// through InputReader, never mapped), digest formatting and the --check mode.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "chunker/blake3.hpp"
#include "chunker/error.hpp"
#include "chunker/hash.hpp"
#include "chunker/sha256.hpp"
#include "output.hpp"

namespace chunker::cli::hash {

enum class Io { automatic, mmap, read };

struct Options {
  HashAlgo algo = HashAlgo::blake3;
  bool base32 = false;
  std::uint64_t length = 32;  // output bytes (BLAKE3 XOF); SHA-256 is always 32
  unsigned threads = 1;       // BLAKE3 update_parallel threads
  bool keyed = false;
  std::array<std::uint8_t, 32> key{};
  bool derive = false;
  std::string context;
  Io io = Io::automatic;
  std::size_t read_block = 0;  // 0 = default
  bool no_names = false;
  bool quiet = false;   // --check: no OK lines
  bool status = false;  // --check: no output at all, only the exit status
};

// The hash state for one input, in the mode the options ask for.
AnyHasher make_hasher(const Options& o);

// Hashes a file ("-" = stdin) into `h`; errors name the path.
Status hash_path(const std::string& path, const Options& o, AnyHasher& h);

// Appends the digest text (hex or Nix base32) of `length` output bytes.
void append_digest(AnyHasher& h, const Options& o, std::uint64_t length, OutputBuffer& out);

// Coreutils-style name escaping: returns true (and the escaped name) when the
// line must start with a backslash.
bool escape_name(const std::string& name, bool newline_only, std::string& escaped);

// --check: verifies each listed checksum file; returns the exit status.
int run_check(const std::vector<std::string>& check_files, const Options& o);

}  // namespace chunker::cli::hash
