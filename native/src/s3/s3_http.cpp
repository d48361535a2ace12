#include "s3_http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

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

Status global_init() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return {Errc::io_error, std::string("libcurl initialisation failed: ") + curl_easy_strerror(rc)};
  return {};
}

}  // namespace

Connection::~Connection() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Status Connection::init(const Location& loc, const Credentials& cred, const Options& opt) {
  CHUNKER_TRY(global_init());
  curl_ = curl_easy_init();
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
  curl_easy_reset(c);  // options only: the connection cache survives
  Transfer t{&req, &out};

  // The payload's real SHA-256: libcurl signs it and RGW checks it against
  // the body (400 XAmzContentSHA256Mismatch), so uploads are verified end to end.
  std::string payload_hash = hex_encode(sha256::hash(req.body));
  curl_slist* hdrs = nullptr;
  std::string h_sha = "x-amz-content-sha256: " + payload_hash;
  hdrs = curl_slist_append(hdrs, h_sha.c_str());
  if (!session_header_.empty()) hdrs = curl_slist_append(hdrs, session_header_.c_str());
  // (No "Name:" lines to suppress a default header: libcurl would sign the
  // empty header without sending it, and the server would refuse the signature.
  // Its own "Expect: 100-continue" above 1 MiB is unsigned and lets RGW refuse
  // a body before it is sent.)
  for (const auto& h : req.headers) hdrs = curl_slist_append(hdrs, h.c_str());

  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms_);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_timeout_s_);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

  if (req.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    // Never NULL: libcurl would then read the body from stdin.
    const char* data = req.body.empty() ? "" : reinterpret_cast<const char*>(req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    out.status = 0;
    out.curl_code = rc;
    out.too_large = t.too_large;
    out.transport_error = t.too_large ? "response larger than " + std::to_string(req.max_response_bytes) + " bytes"
                                      : (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
}

}  // namespace chunker::s3::detail
