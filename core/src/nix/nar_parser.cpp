// Streaming, defensive NAR parser.
//
// Two layers in one state machine: a lexer that turns bytes into strings
// (u64le length, bytes, zero padding) and a grammar state saying which string
// may come next. Only short tokens are buffered (bounded by Limits); file
// contents stream straight to the visitor, so memory never depends on a size
// the archive declares. Only Nix's canonical form is accepted.
#include <algorithm>

#include "chunker/encoding.hpp"
#include "chunker/nar.hpp"

namespace chunker::nar {

namespace {
constexpr std::uint64_t kMaxKeyword = 16;  // "nix-archive-1" is the longest keyword

std::string describe(std::string_view tok) {
  std::string out = "'";
  for (char c : tok.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(hex_digit(u >> 4));
      out.push_back(hex_digit(u));
    }
  }
  if (tok.size() > 40) out += "...";
  return out + "'";
}
}  // namespace

Parser::Parser(Visitor& visitor, Limits limits) : visitor_(visitor), limits_(limits) {}

Status Parser::fail(Errc code, const std::string& msg) {
  error_ = Status(code, "NAR offset " + std::to_string(tok_start_) + ": " + msg);
  return error_;
}

const char* Parser::state_name() const {
  switch (state_) {
    case P::magic: return "the 'nix-archive-1' magic";
    case P::open: return "'('";
    case P::type_kw: return "'type'";
    case P::type: return "a node type";
    case P::reg_attr: return "'executable' or 'contents'";
    case P::exec_empty: return "'' after 'executable'";
    case P::contents_kw: return "'contents'";
    case P::target_kw: return "'target'";
    case P::target: return "a symlink target";
    case P::node_close: return "')' closing a node";
    case P::dir_item: return "'entry' or ')'";
    case P::entry_open: return "'(' opening an entry";
    case P::name_kw: return "'name'";
    case P::name: return "an entry name";
    case P::node_kw: return "'node'";
    case P::entry_close: return "')' closing an entry";
    case P::done: return "the end of the archive";
  }
  return "?";
}

std::uint64_t Parser::max_len_for_state() const {
  if (state_ == P::name) return limits_.max_name;
  if (state_ == P::target) return limits_.max_target;
  return kMaxKeyword;
}

Node Parser::view(const Frame& f) const {
  Node n;
  const std::size_t sep = (f.path_len_before && f.name_len) ? 1 : 0;
  n.path = std::string_view(path_).substr(0, f.path_len_before + sep + f.name_len);
  n.name = n.path.substr(n.path.size() - f.name_len);
  n.type = f.type;
  n.executable = f.executable;
  n.size = f.size;
  n.depth = static_cast<std::uint32_t>(&f - frames_.data());
  n.entry_offset = f.entry_offset;
  n.node_offset = f.node_offset;
  n.contents_offset = f.contents_offset;
  return n;
}

Status Parser::push(std::span<const std::uint8_t> data) {
  if (!error_.ok()) return error_;
  std::size_t i = 0;
  while (i < data.size()) {
    switch (lex_) {
      case Lex::len: {
        if (lenfill_ == 0) {
          tok_start_ = pos_;
          if (state_ == P::done)
            return fail(Errc::trailing_data, "unexpected data after the end of the archive");
        }
        while (lenfill_ < 8 && i < data.size()) {
          lenbuf_[lenfill_++] = data[i++];
          ++pos_;
        }
        if (lenfill_ < 8) break;
        lenfill_ = 0;
        std::uint64_t len = 0;
        for (int b = 7; b >= 0; --b) len = (len << 8) | lenbuf_[b];
        CHUNKER_TRY(start_token(len));
        break;
      }
      case Lex::str: {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        tok_.append(reinterpret_cast<const char*>(data.data() + i), take);
        i += take;
        pos_ += take;
        remaining_ -= take;
        if (remaining_ == 0) lex_ = Lex::pad;
        break;
      }
      case Lex::blob: {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        Status s = visitor_.on_data(data.subspan(i, take));
        if (!s.ok()) return error_ = s;
        i += take;
        pos_ += take;
        remaining_ -= take;
        if (remaining_ == 0) lex_ = Lex::pad;
        break;
      }
      case Lex::pad:
        while (pad_left_ > 0 && i < data.size()) {
          if (data[i] != 0) {
            tok_start_ = pos_;
            return fail(Errc::corrupt_input, "non-zero padding byte");
          }
          ++i;
          ++pos_;
          --pad_left_;
        }
        break;
    }
    if (lex_ == Lex::pad && pad_left_ == 0) {
      lex_ = Lex::len;
      if (blob_in_flight_) {
        blob_in_flight_ = false;  // contents complete; state_ is node_close
      } else {
        CHUNKER_TRY(token(tok_));
      }
    }
  }
  return {};
}

