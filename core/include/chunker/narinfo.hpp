// .narinfo files of Nix binary caches: parse, write, fingerprint, sign, verify.
//
//   auto info = chunker::narinfo::parse(text);          // errors name the line
//   chunker::narinfo::sign(*info, secret_key);          // adds "Sig: name:base64"
//   auto st = chunker::narinfo::verify(*info, trusted); // ok if a trusted key signed it
//   std::string out = chunker::narinfo::format(*info);  // Nix's field order
//
// The signed message is Nix's fingerprint:
//   1;<store path>;<nar hash as sha256:base32>;<nar size>;<full reference paths, sorted, comma-separated>
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chunker/ed25519.hpp"
#include "chunker/error.hpp"

namespace chunker::narinfo {

struct NarInfo {
  std::string store_path;                // full path, e.g. /nix/store/<32 chars>-name
  std::string url;                       // e.g. nar/<hash>.nar.xz
  std::string compression;               // "" when the file has no Compression line
  std::string file_hash;                 // as written; "" when absent
  std::optional<std::uint64_t> file_size;
  std::string nar_hash;                  // as written (sha256:base32, sha256:hex or SRI)
  std::uint64_t nar_size = 0;
  std::vector<std::string> references;   // base names (<hash>-<name>), as in the file
  std::string deriver;                   // base name; "" when absent or "unknown-deriver"
  std::string system;
  std::vector<std::string> sigs;         // "keyname:base64", in file order
  std::string ca;
  std::vector<std::pair<std::string, std::string>> extra;  // unknown fields, kept in order

  friend bool operator==(const NarInfo&, const NarInfo&) = default;
};

// Strict parse: every line "Key: value"; StorePath, URL, NarHash and NarSize
// required; store paths, hashes and sizes validated. Errors are
// Errc::corrupt_input with "narinfo line N: ..." messages.
Result<NarInfo> parse(std::string_view text);

// Nix's layout (NarInfo::to_string order); unknown fields last.
std::string format(const NarInfo& info);

// Checks a store path /<dir>/<32 nix-base32 chars>-<name>.
Status validate_store_path(std::string_view path);
// Checks a base name <32 nix-base32 chars>-<name>.
Status validate_store_base_name(std::string_view name);
// The directory part of StorePath, e.g. "/nix/store".
std::string store_dir(const NarInfo& info);

Result<std::string> fingerprint(const NarInfo& info);

// Adds this key's signature of the fingerprint (replacing an older one by the same key name).
Status sign(NarInfo& info, const ed25519::NixSecretKey& key);

// Ok when at least one Sig line verifies with a trusted key of the same name;
// otherwise Errc::verification_failed explaining what was found.
Status verify(const NarInfo& info, std::span<const ed25519::NixPublicKey> trusted);

// Names of the trusted keys whose signatures verify (may be empty).
std::vector<std::string> valid_signers(const NarInfo& info, std::span<const ed25519::NixPublicKey> trusted);

}  // namespace chunker::narinfo
