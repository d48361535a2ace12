#include "chunker/json_reader.hpp"

#include <charconv>

#include "chunker/encoding.hpp"

namespace chunker::json {

const Value* Value::find(std::string_view key) const noexcept {
  for (const auto& m : members)
    if (m.key == key) return &m.value;
  return nullptr;
}

std::optional<std::uint64_t> Value::as_u64() const noexcept {
  if (kind != Kind::number || text.empty() || text[0] == '-') return std::nullopt;
  std::uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

namespace {

class Parser {
 public:
  Parser(std::string_view s, const Limits& l) : s_(s), lim_(l) {}

  Result<Value> document() {
    Value v;
    if (Status st = value(v, 0); !st.ok()) return st;
    ws();
    if (i_ != s_.size()) return fail("unexpected data after the JSON value");
    return v;
  }

 private:
  Status fail(const std::string& what) const {
    return Status(Errc::corrupt_input, "invalid JSON at byte " + std::to_string(i_) + ": " + what);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Status value(Value& v, unsigned depth) {
    ws();
    if (i_ >= s_.size()) return fail("unexpected end of input");
    char c = s_[i_];
    if (c == '{' || c == '[') {
      if (depth >= lim_.max_depth)
        return Status(Errc::output_limit, "JSON nested deeper than " + std::to_string(lim_.max_depth) + " levels");
      return c == '{' ? object(v, depth + 1) : array(v, depth + 1);
    }
    if (c == '"') {
      v.kind = Value::Kind::string;
      return string(v.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(v);
    if (literal("true")) { v.kind = Value::Kind::boolean; v.boolean = true; return {}; }
    if (literal("false")) { v.kind = Value::Kind::boolean; return {}; }
    if (literal("null")) { v.kind = Value::Kind::null; return {}; }
    return fail(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
  }

  Status object(Value& v, unsigned depth) {
    v.kind = Value::Kind::object;
    ++i_;  // '{'
    ws();
    if (i_ < s_.size() && s_[i_] == '}') { ++i_; return {}; }
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a string key");
      std::string key;
      CHUNKER_TRY(string(key));
      if (v.find(key)) return fail("duplicate key \"" + key + "\"");
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
      ++i_;
      Value member;
      CHUNKER_TRY(value(member, depth));
      v.members.push_back({std::move(key), std::move(member)});
      ws();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == '}') { ++i_; return {}; }
      return fail("expected ',' or '}'");
    }
  }

  Status array(Value& v, unsigned depth) {
    v.kind = Value::Kind::array;
    ++i_;  // '['
    ws();
    if (i_ < s_.size() && s_[i_] == ']') { ++i_; return {}; }
    for (;;) {
      Value item;
      CHUNKER_TRY(value(item, depth));
      v.items.push_back(std::move(item));
      ws();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == ']') { ++i_; return {}; }
      return fail("expected ',' or ']'");
    }
  }

  Status number(Value& v) {
    std::size_t st = i_;
    auto digit = [&] { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; };
    if (s_[i_] == '-') ++i_;
    if (!digit()) return fail("expected a digit");
    if (s_[i_] == '0') ++i_;  // no leading zeros
    else while (digit()) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digit()) return fail("expected a digit after '.'");
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digit()) return fail("expected a digit in the exponent");
      while (digit()) ++i_;
    }
    v.kind = Value::Kind::number;
    v.text.assign(s_.substr(st, i_ - st));
    return {};
  }

  int hex4() {
    if (s_.size() - i_ < 4) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_ + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    i_ += 4;
    return v;
  }

  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 63));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 63));
      out += static_cast<char>(0x80 | (cp & 63));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 63));
      out += static_cast<char>(0x80 | ((cp >> 6) & 63));
      out += static_cast<char>(0x80 | (cp & 63));
    }
  }

  // Length of a valid UTF-8 sequence starting at i_ (shortest form, no surrogates), or 0.
  std::size_t utf8_len() const {
    auto b = [&](std::size_t k) { return i_ + k < s_.size() ? static_cast<unsigned char>(s_[i_ + k]) : 0u; };
    unsigned c0 = b(0);
    auto cont = [&](std::size_t k) { return (b(k) & 0xc0) == 0x80; };
    if (c0 >= 0xc2 && c0 <= 0xdf) return cont(1) ? 2 : 0;
    if (c0 >= 0xe0 && c0 <= 0xef) {
      if (!cont(1) || !cont(2)) return 0;
      if (c0 == 0xe0 && b(1) < 0xa0) return 0;   // overlong
      if (c0 == 0xed && b(1) >= 0xa0) return 0;  // surrogate
      return 3;
    }
    if (c0 >= 0xf0 && c0 <= 0xf4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c0 == 0xf0 && b(1) < 0x90) return 0;   // overlong
      if (c0 == 0xf4 && b(1) >= 0x90) return 0;  // > U+10FFFF
      return 4;
    }
    return 0;
  }

  Status string(std::string& out) {
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= s_.size()) return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') { ++i_; return {}; }
      if (c < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (++i_ >= s_.size()) return fail("unterminated string");
        char e = s_[i_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            int hi = hex4();
            if (hi < 0) return fail("bad \\u escape");
            std::uint32_t cp = static_cast<std::uint32_t>(hi);
            if (cp >= 0xdc00 && cp <= 0xdfff) return fail("unpaired surrogate in \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
              if (!literal("\\u")) return fail("unpaired surrogate in \\u escape");
              int lo = hex4();
              if (lo < 0xdc00 || lo > 0xdfff) return fail("unpaired surrogate in \\u escape");
              cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<std::uint32_t>(lo) - 0xdc00);
            }
            put_utf8(out, cp);
            break;
          }
          default: --i_; return fail("bad escape in string");
        }
        continue;
      }
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++i_;
        continue;
      }
      std::size_t n = utf8_len();
      if (n == 0) return fail("invalid UTF-8 in string");
      out.append(s_.substr(i_, n));
      i_ += n;
    }
  }

  std::string_view s_;
  const Limits& lim_;
  std::size_t i_ = 0;
};

}  // namespace

Result<Value> parse(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_bytes)
    return Status(Errc::output_limit, "JSON text of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                          std::to_string(limits.max_bytes));
  return Parser(text, limits).document();
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex_digit(c >> 4);
      out += hex_digit(c);
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace chunker::json
