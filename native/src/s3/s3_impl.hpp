// Client internals shared by s3_client.cpp and s3_multipart.cpp.
#pragma once

#include <random>

#include "s3_client.hpp"
#include "s3_http.hpp"

namespace chunker::s3 {

struct Client::Impl {
  Location loc;
  Credentials cred;
  Options opt;
  detail::Connection conn;
  std::mt19937_64 rng{std::random_device{}()};  // jitter only: timing, never results
  std::uint64_t requests = 0;
  bool bucket_seen = false;  // a HEAD of the bucket succeeded once

  // endpoint/bucket/prefix+key[?query]; `query` already sorted and encoded.
  std::string object_url(std::string_view key, const std::string& query = {}) const;
  std::string bucket_url(const std::string& query = {}) const;

  // Sends with retries (5xx, 429, SlowDown, RequestTimeout, connection
  // failures) up to opt.retry.max_attempts, sleeping with exponential backoff
  // and jitter in between. Returns the final answer whatever its status, or
  // Errc::io_error naming `name` once the attempts are used up. `attempts`
  // (optional) receives the number of attempts made.
  Result<detail::HttpResponse> send(const detail::HttpRequest& req, const std::string& name, int* attempts = nullptr);

  // Errc::io_error for an answer that is not a success: 403 names the
  // credentials, a missing bucket names the bucket.
  Status http_error(const detail::HttpResponse& r, const std::string& name) const;
};

// "k1=v1&k2=v2" sorted by name, every value SigV4-encoded (names are plain).
std::string make_query(std::vector<std::pair<std::string, std::string>> params);

}  // namespace chunker::s3
