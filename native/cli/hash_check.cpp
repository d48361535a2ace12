// `chunker hash --check`: verify '<digest>  <name>' lines the way coreutils'
// sha256sum -c does: comments and empty lines skipped, escaped names
// (leading '\'), '*' binary markers, "FAILED open or read" for missing files,
// WARNING summaries on stderr, exit 1 on any mismatch or unreadable file.
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
    else return false;
  }
  return true;
}

// Splits one line into expected digest bytes and file name.
bool parse_line(std::string_view line, const Options& o, std::vector<std::uint8_t>& digest, std::string& name) {
  const bool escaped = !line.empty() && line[0] == '\\';
  if (escaped) line.remove_prefix(1);
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp + 1 >= line.size()) return false;
  const std::string_view text = line.substr(0, sp);
  std::string_view rest = line.substr(sp + 1);
  if (rest[0] == ' ' || rest[0] == '*') rest.remove_prefix(1);
  if (rest.empty()) return false;
  if (o.base32) {
    if (text.size() != nix_base32_len(o.length)) return false;
    auto d = nix_base32_decode(text);
    if (!d) return false;
    digest = std::move(*d);
  } else {
    if (text.size() != 2 * o.length) return false;
    auto d = hex_decode(text);
    if (!d) return false;
    digest = std::move(*d);
  }
  if (escaped) return unescape(rest, name);
  name.assign(rest);
  return true;
}

void check_one(const std::string& name, const std::vector<std::uint8_t>& want, const Options& o,
               OutputBuffer& out, Counts& c) {
  std::string escaped;
  const bool esc = escape_name(name, true, escaped);
  const std::string& shown = esc ? escaped : name;
  InputHasher h(o);
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
    bool too_long = false;
    std::uint8_t buf[65536];
    auto handle_line = [&] {
      if (too_long) {
        ++c.improper;
      } else {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') return;
        if (parse_line(line, o, want, name)) check_one(name, want, o, out, c);
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
    if (c.mismatched || c.unreadable) rc = kExitFailure;
  }
  if (Status s = out.flush(); !s) return report(s);
  return rc;
}

}  // namespace chunker::cli::hash
