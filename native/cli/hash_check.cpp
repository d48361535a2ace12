// `chunker hash --check`: verify '<digest>  <name>' lines the way coreutils'
// sha256sum -c (9.1) does: comments and empty lines skipped, escaped names
// (leading '\'), '*' binary markers, BSD --tag lines, "FAILED open or read"
// for missing files, WARNING summaries on stderr; exit 1 on any mismatch,
// unreadable file or improperly formatted line (sha256sum -c --strict).
#include <cstdio>
#include <cstring>
#include <string>

#include "args.hpp"
#include "chunker/encoding.hpp"
#include "chunker/file.hpp"
#include "hash_cli.hpp"

namespace chunker::cli::hash {
namespace {

constexpr std::size_t kMaxLine = 1u << 20;  // longer lines are improperly formatted

struct Counts {
  std::size_t ok = 0, mismatched = 0, unreadable = 0, improper = 0;
};

// Reverses escape_name: only \\, \n and \r are valid escapes (sha256sum 9.1).
bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    if (in[i] == '\\') out += '\\';
    else if (in[i] == 'n') out += '\n';
    else if (in[i] == 'r') out += '\r';
    else return false;
  }
  return true;
}

bool is_white(char c) { return c == ' ' || c == '\t'; }

bool decode_digest(std::string_view text, const Options& o, std::vector<std::uint8_t>& digest) {
  if (text.size() != (o.base32 ? nix_base32_len(o.length) : 2 * o.length)) return false;
  auto d = o.base32 ? nix_base32_decode(text) : hex_decode(text);
  if (!d) return false;
  digest = std::move(*d);
  return true;
}

// Splits one line into expected digest bytes and file name, accepting what
// sha256sum -c accepts: '<digest>  <name>' and '<digest> *<name>', the BSD
// --tag form 'SHA256 (<name>) = <digest>' ('BLAKE3 (...)' for BLAKE3), and
// '<digest><blank><name>' ("reversed" BSD form, e.g. a tab; not mixed with the
// first form in one file, as in coreutils). A leading '\' marks an escaped name.
bool parse_line(std::string_view line, const Options& o, int& bsd_reversed, std::vector<std::uint8_t>& digest,
                std::string& name) {
  while (!line.empty() && is_white(line.front())) line.remove_prefix(1);
  const bool escaped = !line.empty() && line[0] == '\\';
  if (escaped) line.remove_prefix(1);
  std::string_view raw;
  const std::string_view tag = o.algo == HashAlgo::sha256 ? "SHA256" : "BLAKE3";
  if (line.substr(0, tag.size()) == tag && line.size() > tag.size() &&
      (line[tag.size()] == '(' || line.substr(tag.size(), 2) == " (")) {
    line.remove_prefix(tag.size() + (line[tag.size()] == ' ' ? 2 : 1));
    const std::size_t close = line.rfind(')');
    if (close == std::string_view::npos) return false;
    raw = line.substr(0, close);
    std::string_view rest = line.substr(close + 1);
    while (!rest.empty() && is_white(rest.front())) rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '=') return false;
    rest.remove_prefix(1);
    while (!rest.empty() && is_white(rest.front())) rest.remove_prefix(1);
    if (!decode_digest(rest, o, digest)) return false;
  } else {
    const std::size_t len = o.base32 ? nix_base32_len(o.length) : 2 * o.length;
    if (line.size() < len + 2 || !is_white(line[len])) return false;
    if (!decode_digest(line.substr(0, len), o, digest)) return false;
    std::string_view rest = line.substr(len + 1);
    if (rest.size() == 1 || (rest[0] != ' ' && rest[0] != '*')) {
      if (bsd_reversed == 0) return false;
      bsd_reversed = 1;
    } else if (bsd_reversed != 1) {
      bsd_reversed = 0;
      rest.remove_prefix(1);
    }
    raw = rest;
  }
  if (raw.empty() || raw.find('\0') != std::string_view::npos) return false;
  if (escaped) return unescape(raw, name);
  name.assign(raw);
  return true;
}

void check_one(const std::string& name, const std::vector<std::uint8_t>& want, const Options& o,
               OutputBuffer& out, Counts& c) {
  std::string escaped;
  const bool esc = escape_name(name, true, escaped);
  const std::string& shown = esc ? escaped : name;
  AnyHasher h = make_hasher(o);
  if (Status s = hash_path(name, o, h); !s) {
    (void)out.flush();
    std::fprintf(stderr, "chunker: %s\n", s.message().c_str());
    ++c.unreadable;
    if (!o.status) {
      if (esc) out.append("\\");
      out.append(shown + ": FAILED open or read\n");
    }
    return;
  }
  std::vector<std::uint8_t> got(want.size());
  h.output(0, got);
  const bool ok = got == want;
  ok ? ++c.ok : ++c.mismatched;
  if (o.status || (ok && o.quiet)) return;
  if (esc) out.append("\\");
  out.append(shown + (ok ? ": OK\n" : ": FAILED\n"));
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int run_check(const std::vector<std::string>& check_files, const Options& o) {
  OutputBuffer out(stdout);
  int rc = kExitOk;
  std::vector<std::uint8_t> want;
  std::string name, line;
  for (const auto& path : check_files) {
    auto f = InputFile::open(path);
    if (!f) {
      (void)out.flush();
      report(f.status());
      rc = kExitFailure;
      continue;
    }
    Counts c;
    int bsd_reversed = -1;  // unknown until the first line says
    bool too_long = false;
    std::uint8_t buf[65536];
    auto handle_line = [&] {
      if (too_long) {
        ++c.improper;
      } else {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') return;
        if (parse_line(line, o, bsd_reversed, want, name)) check_one(name, want, o, out, c);
        else ++c.improper;
      }
    };
    Status err;
    for (;;) {
      auto n = f->read(buf);
      if (!n) {
        err = n.status();
        break;
      }
      if (*n == 0) break;
      for (std::size_t i = 0; i < *n; ++i) {
        const char ch = static_cast<char>(buf[i]);
        if (ch == '\n') {
          handle_line();
          line.clear();
          too_long = false;
        } else if (line.size() < kMaxLine) {
          line += ch;
        } else {
          too_long = true;
        }
      }
    }
    if (!line.empty() || too_long) handle_line();
    line.clear();
    (void)out.flush();
    if (!err.ok()) {
      report(err);
      rc = kExitFailure;
      continue;
    }
    if (c.ok + c.mismatched + c.unreadable == 0) {
      std::fprintf(stderr, "chunker: %s: no properly formatted checksum lines found\n", path.c_str());
      rc = kExitFailure;
      continue;
    }
    if (!o.status) {
      if (c.improper)
        std::fprintf(stderr, "chunker: WARNING: %s improperly formatted\n",
                     plural(c.improper, "line is", "lines are").c_str());
      if (c.unreadable)
        std::fprintf(stderr, "chunker: WARNING: %s not be read\n",
                     plural(c.unreadable, "listed file could", "listed files could").c_str());
      if (c.mismatched)
        std::fprintf(stderr, "chunker: WARNING: %s NOT match\n",
                     plural(c.mismatched, "computed checksum did", "computed checksums did").c_str());
    }
    // Stricter than sha256sum without --strict: a line that cannot be read is
    // a listed file that was not checked, so the check did not pass.
    if (c.mismatched || c.unreadable || c.improper) rc = kExitFailure;
  }
  if (Status s = out.flush(); !s) return report(s);
  return rc;
}

}  // namespace chunker::cli::hash
