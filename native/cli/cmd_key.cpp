// chunker key generate|public: Ed25519 signing keys in Nix's name:base64 format.
#include <sodium.h>

#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/ed25519.hpp"
#include "command.hpp"
#include "nix_io.hpp"

namespace chunker::cli {
namespace {

constexpr const char* kKeyUsage =
    "Usage: chunker key <subcommand> [options] [args]\n\n"
    "Ed25519 keys for signing Nix binary caches (format name:base64, as `nix key`).\n\n"
    "Subcommands:\n"
    "  generate NAME   write a new secret key and its public key (NAME.secret, NAME.public)\n"
    "  public FILE|-   print the public key of a secret key file\n\n"
    "Run 'chunker key <subcommand> --help' for its options.\n";

void wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}

// `chunker key generate --help`.
constexpr const char* kKeyGenerateHelp = R"(Generates an Ed25519 key pair named NAME (e.g. cache.example.org-1) and writes the
secret key (mode 0600) and the public key in Nix's format, the same as
`nix key generate-secret` / `nix-store --generate-binary-cache-key`.
Existing files are never overwritten.)";

int run_generate(int argc, char** argv) {
  std::string secret_path, public_path;
  ArgParser ap("key generate", "[options] NAME", kKeyGenerateHelp);
  ap.option("--secret-file", "FILE", "where to write the secret key (default NAME.secret)", &secret_path);
  ap.option("--public-file", "FILE", "where to write the public key (default NAME.public)", &public_path);
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one NAME");
  if (Status s = ed25519::validate_key_name(pos[0]); !s.ok()) return ap.usage_error(s.message());
  if (secret_path.empty()) secret_path = pos[0] + ".secret";
  if (public_path.empty()) public_path = pos[0] + ".public";
  auto key = ed25519::NixSecretKey::generate(pos[0]);
  if (!key.ok()) return report(key.status());
  std::string secret = key->to_string();
  Status s = write_new_file(secret_path, secret, 0600);
  wipe(secret);
  if (!s.ok()) return report(s);
  s = write_new_file(public_path, key->public_key().to_string(), 0644);
  if (!s.ok()) return report(s);
  std::printf("%s\n", key->public_key().to_string().c_str());
  return kExitOk;
}

int run_public(int argc, char** argv) {
  ArgParser ap("key public", "FILE|-",
               "Prints the public key (name:base64) of the Nix secret key in FILE, like\n"
               "`nix key convert-secret-to-public`.");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one FILE (or '-')");
  auto text = read_text_file(pos[0], 4096);
  if (!text.ok()) return report(text.status());
  auto key = ed25519::NixSecretKey::parse(text.value());
  wipe(text.value());
  if (!key.ok()) return report(key.status());
  std::printf("%s\n", key->public_key().to_string().c_str());
  return kExitOk;
}

int run_key(int argc, char** argv) {
  return dispatch_subcommand("key", kKeyUsage,
                             {{"generate", run_generate}, {"public", run_public}},
                             argc, argv);
}

const Command reg{"key", "Ed25519 signing keys in Nix format: generate, public", run_key, 61};

}  // namespace
}  // namespace chunker::cli
