// `chunker hash`: BLAKE3 / SHA-256 digests of files, printed exactly like
// b3sum / sha256sum (`<digest>  <name>`), and --check like the coreutils tools.
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/file.hpp"
#include "chunker/thread_pool.hpp"
#include "command.hpp"
#include "hash_cli.hpp"

namespace chunker::cli::hash {
namespace {

constexpr std::uint64_t kMaxBase32Length = 4096;

Status read_key_file(const std::string& path, std::array<std::uint8_t, 32>& key) {
  auto f = InputFile::open(path);
  if (!f) return f.status();
  std::uint8_t buf[33];
  auto n = f->read(buf);
  if (!n) return n.status();
  if (*n != 32)
    return Status(Errc::invalid_argument, "--keyed: key file '" + path + "' must hold exactly 32 bytes" +
                                              (*n > 32 ? " (it is longer)" : " (it has " + std::to_string(*n) + ")"));
  std::copy(buf, buf + 32, key.begin());
  return {};
}

int run(int argc, char** argv) {
  Options o;
  std::string algo = "blake3", keyfile, length, threads = "0", io = "auto", read_block;
  bool check = false, have_context = false;
  ArgParser p("hash", "[options] [FILE...|-]",
              "Print or check BLAKE3 (default) or SHA-256 digests. With no FILE, or when FILE is -,\n"
              "read standard input. Output lines are '<digest>  <name>', as b3sum and sha256sum print.");
  p.option("--algo", "NAME", "blake3 (default) or sha256", &algo);
  p.flag("--base32", &o.base32, "Print digests in Nix base32 instead of hex");
  p.option("--length", "N", "BLAKE3 output bytes (extendable output; default 32)", &length);
  p.option("--keyed", "KEYFILE", "BLAKE3 keyed mode; the 32-byte raw key is read from KEYFILE", &keyfile);
  p.option("--derive-key", "CONTEXT", "BLAKE3 key derivation mode with this context string",
           [&](const std::string& v) {
             o.context = v;
             have_context = true;
             return Status();
           });
  p.option("--threads", "N", "BLAKE3 threads per file (0 = all cores, the default)", &threads);
  p.alias("-j", "--threads");
  p.flag("--no-names", &o.no_names, "Print only the digests");
  p.flag("--check", &check, "Read digests from the FILEs and verify them");
  p.alias("-c", "--check");
  p.flag("--quiet", &o.quiet, "--check: do not print OK for each verified file");
  p.flag("--status", &o.status, "--check: print nothing, the exit status tells");
  p.option("--io", "MODE", "auto (multi-threaded BLAKE3 reads 1 MiB units ahead), read (64 KiB reads), or\n"
           "                          mmap (accepted, reads like auto: files are never mapped)", &io);
  p.option("--read-block", "SIZE", "Read size when not mapping (default 64K)", &read_block);
  std::vector<std::string> files;
  if (auto rc = p.parse_or_exit(argc, argv, files)) return *rc;

  auto a = parse_hash_algo(algo);
  if (!a || *a == HashAlgo::none) return p.usage_error("--algo: expected blake3 or sha256, got '" + algo + "'");
  o.algo = *a;
  const bool b3 = o.algo == HashAlgo::blake3;
  if (!length.empty()) {
    if (!b3) return p.usage_error("--length is only for --algo blake3");
    auto n = parse_uint(length, "--length");
    if (!n) return p.usage_error(n.status().message());
    // 0 is allowed: b3sum --length 0 prints an empty digest.
    o.length = *n;
  }
  if (o.base32 && o.length > kMaxBase32Length)
    return p.usage_error("--base32 supports --length up to " + std::to_string(kMaxBase32Length));
  if (!keyfile.empty() && have_context) return p.usage_error("--keyed and --derive-key exclude each other");
  if ((!keyfile.empty() || have_context) && !b3) return p.usage_error("--keyed and --derive-key need --algo blake3");
  auto t = parse_uint(threads, "--threads");
  if (!t || *t > blake3::kMaxThreads)
    return p.usage_error("--threads: expected 0.." + std::to_string(blake3::kMaxThreads) + ", got '" + threads + "'");
  o.threads = *t ? static_cast<unsigned>(*t) : ThreadPool::default_threads();
  if (io == "auto") o.io = Io::automatic;
  else if (io == "mmap") o.io = Io::mmap;
  else if (io == "read") o.io = Io::read;
  else return p.usage_error("--io: expected auto, mmap or read, got '" + io + "'");
  if (!read_block.empty()) {
    auto rb = parse_size(read_block, "--read-block");
    if (!rb) return p.usage_error(rb.status().message());
    if (*rb == 0 || *rb > (1u << 30)) return p.usage_error("--read-block: expected 1 byte .. 1G");
    o.read_block = static_cast<std::size_t>(*rb);
  }
  if ((o.quiet || o.status) && !check) return p.usage_error("--quiet and --status only apply to --check");
  if (files.empty()) files.push_back("-");
  if (!keyfile.empty()) {
    if (keyfile == "-" && std::count(files.begin(), files.end(), "-"))
      return p.usage_error("--keyed -: standard input cannot be both the key and an input");
    if (Status s = read_key_file(keyfile, o.key); !s) return report(s);
    o.keyed = true;
  }
  o.derive = have_context;

  if (check) return run_check(files, o);

  OutputBuffer out(stdout);
  int rc = kExitOk;
  std::string escaped;
  for (const auto& name : files) {
    AnyHasher h = make_hasher(o);
    if (Status s = hash_path(name, o, h); !s) {
      (void)out.flush();
      report(s);
      rc = kExitFailure;
      continue;
    }
    const bool esc = !o.no_names && escape_name(name, false, escaped);
    if (esc) out.append("\\");
    append_digest(h, o, o.length, out);
    if (!o.no_names) {
      out.append("  ");
      out.append(esc ? escaped : name);
    }
    out.append("\n");
  }
  if (Status s = out.flush(); !s) return report(s);
  return rc;
}

const Command reg{"hash", "print or check BLAKE3 / SHA-256 digests (b3sum / sha256sum format)", run, 20};

}  // namespace
}  // namespace chunker::cli::hash
