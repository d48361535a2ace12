#include "s3_xml.hpp"

#include <expat.h>

#include <ctime>
#include <functional>

namespace chunker::s3::detail {
namespace {

// Calls `on_end(path, text)` at every closing element, path = element names
// from the root. Returns false on malformed XML. S3 documents are small and
// flat, so the text of the element being closed is all a reader needs.
struct Walker {
  std::vector<std::string> path;
  std::string text;
  std::function<void(const std::vector<std::string>&, const std::string&)> on_end;
};

void XMLCALL start_el(void* user, const XML_Char* name, const XML_Char**) {
  auto* w = static_cast<Walker*>(user);
  w->path.emplace_back(name);
  w->text.clear();
}

void XMLCALL end_el(void* user, const XML_Char*) {
  auto* w = static_cast<Walker*>(user);
  w->on_end(w->path, w->text);
  w->path.pop_back();
  w->text.clear();
}

void XMLCALL chars(void* user, const XML_Char* s, int len) {
  static_cast<Walker*>(user)->text.append(s, static_cast<std::size_t>(len));
}

bool walk(std::span<const std::uint8_t> body,
          std::function<void(const std::vector<std::string>&, const std::string&)> on_end, std::string* err = nullptr) {
  Walker w{{}, {}, std::move(on_end)};
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (!p) return false;
  XML_SetUserData(p, &w);
  XML_SetElementHandler(p, start_el, end_el);
  XML_SetCharacterDataHandler(p, chars);
  bool ok = XML_Parse(p, reinterpret_cast<const char*>(body.data()), static_cast<int>(body.size()), 1) != XML_STATUS_ERROR;
  if (!ok && err)
    *err = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " +
           std::to_string(XML_GetCurrentLineNumber(p));
  XML_ParserFree(p);
  return ok;
}

}  // namespace

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<ErrorDoc> parse_error(std::span<const std::uint8_t> body) {
  if (body.empty()) return std::nullopt;
  ErrorDoc d;
  bool is_error = false;
  bool ok = walk(body, [&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 1 && path[0] == "Error") is_error = true;
    if (path.size() == 2 && path[0] == "Error") {
      if (path[1] == "Code") d.code = text;
      if (path[1] == "Message") d.message = text;
    }
  });
  if (!ok || !is_error) return std::nullopt;
  return d;
}

Result<ListPage> parse_list(std::span<const std::uint8_t> body) {
  ListPage page;
  ObjectInfo cur;
  std::string bad;
  std::string xml_err;
  bool root_ok = false;
  bool ok = walk(
      body,
      [&](const std::vector<std::string>& path, const std::string& text) {
        if (path.size() == 1) root_ok = path[0] == "ListBucketResult";
        if (path.size() == 2) {
          if (path[1] == "IsTruncated") page.truncated = text == "true";
          if (path[1] == "NextContinuationToken") page.next_token = text;
          if (path[1] == "Contents") {
            if (cur.key.empty() && bad.empty()) bad = "an entry without <Key>";
            page.objects.push_back(std::move(cur));
            cur = ObjectInfo{};
          }
        }
        if (path.size() == 3 && path[1] == "Contents") {
          if (path[2] == "Key") cur.key = text;
          if (path[2] == "Size" && !parse_u64(text, cur.size) && bad.empty()) bad = "bad <Size> '" + text + "'";
          if (path[2] == "ETag") cur.etag = unquote(text);
          if (path[2] == "LastModified") {
            auto t = parse_iso8601_ns(text);
            if (!t && bad.empty()) bad = "bad <LastModified> '" + text + "'";
            cur.mtime_ns = t.value_or(0);
          }
        }
      },
      &xml_err);
  if (!ok) return Status(Errc::corrupt_input, "S3 listing is not valid XML: " + xml_err);
  if (!root_ok) return Status(Errc::corrupt_input, "S3 listing: root element is not <ListBucketResult>");
  if (!bad.empty()) return Status(Errc::corrupt_input, "S3 listing: " + bad);
  if (page.truncated && page.next_token.empty())
    return Status(Errc::corrupt_input, "S3 listing: truncated page without <NextContinuationToken>");
  return page;
}

Result<UploadsPage> parse_uploads(std::span<const std::uint8_t> body) {
  UploadsPage page;
  UploadInfo cur;
  std::string bad, xml_err;
  bool root_ok = false;
  bool ok = walk(
      body,
      [&](const std::vector<std::string>& path, const std::string& text) {
        if (path.size() == 1) root_ok = path[0] == "ListMultipartUploadsResult";
        if (path.size() == 2) {
          if (path[1] == "IsTruncated") page.truncated = text == "true";
          if (path[1] == "NextKeyMarker") page.next_key_marker = text;
          if (path[1] == "NextUploadIdMarker") page.next_upload_id_marker = text;
          if (path[1] == "Upload") {
            if ((cur.key.empty() || cur.upload_id.empty()) && bad.empty()) bad = "an upload without <Key> or <UploadId>";
            page.uploads.push_back(std::move(cur));
            cur = UploadInfo{};
          }
        }
        if (path.size() == 3 && path[1] == "Upload") {
          if (path[2] == "Key") cur.key = text;
          if (path[2] == "UploadId") cur.upload_id = text;
          if (path[2] == "Initiated") {
            auto t = parse_iso8601_ns(text);
            if (!t && bad.empty()) bad = "bad <Initiated> '" + text + "'";
            cur.initiated_ns = t.value_or(0);
          }
        }
      },
      &xml_err);
  if (!ok) return Status(Errc::corrupt_input, "S3 upload listing is not valid XML: " + xml_err);
  if (!root_ok) return Status(Errc::corrupt_input, "S3 upload listing: root element is not <ListMultipartUploadsResult>");
  if (!bad.empty()) return Status(Errc::corrupt_input, "S3 upload listing: " + bad);
  if (page.truncated && page.next_key_marker.empty())
    return Status(Errc::corrupt_input, "S3 upload listing: truncated page without <NextKeyMarker>");
  return page;
}

Result<std::string> parse_upload_id(std::span<const std::uint8_t> body) {
  std::string id;
  bool ok = walk(body, [&](const std::vector<std::string>& path, const std::string& text) {
    if (path.size() == 2 && path[0] == "InitiateMultipartUploadResult" && path[1] == "UploadId") id = text;
  });
  if (!ok || id.empty()) return Status(Errc::corrupt_input, "S3 InitiateMultipartUpload answer has no <UploadId>");
  return id;
}

std::string root_element(std::span<const std::uint8_t> body) {
  std::string root;
  walk(body, [&](const std::vector<std::string>& path, const std::string&) {
    if (path.size() == 1) root = path[0];
  });
  return root;
}

std::optional<std::int64_t> parse_iso8601_ns(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  if (s.size() < 20 || s.back() != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::int64_t frac_ns = 0;
  std::size_t i = 19;
  if (s[i] == '.') {
    std::int64_t scale = 100000000;
    for (++i; i < s.size() - 1; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      frac_ns += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i != s.size() - 1) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm));
  // int64 nanoseconds reach from 1677 to 2262.
  if (secs < -9000000000LL || secs > 9000000000LL) return std::nullopt;
  return secs * 1000000000 + frac_ns;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace chunker::s3::detail
