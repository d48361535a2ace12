#include "s3_http.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "chunker/encoding.hpp"
#include "chunker/sha256.hpp"
#include "s3_xml.hpp"

namespace chunker::s3::detail {
namespace {

struct Transfer {
  const HttpRequest* req;
  HttpResponse* resp;
  std::size_t sent = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  std::size_t limit = t->req->max_response_bytes;
  if (limit != 0 && t->resp->body.size() + len > limit) {
    t->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  t->resp->body.insert(t->resp->body.end(), data, data + len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  std::string line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->resp->headers.clear();  // a new response (after 100 Continue or a retry)
    return len;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string::npos) return len;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t v = line.find_first_not_of(" \t", colon + 1);
  std::string value = v == std::string::npos ? "" : line.substr(v);
  // Room for the whole body at once (a pack is one allocation, not a doubling
  // series); only within the caller's limit, and never more than 1 GiB ahead.
  std::uint64_t cl = 0;
  const std::size_t limit = t->req->max_response_bytes;
  if (name == "content-length" && t->req->method != "HEAD" && parse_u64(value, cl) && cl <= (std::uint64_t{1} << 30) &&
      (limit == 0 || cl <= limit))
    t->resp->body.reserve(static_cast<std::size_t>(cl));
  t->resp->headers[name] = std::move(value);
  return len;
}

std::size_t on_read(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t left = t->req->body.size() - t->sent;
  std::size_t len = std::min(left, size * n);
  std::memcpy(buf, t->req->body.data() + t->sent, len);
  t->sent += len;
  return len;
}

}  // namespace

// libcurl is loaded with dlopen when the first S3 connection is made, not
// linked: it pulls in some thirty libraries (TLS, HTTP/2, LDAP, Kerberos...)
// whose loading and relocation every local command would otherwise pay.
// The SONAME is the one of the libcurl this was compiled against (ABI 4).
namespace {
struct CurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_version_info) version_info;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  decltype(&::curl_easy_perform) easy_perform;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_getdate) getdate;
};

constexpr const char* kLibcurl = "libcurl.so.4";
CurlApi g_api;
Status g_api_status;

Status load_libcurl() {
  void* h = ::dlopen(kLibcurl, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = ::dlerror();
    return {Errc::io_error, std::string("S3 needs libcurl, which could not be loaded (") + (e ? e : kLibcurl) +
                                "; Debian/Ubuntu: apt-get install libcurl4)"};
  }
  bool ok = true;
  auto sym = [&](auto& fn, const char* name) {
    void* p = ::dlsym(h, name);
    if (!p) ok = false;
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
#define CHUNKER_CURL_SYM(f) sym(g_api.f, "curl_" #f)
  CHUNKER_CURL_SYM(global_init), CHUNKER_CURL_SYM(version_info), CHUNKER_CURL_SYM(easy_init);
  CHUNKER_CURL_SYM(easy_cleanup), CHUNKER_CURL_SYM(easy_reset), CHUNKER_CURL_SYM(easy_setopt);
  CHUNKER_CURL_SYM(easy_perform), CHUNKER_CURL_SYM(easy_getinfo), CHUNKER_CURL_SYM(easy_strerror);
  CHUNKER_CURL_SYM(slist_append), CHUNKER_CURL_SYM(slist_free_all), CHUNKER_CURL_SYM(getdate);
#undef CHUNKER_CURL_SYM
  if (!ok) {
    const char* e = ::dlerror();
    return {Errc::io_error, std::string(kLibcurl) + ": a libcurl function is missing (" + (e ? e : "dlsym") + ")"};
  }
  // CURLOPT_AWS_SIGV4 needs 7.75; an older library would ignore it and send unsigned requests.
  const curl_version_info_data* v = g_api.version_info(CURLVERSION_NOW);
  if (!v || v->version_num < 0x074b00)
    return {Errc::io_error, std::string(kLibcurl) + " is version " + (v && v->version ? v->version : "?") +
                                "; S3 needs libcurl 7.75 or later (SigV4 signing)"};
  CURLcode rc = g_api.global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) return {Errc::io_error, std::string("libcurl initialisation failed: ") + g_api.easy_strerror(rc)};
  return {};  // the handle stays open for the process's lifetime
}

Status global_init() {
  static std::once_flag once;
  std::call_once(once, [] { g_api_status = load_libcurl(); });
  return g_api_status;
}

const CurlApi& curl() { return g_api; }  // only after global_init() succeeded
}  // namespace

std::int64_t http_date_seconds(const std::string& date) {
  if (!global_init().ok()) return -1;
  return static_cast<std::int64_t>(curl().getdate(date.c_str(), nullptr));
}

Connection::~Connection() {
  if (curl_) curl().easy_cleanup(static_cast<CURL*>(curl_));
}

Status Connection::init(const Location& loc, const Credentials& cred, const Options& opt) {
  CHUNKER_TRY(global_init());
  curl_ = curl().easy_init();
  if (!curl_) return {Errc::io_error, "libcurl: curl_easy_init failed"};
  sigv4_ = "aws:amz:" + loc.region + ":s3";
  userpwd_ = cred.access_key + ":" + cred.secret_key;
  if (!cred.session_token.empty()) session_header_ = "x-amz-security-token: " + cred.session_token;
  connect_timeout_ms_ = opt.connect_timeout_ms;
  stall_timeout_s_ = opt.stall_timeout_s;
  return {};
}

bool Connection::transient(int code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

void Connection::perform(const HttpRequest& req, HttpResponse& out) {
  out = HttpResponse{};
  auto* c = static_cast<CURL*>(curl_);
  curl().easy_reset(c);  // options only: the connection cache survives
  Transfer t{&req, &out};

  // The payload's real SHA-256: libcurl signs it and RGW checks it against
  // the body (400 XAmzContentSHA256Mismatch), so uploads are verified end to end.
  std::string payload_hash = hex_encode(sha256::hash(req.body));
  curl_slist* hdrs = nullptr;
  std::string h_sha = "x-amz-content-sha256: " + payload_hash;
  hdrs = curl().slist_append(hdrs, h_sha.c_str());
  if (!session_header_.empty()) hdrs = curl().slist_append(hdrs, session_header_.c_str());
  // (No "Name:" lines to suppress a default header: libcurl would sign the
  // empty header without sending it, and the server would refuse the signature.
  // Its own "Expect: 100-continue" above 1 MiB is unsigned and lets RGW refuse
  // a body before it is sent.)
  for (const auto& h : req.headers) hdrs = curl().slist_append(hdrs, h.c_str());

  curl().easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl().easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl().easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl().easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
  curl().easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl().easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms_);
  curl().easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl().easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_timeout_s_);
  curl().easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl().easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl().easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl().easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl().easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

  if (req.method == "GET") {
    curl().easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl().easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl().easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl().easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl().easy_setopt(c, CURLOPT_READDATA, &t);
    curl().easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method == "POST") {
    curl().easy_setopt(c, CURLOPT_POST, 1L);
    // Never NULL: libcurl would then read the body from stdin.
    const char* data = req.body.empty() ? "" : reinterpret_cast<const char*>(req.body.data());
    curl().easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl().easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else {
    curl().easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl().easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl().easy_perform(c);
  curl().slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    out.status = 0;
    out.curl_code = rc;
    out.too_large = t.too_large;
    out.transport_error = t.too_large ? "response larger than " + std::to_string(req.max_response_bytes) + " bytes"
                                      : (errbuf[0] ? errbuf : curl().easy_strerror(rc));
    return;
  }
  curl().easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
}

}  // namespace chunker::s3::detail