Status Parser::start_token(std::uint64_t len) {
  tok_len_ = len;
  tok_.clear();
  const unsigned pad = static_cast<unsigned>((8 - len % 8) % 8);
  if (blob_pending_) {
    blob_pending_ = false;
    Frame& f = frames_.back();
    if (len > limits_.max_file_size)
      return fail(Errc::output_limit, "file '" + std::string(view(f).path) + "' declares " +
                                          std::to_string(len) + " bytes, above the limit of " +
                                          std::to_string(limits_.max_file_size));
    if (limits_.total_size &&
        (pos_ > *limits_.total_size || len + pad > *limits_.total_size - pos_))
      return fail(Errc::truncated_input, "file '" + std::string(view(f).path) + "' declares " +
                                             std::to_string(len) + " bytes but the archive ends before that");
    f.size = len;
    f.contents_offset = pos_;
    Status s = visitor_.on_node(view(f));
    if (!s.ok()) return error_ = s;
    state_ = P::node_close;
    blob_in_flight_ = true;
    remaining_ = len;
    pad_left_ = pad;
    lex_ = len ? Lex::blob : Lex::pad;
    return {};
  }
  const std::uint64_t max = max_len_for_state();
  if (len > max)
    return fail(Errc::corrupt_input, "string of " + std::to_string(len) + " bytes where " + state_name() +
                                         " (at most " + std::to_string(max) + " bytes) was expected");
  remaining_ = len;
  pad_left_ = pad;
  lex_ = len ? Lex::str : Lex::pad;
  return {};
}

Status Parser::expect(std::string_view tok, std::string_view want, P next) {
  if (tok != want) return fail(Errc::corrupt_input, std::string("expected ") + state_name() + ", found " + describe(tok));
  state_ = next;
  return {};
}

