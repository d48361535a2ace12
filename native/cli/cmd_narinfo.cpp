// chunker narinfo sign|verify|fingerprint: Nix binary-cache .narinfo files.
#include <sodium.h>

#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/ed25519.hpp"
#include "chunker/narinfo.hpp"
#include "codec_io.hpp"
#include "command.hpp"
#include "nix_io.hpp"

namespace chunker::cli {
namespace {

constexpr const char* kNarinfoUsage =
    "Usage: chunker narinfo <subcommand> [options] FILE\n\n"
    "Nix binary-cache .narinfo files.\n\n"
    "Subcommands:\n"
    "  sign --key SECRET FILE          add a Sig: line (printed, or --in-place)\n"
    "  verify --trusted PUBKEY... FILE exit 0 if a trusted key signed FILE\n"
    "  fingerprint FILE                print the signed message 1;path;hash;size;refs\n\n"
    "Run 'chunker narinfo <subcommand> --help' for its options.\n";

Result<narinfo::NarInfo> load(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return with_path(path, text.status());
  auto info = narinfo::parse(text.value());
  if (!info.ok()) return Status(info.status().code(), path + ": " + info.status().message());
  return info;
}

bool parse_args(ArgParser& ap, int argc, char** argv, std::vector<std::string>& pos, int& rc) {
  if (auto r = ap.parse_or_exit(argc, argv, pos)) {
    rc = *r;
    return false;
  }
  if (pos.size() != 1) {
    rc = ap.usage_error("expected exactly one narinfo FILE (or '-')");
    return false;
  }
  return true;
}

// `chunker narinfo sign --help`.
constexpr const char* kNarinfoSignHelp = R"(Signs the narinfo fingerprint with a Nix secret key file (as written by
`chunker key generate` or `nix key generate-secret`) and adds a Sig: line,
replacing an older signature by the same key name. Prints the result, or
rewrites FILE with --in-place.)";

int run_sign(int argc, char** argv) {
  std::string key_path;
  bool in_place = false;
  ArgParser ap("narinfo sign", "--key SECRET [--in-place] FILE", kNarinfoSignHelp);
  ap.option("--key", "SECRET", "secret key file (name:base64)", &key_path);
  ap.flag("--in-place", &in_place, "rewrite FILE instead of printing");
  std::vector<std::string> pos;
  int rc;
  if (!parse_args(ap, argc, argv, pos, rc)) return rc;
  if (key_path.empty()) return ap.usage_error("--key SECRET is required");
  if (in_place && pos[0] == "-") return ap.usage_error("--in-place needs a FILE, not '-'");
  auto key_text = read_text_file(key_path, 4096);
  if (!key_text.ok()) return report(key_text.status());
  auto key = ed25519::NixSecretKey::parse(key_text.value());
  sodium_memzero(key_text->data(), key_text->size());
  if (!key.ok()) return report(Status(key.status().code(), key_path + ": " + key.status().message()));
  auto info = load(pos[0]);
  if (!info.ok()) return report(info.status());
  if (Status s = narinfo::sign(info.value(), key.value()); !s.ok()) return report(with_path(pos[0], s));
  const std::string out = narinfo::format(info.value());
  if (in_place) {
    if (Status s = replace_file(pos[0], out); !s.ok()) return report(s);
    return kExitOk;
  }
  std::fputs(out.c_str(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

// A --trusted value is a key ("name:base64"), several separated by spaces or
// commas, or a file holding such keys.
Status add_trusted(const std::string& value, std::vector<ed25519::NixPublicKey>& out) {
  std::string text = value;
  if (value.find(':') == std::string::npos) {
    auto t = read_text_file(value, 1 << 20);
    if (!t.ok()) return t.status();
    text = t.value();
  }
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && !(text[j] == ' ' || text[j] == ',' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r')) ++j;
    if (j > i) {
      auto k = ed25519::NixPublicKey::parse(std::string_view(text).substr(i, j - i));
      if (!k.ok()) return Status(Errc::invalid_argument, "--trusted: " + k.status().message());
      out.push_back(k.value());
      any = true;
    }
    i = j;
  }
  if (!any) return Status(Errc::invalid_argument, "--trusted '" + value + "' holds no key");
  return {};
}

int run_verify(int argc, char** argv) {
  std::vector<ed25519::NixPublicKey> trusted;
  ArgParser ap("narinfo verify", "--trusted PUBKEY... FILE",
               "Verifies that at least one Sig: line of FILE is a valid signature of its\n"
               "fingerprint by a trusted key. Exit 0 and print the signer names if so, exit 1\n"
               "otherwise. PUBKEY is name:base64 (as in nix.conf trusted-public-keys) or a\n"
               "file of such keys; repeat --trusted or separate keys by spaces or commas.");
  ap.option("--trusted", "PUBKEY", "trusted public key or key file (repeatable)",
            [&](const std::string& v) { return add_trusted(v, trusted); });
  std::vector<std::string> pos;
  int rc;
  if (!parse_args(ap, argc, argv, pos, rc)) return rc;
  if (trusted.empty()) return ap.usage_error("at least one --trusted PUBKEY is required");
  auto info = load(pos[0]);
  if (!info.ok()) return report(info.status());
  if (Status s = narinfo::verify(info.value(), trusted); !s.ok()) return report(with_path(pos[0], s));
  for (const auto& n : narinfo::valid_signers(info.value(), trusted)) std::printf("valid signature by %s\n", n.c_str());
  return kExitOk;
}

int run_fingerprint(int argc, char** argv) {
  ArgParser ap("narinfo fingerprint", "FILE", "Prints the message Nix signs for FILE: 1;path;narhash;narsize;refs.");
  std::vector<std::string> pos;
  int rc;
  if (!parse_args(ap, argc, argv, pos, rc)) return rc;
  auto info = load(pos[0]);
  if (!info.ok()) return report(info.status());
  auto fp = narinfo::fingerprint(info.value());
  if (!fp.ok()) return report(fp.status());
  std::printf("%s\n", fp->c_str());
  return kExitOk;
}

int run_narinfo(int argc, char** argv) {
  return dispatch_subcommand("narinfo", kNarinfoUsage,
                             {{"sign", run_sign}, {"verify", run_verify}, {"fingerprint", run_fingerprint}},
                             argc, argv);
}

const Command reg{"narinfo", "Nix .narinfo files: sign, verify, fingerprint", run_narinfo, 62};

}  // namespace
}  // namespace chunker::cli
