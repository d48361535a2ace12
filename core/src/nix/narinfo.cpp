// .narinfo parsing, formatting, fingerprints and signatures (Nix 2.x rules).
#include "chunker/narinfo.hpp"

#include <algorithm>
#include <charconv>

#include "chunker/encoding.hpp"
#include "chunker/nar.hpp"

namespace chunker::narinfo {

namespace {

constexpr std::size_t kHashChars = 32;  // nix base32 of the 160-bit store path hash
constexpr std::size_t kMaxNameLen = 211;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.' || c == '_' || c == '?' || c == '=';
}

// Quoted, truncated copy for messages (built by append: GCC 12 warns on "'" + string).
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  out.append(s.substr(0, 100));
  out.push_back('\'');
  return out;
}

Result<std::uint64_t> parse_decimal(std::string_view v) {
  std::uint64_t out = 0;
  if (v.empty() || v.size() > 20) return Status(Errc::corrupt_input, "not a decimal number");
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || (v.size() > 1 && v[0] == '0'))
    return Status(Errc::corrupt_input, "not a decimal number");
  return out;
}

std::vector<std::string_view> split_spaces(std::string_view v) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    std::size_t j = i;
    while (j < v.size() && v[j] != ' ') ++j;
    if (j > i) out.push_back(v.substr(i, j - i));
    i = j;
  }
  return out;
}

// Nix prints the NAR hash in the fingerprint as sha256:<base32> whatever form the file used.
Result<std::string> normalized_nar_hash(std::string_view h) {
  auto d = nar::parse_nar_hash(h);
  if (!d.ok()) return d.status();
  return nar::format_nar_hash(d.value());
}

}  // namespace

Status validate_store_base_name(std::string_view name) {
  if (name.size() < kHashChars + 2 || name[kHashChars] != '-')
    return Status(Errc::corrupt_input, quoted(name) + " is not <32-char hash>-<name>");
  for (std::size_t i = 0; i < kHashChars; ++i)
    if (kNixBase32Alphabet.find(name[i]) == std::string_view::npos)
      return Status(Errc::corrupt_input, "store path hash has a character outside Nix base32 at position " +
                                             std::to_string(i));
  const std::string_view n = name.substr(kHashChars + 1);
  if (n.size() > kMaxNameLen) return Status(Errc::corrupt_input, "store path name longer than 211 characters");
  if (n[0] == '.') return Status(Errc::corrupt_input, "store path name starts with '.'");
  for (char c : n)
    if (!is_name_char(c)) return Status(Errc::corrupt_input, "store path name has a forbidden character");
  return {};
}

Status validate_store_path(std::string_view path) {
  const auto slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == std::string_view::npos || slash == 0)
    return Status(Errc::corrupt_input, quoted(path) + " is not an absolute store path");
  return validate_store_base_name(path.substr(slash + 1));
}

std::string store_dir(const NarInfo& info) {
  const auto slash = info.store_path.rfind('/');
  return slash == std::string::npos ? std::string() : info.store_path.substr(0, slash);
}

Result<NarInfo> parse(std::string_view text) {
  NarInfo info;
  bool seen_path = false, seen_url = false, seen_comp = false, seen_fh = false, seen_fs = false;
  bool seen_nh = false, seen_ns = false, seen_refs = false, seen_drv = false, seen_sys = false, seen_ca = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    auto bad = [&](const std::string& msg) {
      return Status(Errc::corrupt_input, "narinfo line " + std::to_string(line_no) + ": " + msg);
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return bad("expected 'Key: value'");
    if (colon + 1 >= line.size() || line[colon + 1] != ' ') return bad("expected ': ' after the key");
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 2);
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("control character in line");
    auto once = [&](bool& seen) -> Status {
      if (seen) return bad("duplicate " + std::string(key) + " field");
      seen = true;
      return {};
    };
    if (key == "StorePath") {
      CHUNKER_TRY(once(seen_path));
      Status s = validate_store_path(value);
      if (!s.ok()) return bad("StorePath: " + s.message());
      info.store_path = value;
    } else if (key == "URL") {
      CHUNKER_TRY(once(seen_url));
      if (value.empty()) return bad("empty URL");
      info.url = value;
    } else if (key == "Compression") {
      CHUNKER_TRY(once(seen_comp));
      info.compression = value;
    } else if (key == "FileHash") {
      CHUNKER_TRY(once(seen_fh));
      auto h = nar::parse_nar_hash(value);
      if (!h.ok()) return bad("FileHash: " + h.status().message());
      info.file_hash = value;
    } else if (key == "FileSize") {
      CHUNKER_TRY(once(seen_fs));
      auto n = parse_decimal(value);
      if (!n.ok()) return bad("FileSize: " + n.status().message());
      info.file_size = n.value();
    } else if (key == "NarHash") {
      CHUNKER_TRY(once(seen_nh));
      auto h = nar::parse_nar_hash(value);
      if (!h.ok()) return bad("NarHash: " + h.status().message());
      info.nar_hash = value;
    } else if (key == "NarSize") {
      CHUNKER_TRY(once(seen_ns));
      auto n = parse_decimal(value);
      if (!n.ok()) return bad("NarSize: " + n.status().message());
      if (n.value() == 0) return bad("NarSize is 0");
      info.nar_size = n.value();
    } else if (key == "References") {
      CHUNKER_TRY(once(seen_refs));
      for (std::string_view r : split_spaces(value)) {
        Status s = validate_store_base_name(r);
        if (!s.ok()) return bad("References: " + s.message());
        info.references.emplace_back(r);
      }
    } else if (key == "Deriver") {
      CHUNKER_TRY(once(seen_drv));
      if (value != "unknown-deriver") {
        Status s = validate_store_base_name(value);
        if (!s.ok()) return bad("Deriver: " + s.message());
        info.deriver = value;
      }
    } else if (key == "System") {
      CHUNKER_TRY(once(seen_sys));
      info.system = value;
    } else if (key == "Sig") {
      const auto c = value.find(':');
      if (c == std::string_view::npos || c == 0) return bad("Sig: expected 'keyname:base64'");
      info.sigs.emplace_back(value);
    } else if (key == "CA") {
      CHUNKER_TRY(once(seen_ca));
      info.ca = value;
    } else {
      if (key.empty()) return bad("empty key");
      info.extra.emplace_back(key, value);
    }
  }
  auto missing = [&](const char* field) {
    return Status(Errc::corrupt_input, std::string("narinfo: missing ") + field + " line");
  };
  if (!seen_path) return missing("StorePath");
  if (!seen_url) return missing("URL");
  if (!seen_nh) return missing("NarHash");
  if (!seen_ns) return missing("NarSize");
  return info;
}

