// One HTTP exchange over a reused libcurl easy handle, signed with SigV4 by
// libcurl itself. No retries and no S3 semantics here (s3_client.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "s3_client.hpp"

namespace chunker::s3::detail {

struct HttpRequest {
  std::string method;                // GET PUT POST DELETE HEAD
  std::string url;                   // path and query already encoded; query sorted, every name with '='
  std::vector<std::string> headers;  // "Name: value"
  std::span<const std::uint8_t> body;
  std::size_t max_response_bytes = 0;  // 0: no limit (the caller asked for the object)
};

struct HttpResponse {
  long status = 0;                    // 0: no HTTP answer (transport error below)
  int curl_code = 0;                  // CURLcode
  std::string transport_error;        // libcurl's message when curl_code != 0
  bool too_large = false;             // the body passed max_response_bytes (transfer stopped)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::vector<std::uint8_t> body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// An HTTP date (Last-Modified) as seconds since the epoch, -1 if invalid (libcurl's parser).
std::int64_t http_date_seconds(const std::string& date);

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();
  Status init(const Location& loc, const Credentials& cred, const Options& opt);
  // One attempt; fills `out` (status 0 + curl_code on transport failures).
  void perform(const HttpRequest& req, HttpResponse& out);
  // True for transport failures worth another attempt (resets, timeouts, refused).
  static bool transient(int curl_code);

 private:
  void* curl_ = nullptr;  // CURL*
  std::string sigv4_, userpwd_, session_header_;
  long connect_timeout_ms_ = 0, stall_timeout_s_ = 0;
};

}  // namespace chunker::s3::detail
