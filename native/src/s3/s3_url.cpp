// s3:// URLs, credentials from the environment, SigV4 percent-encoding.
#include <cstdlib>
#include <optional>
#include <set>

#include "s3_client.hpp"

namespace chunker::s3 {
namespace {

Status bad(std::string_view url, const std::string& why) {
  return {Errc::invalid_argument, "invalid S3 URL '" + std::string(url) + "': " + why +
                                      " (expected s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT[&region=REGION])"};
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// S3's bucket naming rules (3-63 characters of a-z 0-9 . -, alphanumeric at
// both ends): anything else is rejected by AWS and breaks path-style URLs.
bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63 || !is_lower_alnum(b.front()) || !is_lower_alnum(b.back())) return false;
  for (char c : b)
    if (!is_lower_alnum(c) && c != '.' && c != '-') return false;
  return b.find("..") == std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// scheme://host[:port] with nothing after it (a trailing '/' is dropped).
std::optional<std::string> check_endpoint(std::string ep, std::string& why) {
  std::size_t scheme_end = ep.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : ep.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    why = "endpoint '" + ep + "' must start with http:// or https://";
    return std::nullopt;
  }
  std::string hostport = ep.substr(scheme_end + 3);
  if (!hostport.empty() && hostport.back() == '/') {
    hostport.pop_back();
    ep.pop_back();
  }
  if (hostport.empty() || hostport.find_first_of("/?#@ ") != std::string::npos) {
    why = "endpoint '" + ep + "' must be scheme://HOST[:PORT] with no path, query or user";
    return std::nullopt;
  }
  std::size_t colon = hostport.rfind(':');
  bool bracketed = hostport.front() == '[';
  if (colon != std::string::npos && (!bracketed || colon > hostport.find(']'))) {
    std::string port = hostport.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535) {
      why = "endpoint '" + ep + "' has an invalid port '" + port + "'";
      return std::nullopt;
    }
    if (colon == 0) {
      why = "endpoint '" + ep + "' has no host";
      return std::nullopt;
    }
  }
  return ep;
}

}  // namespace

std::string Location::describe(std::string_view key) const {
  return "s3://" + bucket + "/" + prefix + std::string(key);
}

Result<Location> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "s3://";
  if (url.substr(0, scheme.size()) != scheme) return bad(url, "does not start with s3://");
  for (char c : url)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad(url, "contains a control character");
  if (url.find('#') != std::string_view::npos) return bad(url, "contains '#'");
  std::string_view rest = url.substr(scheme.size());
  std::size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);

  Location loc;
  std::size_t slash = path.find('/');
  loc.bucket = std::string(path.substr(0, slash));
  if (loc.bucket.empty()) return bad(url, "no bucket name");
  if (!valid_bucket(loc.bucket))
    return bad(url, "bucket name '" + loc.bucket + "' is not valid (3-63 characters of a-z 0-9 . -)");
  if (slash != std::string_view::npos) {
    std::string_view prefix = path.substr(slash + 1);
    // Each segment must be a plain name: '//' , '.' and '..' mean different
    // keys to different tools.
    std::size_t start = 0;
    while (start < prefix.size()) {
      std::size_t end = prefix.find('/', start);
      if (end == std::string_view::npos) end = prefix.size();
      std::string_view seg = prefix.substr(start, end - start);
      if (seg.empty() || seg == "." || seg == "..")
        return bad(url, "prefix '" + std::string(prefix) + "' has an empty, '.' or '..' segment");
      start = end + 1;
    }
    loc.prefix = std::string(prefix);
    if (!loc.prefix.empty() && loc.prefix.back() != '/') loc.prefix += '/';
  }

  std::set<std::string> seen;
  bool have_endpoint = false;
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (param.empty()) continue;
    std::size_t eq = param.find('=');
    std::string name(param.substr(0, eq));
    if (eq == std::string_view::npos) return bad(url, "parameter '" + name + "' has no value");
    auto value = percent_decode(param.substr(eq + 1));
    if (!value) return bad(url, "parameter '" + name + "' has a bad %-escape");
    if (!seen.insert(name).second) return bad(url, "parameter '" + name + "' given twice");
    if (name == "endpoint") {
      std::string why;
      auto ep = check_endpoint(*value, why);
      if (!ep) return bad(url, why);
      loc.endpoint = *ep;
      have_endpoint = true;
    } else if (name == "region") {
      if (value->empty() || value->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
        return bad(url, "region '" + *value + "' is not valid (a-z 0-9 -)");
      loc.region = *value;
    } else {
      return bad(url, "unknown parameter '" + name + "' (known: endpoint, region)");
    }
  }
  if (!have_endpoint) return bad(url, "no endpoint= parameter");
  return loc;
}

Result<Credentials> credentials_from_env() {
  Credentials c;
  const char* ak = std::getenv("AWS_ACCESS_KEY_ID");
  const char* sk = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* tok = std::getenv("AWS_SESSION_TOKEN");
  if (!ak || !*ak) return Status(Errc::invalid_argument, "S3 credentials: AWS_ACCESS_KEY_ID is not set");
  if (!sk || !*sk) return Status(Errc::invalid_argument, "S3 credentials: AWS_SECRET_ACCESS_KEY is not set");
  c.access_key = ak;
  c.secret_key = sk;
  if (tok) c.session_token = tok;
  // libcurl takes "ACCESS:SECRET" as user:password: a ':' in the key would split wrongly.
  if (c.access_key.find(':') != std::string::npos)
    return Status(Errc::invalid_argument, "S3 credentials: AWS_ACCESS_KEY_ID contains ':'");
  return c;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace chunker::s3
