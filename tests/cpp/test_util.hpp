// Helpers shared by the GoogleTest files: data generators, file I/O, running
// the CLI, and a tiny JSON reader for the vector files in tests/data.
#pragma once

#include <cstdlib>

#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace testutil {

inline std::string data_path(const std::string& name) { return std::string(CHUNKER_TEST_DATA_DIR) + "/" + name; }

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::vector<std::uint8_t>& d) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
}

struct SplitMix64 {
  std::uint64_t s;
  explicit SplitMix64(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
  SplitMix64 r(seed);
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t x = r.next();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) v[i + j] = static_cast<std::uint8_t>(x >> (8 * j));
  }
  return v;
}

// Natural-ish text: words from a small vocabulary, spaces and newlines.
inline std::vector<std::uint8_t> text_bytes(std::size_t n, std::uint64_t seed) {
  static const char* words[] = {"chunk", "hash", "the", "of", "store", "nix", "archive", "data", "block",
                                "fast", "content", "defined", "a", "in", "to", "dedup", "stream", "zstd"};
  SplitMix64 r(seed);
  std::vector<std::uint8_t> v;
  v.reserve(n + 16);
  while (v.size() < n) {
    const char* w = words[r.below(sizeof(words) / sizeof(words[0]))];
    while (*w) v.push_back(static_cast<std::uint8_t>(*w++));
    v.push_back(r.below(12) == 0 ? '\n' : ' ');
  }
  v.resize(n);
  return v;
}

struct CmdResult {
  int status = -1;
  std::string out;
};

// Runs a shell command and captures stdout (stderr is captured too with 2>&1 in cmd).
inline CmdResult run(const std::string& cmd) {
  CmdResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

inline std::string cli() { return CHUNKER_CLI_PATH; }

inline bool have_program(const std::string& name) {
  return run("command -v " + name + " >/dev/null 2>&1").status == 0;
}

// A cross-check whose tool is missing must fail in CI (GUIDE: honest tests).
inline bool require_tools() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("CHUNKER_REQUIRE_TOOLS");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

// Skips the calling test (or SetUp) when a reference program is missing; fails
// instead when tools are required (scripts/test.sh sets CHUNKER_REQUIRE_TOOLS=1:
// it installs them all), so a cross-check cannot silently vanish.
#define CHUNKER_NEED_PROGRAM(name)                                                                  \
  do {                                                                                              \
    const std::string need_program_ = (name);                                                       \
    if (!::testutil::have_program(need_program_)) {                                                 \
      if (::testutil::require_tools())                                                              \
        FAIL() << need_program_ << " is not installed (required: CI / CHUNKER_REQUIRE_TOOLS=1)";    \
      GTEST_SKIP() << need_program_ << " not installed (scripts/apt-packages.txt)";                 \
    }                                                                                               \
  } while (0)

inline std::string temp_dir() {
  char tmpl[] = "/tmp/chunker-test-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (!d) throw std::runtime_error("mkdtemp failed");
  return d;
}

// ---- minimal JSON (objects, arrays, strings, numbers, bools, null) ----
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;  // also the raw text of numbers
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json& operator[](const std::string& k) const { return obj.at(k); }
  const Json& operator[](std::size_t i) const { return arr.at(i); }
  bool has(const std::string& k) const { return obj.count(k) != 0; }
  std::uint64_t u64() const { return std::stoull(str); }  // numbers or decimal strings
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}
  Json parse() {
    Json j = value();
    ws();
    if (i_ != s_.size()) throw std::runtime_error("json: trailing data");
    return j;
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  Json value() {
    ws();
    if (i_ >= s_.size()) throw std::runtime_error("json: unexpected end");
    char c = s_[i_];
    Json j;
    if (c == '{') {
      j.kind = Json::Object;
      ++i_;
      ws();
      if (s_[i_] == '}') { ++i_; return j; }
      for (;;) {
        ws();
        std::string k = string_lit();
        ws();
        expect(':');
        j.obj[k] = value();
        ws();
        if (s_[i_] == ',') { ++i_; continue; }
        expect('}');
        return j;
      }
    }
    if (c == '[') {
      j.kind = Json::Array;
      ++i_;
      ws();
      if (s_[i_] == ']') { ++i_; return j; }
      for (;;) {
        j.arr.push_back(value());
        ws();
        if (s_[i_] == ',') { ++i_; continue; }
        expect(']');
        return j;
      }
    }
    if (c == '"') {
      j.kind = Json::String;
      j.str = string_lit();
      return j;
    }
    if (s_.compare(i_, 4, "true") == 0) { i_ += 4; j.kind = Json::Bool; j.b = true; return j; }
    if (s_.compare(i_, 5, "false") == 0) { i_ += 5; j.kind = Json::Bool; return j; }
    if (s_.compare(i_, 4, "null") == 0) { i_ += 4; return j; }
    std::size_t st = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                              s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
      ++i_;
    if (st == i_) throw std::runtime_error("json: bad value");
    j.kind = Json::Number;
    j.str = s_.substr(st, i_ - st);
    j.num = std::stod(j.str);
    return j;
  }
  void expect(char c) {
    if (i_ >= s_.size() || s_[i_] != c) throw std::runtime_error(std::string("json: expected ") + c);
    ++i_;
  }
  std::string string_lit() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        char e = s_[i_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {
            unsigned cp = std::stoul(s_.substr(i_, 4), nullptr, 16);
            i_ += 4;
            if (cp < 0x80) out += static_cast<char>(cp);
            else if (cp < 0x800) { out += static_cast<char>(0xc0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 63)); }
            else { out += static_cast<char>(0xe0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 63)); out += static_cast<char>(0x80 | (cp & 63)); }
            break;
          }
          default: out += e;
        }
      } else {
        out += c;
      }
    }
    expect('"');
    return out;
  }
  const std::string& s_;
  std::size_t i_ = 0;
};

inline Json load_json(const std::string& path) {
  auto bytes = read_file(path);
  std::string s(bytes.begin(), bytes.end());
  return JsonParser(s).parse();
}

}  // namespace testutil