Status Parser::token(std::string_view tok) {
  switch (state_) {
    case P::magic:
      if (tok != "nix-archive-1") return fail(Errc::unsupported_format, "not a NAR (no 'nix-archive-1' magic)");
      state_ = P::open;
      return {};
    case P::open: {
      CHUNKER_TRY(expect(tok, "(", P::type_kw));
      Frame f;
      f.node_offset = tok_start_;
      if (!frames_.empty()) {
        if (frames_.size() > limits_.max_depth)
          return fail(Errc::corrupt_input, "directories nested deeper than " + std::to_string(limits_.max_depth));
        f.entry_offset = pending_entry_offset_;
        f.path_len_before = path_.size();
        f.name_len = pending_name_.size();
        if (!path_.empty()) path_.push_back('/');
        path_ += pending_name_;
      }
      frames_.push_back(std::move(f));
      return {};
    }
    case P::type_kw: return expect(tok, "type", P::type);
    case P::type: {
      Frame& f = frames_.back();
      if (tok == "regular") {
        f.type = NodeType::regular;
        state_ = P::reg_attr;
      } else if (tok == "symlink") {
        f.type = NodeType::symlink;
        state_ = P::target_kw;
      } else if (tok == "directory") {
        f.type = NodeType::directory;
        state_ = P::dir_item;
        Status s = visitor_.on_node(view(f));
        if (!s.ok()) return error_ = s;
      } else {
        return fail(Errc::corrupt_input, "unknown node type " + describe(tok));
      }
      return {};
    }
    case P::reg_attr:
      if (tok == "executable") {
        frames_.back().executable = true;
        state_ = P::exec_empty;
        return {};
      }
      CHUNKER_TRY(expect(tok, "contents", P::reg_attr));
      blob_pending_ = true;
      return {};
    case P::exec_empty: return expect(tok, "", P::contents_kw);
    case P::contents_kw:
      CHUNKER_TRY(expect(tok, "contents", P::contents_kw));
      blob_pending_ = true;
      return {};
    case P::target_kw: return expect(tok, "target", P::target);
    case P::target: {
      if (tok.empty()) return fail(Errc::corrupt_input, "empty symlink target");
      if (tok.find('\0') != std::string_view::npos) return fail(Errc::corrupt_input, "symlink target contains NUL");
      Node n = view(frames_.back());
      n.target = tok;
      state_ = P::node_close;
      Status s = visitor_.on_node(n);
      if (!s.ok()) return error_ = s;
      return {};
    }
    case P::node_close:
      CHUNKER_TRY(expect(tok, ")", P::node_close));
      return node_closed();
    case P::dir_item:
      if (tok == "entry") {
        pending_entry_offset_ = tok_start_;
        state_ = P::entry_open;
        return {};
      }
      CHUNKER_TRY(expect(tok, ")", P::dir_item));
      return node_closed();
    case P::entry_open: return expect(tok, "(", P::name_kw);
    case P::name_kw: return expect(tok, "name", P::name);
    case P::name: {
      Status v = validate_name(tok);
      if (!v.ok()) return fail(Errc::corrupt_input, "invalid " + v.message() + " in '" + path_ + "'");
      Frame& dir = frames_.back();
      if (dir.has_child && tok <= std::string_view(dir.last_child))
        return fail(Errc::corrupt_input, std::string(tok == dir.last_child ? "duplicate" : "unsorted") +
                                             " entry " + describe(tok) + " after " + describe(dir.last_child) +
                                             " in '" + path_ + "'");
      dir.last_child.assign(tok);
      dir.has_child = true;
      pending_name_.assign(tok);
      state_ = P::node_kw;
      return {};
    }
    case P::node_kw: return expect(tok, "node", P::open);
    case P::entry_close: {
      CHUNKER_TRY(expect(tok, ")", P::dir_item));
      const Frame& f = frames_.back();
      Status s = visitor_.on_node_end(view(f), pos_);
      if (!s.ok()) return error_ = s;
      path_.resize(f.path_len_before);
      frames_.pop_back();
      return {};
    }
    case P::done: break;
  }
  return fail(Errc::internal, "parser in an impossible state");
}

Status Parser::node_closed() {
  if (frames_.size() > 1) {
    state_ = P::entry_close;
    return {};
  }
  Status s = visitor_.on_node_end(view(frames_.back()), pos_);
  if (!s.ok()) return error_ = s;
  frames_.pop_back();
  state_ = P::done;
  return {};
}

Status Parser::finish() {
  if (!error_.ok()) return error_;
  if (state_ == P::done && lex_ == Lex::len && lenfill_ == 0) return {};
  tok_start_ = pos_;
  std::string where = blob_in_flight_ ? "inside the contents of '" + path_ + "'" : std::string("expecting ") + state_name();
  return fail(Errc::truncated_input, "archive ends " + where);
}

Status parse(std::span<const std::uint8_t> nar, Visitor& visitor, Limits limits) {
  limits.total_size = nar.size();
  Parser p(visitor, limits);
  CHUNKER_TRY(p.push(nar));
  return p.finish();
}

}  // namespace chunker::nar
