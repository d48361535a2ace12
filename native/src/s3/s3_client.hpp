// A small S3 client for the chunk store's object-storage backend: path-style
// requests signed with SigV4 by libcurl, ListObjectsV2 parsed with libexpat,
// bounded retries with backoff. Tested against Ceph RGW (Pacific); see
// docs/s3.md for what that server does differently from AWS.
//
// Keys passed to a Client are relative to the location's prefix; errors name
// the whole object as s3://BUCKET/PREFIX/KEY. A Client owns one connection
// (libcurl easy handle) and is not thread-safe: use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/function_ref.hpp"

namespace chunker::s3 {

// s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:7480&region=us-east-1
struct Location {
  std::string endpoint;  // scheme://host[:port], no trailing slash
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // "" or ends with '/'
  // "s3://bucket/prefix/" + key
  std::string describe(std::string_view key = {}) const;
};
// Errc::invalid_argument naming what is wrong with the URL.
Result<Location> parse_url(std::string_view url);

struct Credentials {
  std::string access_key, secret_key;
  std::string session_token;  // optional (AWS_SESSION_TOKEN)
};
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
// Errc::invalid_argument naming the missing variable.
Result<Credentials> credentials_from_env();

struct RetryPolicy {
  int max_attempts = 5;       // attempts in total, >= 1
  int base_delay_ms = 100;    // delay before the 2nd attempt, doubled each time
  int max_delay_ms = 5000;    // cap before jitter
};

struct Options {
  RetryPolicy retry;
  std::size_t multipart_threshold = 64u << 20;  // put() of more bytes uses multipart
  std::size_t part_size = 16u << 20;            // >= 5 MiB (S3's minimum but for the last part)
  int max_keys = 1000;                          // page size of list() (S3 caps it at 1000)
  long connect_timeout_ms = 10000;
  // A transfer slower than 1 byte/s for this long is a (retryable) failure: no hangs.
  long stall_timeout_s = 60;
};

struct ObjectInfo {
  std::string key;          // relative to the prefix
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // the server's LastModified (a storage timestamp)
  std::string etag;         // without quotes
};

struct PutResult {
  bool created = true;  // false: create-only and the key already existed
  // > 1 when earlier attempts failed in transit; then created == false may
  // also mean an earlier attempt of this very call stored the object.
  int attempts = 1;
  std::string etag;  // without quotes, when the server sent one (single-part PUTs)
};

struct UploadInfo {  // an incomplete multipart upload
  std::string key;   // relative to the prefix
  std::string upload_id;
  std::int64_t initiated_ns = 0;  // storage timestamp
};

struct PartInfo {
  int number = 0;
  std::string etag;  // as the server returned it (quoted)
};

class Client {
 public:
  // No network traffic; fails only if libcurl cannot be initialised.
  static Result<Client> open(Location loc, Credentials cred, Options opt = {});
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  const Location& location() const noexcept;
  const Options& options() const noexcept;

  // create_only: If-None-Match: * (412 -> created == false). Bodies above
  // options().multipart_threshold go as a multipart upload; RGW ignores
  // If-None-Match on its completion, so create-only multipart is a HEAD
  // check before the upload: two writers racing on one key may both write
  // (harmless only when equal keys mean equal bytes, as for content hashes).
  Result<PutResult> put(std::string_view key, std::span<const std::uint8_t> bytes, bool create_only);
  // put() as a multipart upload whatever the size (parts of options().part_size).
  Result<PutResult> put_multipart(std::string_view key, std::span<const std::uint8_t> bytes, bool create_only);
  Result<std::vector<std::uint8_t>> get(std::string_view key);
  // The object into `out`; false: no such key (a missing bucket is an error).
  // max_bytes (0: none) bounds the answer: Errc::output_limit past it.
  Result<bool> get_if_exists(std::string_view key, std::vector<std::uint8_t>& out, std::size_t max_bytes = 0);
  // Bytes [offset, offset + length) clipped to the object's end; an offset
  // past the end is an error.
  Result<std::vector<std::uint8_t>> get_range(std::string_view key, std::uint64_t offset, std::uint64_t length);
  // nullopt: no such key (a missing bucket is an error, not nullopt).
  Result<std::optional<ObjectInfo>> head(std::string_view key);
  // Every object whose key starts with prefix (relative keys), in key order,
  // page by page; `fn` returning false stops early.
  Status list(std::string_view prefix, FunctionRef<bool(const ObjectInfo&)> fn);
  Result<std::vector<ObjectInfo>> list_all(std::string_view prefix);
  // Deleting a missing key succeeds (S3 semantics).
  Status del(std::string_view key);

  // Multipart upload, step by step (put() uses these for large bodies).
  Result<std::string> multipart_initiate(std::string_view key);  // upload id
  Result<PartInfo> multipart_upload_part(std::string_view key, const std::string& upload_id, int part_number,
                                         std::span<const std::uint8_t> bytes);
  Status multipart_complete(std::string_view key, const std::string& upload_id, const std::vector<PartInfo>& parts);
  Status multipart_abort(std::string_view key, const std::string& upload_id);
  // Incomplete multipart uploads of keys under prefix (ListMultipartUploads,
  // page by page), e.g. left by a writer killed mid-upload.
  Result<std::vector<UploadInfo>> list_uploads(std::string_view prefix);

  // Requests sent (each attempt counts): for the "S3 requests per GiB" figures.
  std::uint64_t requests_sent() const noexcept;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// For tests and the docs: the percent-encoding SigV4 canonicalises with
// (RFC 3986 unreserved characters kept; '/' kept when keep_slash).
std::string uri_encode(std::string_view s, bool keep_slash);

}  // namespace chunker::s3