std::string format(const NarInfo& info) {
  std::string out;
  out += "StorePath: " + info.store_path + "\n";
  out += "URL: " + info.url + "\n";
  if (!info.compression.empty()) out += "Compression: " + info.compression + "\n";
  if (!info.file_hash.empty()) out += "FileHash: " + info.file_hash + "\n";
  if (info.file_size) out += "FileSize: " + std::to_string(*info.file_size) + "\n";
  out += "NarHash: " + info.nar_hash + "\n";
  out += "NarSize: " + std::to_string(info.nar_size) + "\n";
  out += "References:";
  out += info.references.empty() ? " " : "";
  for (const auto& r : info.references) out += " " + r;
  out += "\n";
  if (!info.deriver.empty()) out += "Deriver: " + info.deriver + "\n";
  if (!info.system.empty()) out += "System: " + info.system + "\n";
  for (const auto& s : info.sigs) out += "Sig: " + s + "\n";
  if (!info.ca.empty()) out += "CA: " + info.ca + "\n";
  for (const auto& [k, v] : info.extra) out += k + ": " + v + "\n";
  return out;
}

Result<std::string> fingerprint(const NarInfo& info) {
  CHUNKER_TRY(validate_store_path(info.store_path));
  if (info.nar_size == 0) return Status(Errc::invalid_argument, "narinfo: NarSize unknown, cannot fingerprint");
  auto h = normalized_nar_hash(info.nar_hash);
  if (!h.ok()) return h.status();
  // Nix keeps references in a sorted set of store paths.
  std::vector<std::string> refs = info.references;
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  const std::string dir = store_dir(info);
  std::string fp = "1;" + info.store_path + ";" + h.value() + ";" + std::to_string(info.nar_size) + ";";
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i) fp += ",";
    fp += dir + "/" + refs[i];
  }
  return fp;
}

Status sign(NarInfo& info, const ed25519::NixSecretKey& key) {
  auto fp = fingerprint(info);
  if (!fp.ok()) return fp.status();
  const std::string sig = key.sign_detached(fp.value());
  const std::string prefix = key.name + ":";
  std::erase_if(info.sigs, [&](const std::string& s) { return s.starts_with(prefix); });
  info.sigs.push_back(sig);
  return {};
}

std::vector<std::string> valid_signers(const NarInfo& info, std::span<const ed25519::NixPublicKey> trusted) {
  std::vector<std::string> out;
  auto fp = fingerprint(info);
  if (!fp.ok()) return out;
  for (const auto& sig : info.sigs)
    for (const auto& k : trusted)
      if (ed25519::verify_nix_signature(k, fp.value(), sig) &&
          std::find(out.begin(), out.end(), k.name) == out.end())
        out.push_back(k.name);
  return out;
}

Status verify(const NarInfo& info, std::span<const ed25519::NixPublicKey> trusted) {
  auto fp = fingerprint(info);
  if (!fp.ok()) return fp.status();
  if (info.sigs.empty()) return Status(Errc::verification_failed, "narinfo has no Sig lines");
  if (!valid_signers(info, trusted).empty()) return {};
  std::string names;
  for (const auto& s : info.sigs) names += (names.empty() ? "" : ", ") + s.substr(0, s.find(':'));
  return Status(Errc::verification_failed,
                "no valid signature from a trusted key (signed by: " + names + ")");
}

}  // namespace chunker::narinfo
