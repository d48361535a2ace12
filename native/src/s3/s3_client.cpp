// S3 operations with bounded retries (see s3_client.hpp).
#include "s3_client.hpp"


#include <algorithm>
#include <chrono>
#include <thread>

#include "s3_impl.hpp"
#include "s3_xml.hpp"

namespace chunker::s3 {

using detail::HttpRequest;
using detail::HttpResponse;
using detail::parse_u64;
using detail::unquote;

namespace {

constexpr std::size_t kMaxXmlBytes = 16u << 20;  // listings, errors, multipart answers

// Pacific and AWS both answer these when overloaded or mid-restart.
bool retryable_status(long status, const std::string& code) {
  return status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeout";
}

std::string error_code(const HttpResponse& r) {
  auto e = detail::parse_error(r.body);
  return e ? e->code : std::string();
}

std::string status_text(const HttpResponse& r) {
  std::string code = error_code(r);
  return std::to_string(r.status) + (code.empty() ? "" : " " + code);
}

}  // namespace

std::string make_query(std::vector<std::pair<std::string, std::string>> params) {
  // This libcurl signs the query exactly as given: SigV4 wants it sorted by
  // name with every value encoded, and "name=" even for empty values.
  std::sort(params.begin(), params.end());
  std::string q;
  for (const auto& [k, v] : params) {
    if (!q.empty()) q += '&';
    q += uri_encode(k, false) + "=" + uri_encode(v, false);
  }
  return q;
}

std::string Client::Impl::object_url(std::string_view key, const std::string& query) const {
  std::string url = loc.endpoint + "/" + loc.bucket + "/" + uri_encode(loc.prefix + std::string(key), true);
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string Client::Impl::bucket_url(const std::string& query) const {
  std::string url = loc.endpoint + "/" + loc.bucket;
  if (!query.empty()) url += "?" + query;
  return url;
}

Result<HttpResponse> Client::Impl::send(const HttpRequest& req, const std::string& name, int* attempts) {
  const int max_attempts = std::max(1, opt.retry.max_attempts);
  HttpResponse resp;
  for (int attempt = 1;; ++attempt) {
    if (attempts) *attempts = attempt;
    ++requests;
    conn.perform(req, resp);
    std::string why;
    if (resp.too_large)
      return Status(Errc::output_limit, name + ": object larger than the limit of " +
                                            std::to_string(req.max_response_bytes) + " bytes");
    if (resp.status == 0) {
      if (!detail::Connection::transient(resp.curl_code))
        return Status(Errc::io_error, name + ": " + resp.transport_error + " (" + loc.endpoint + ")");
      why = resp.transport_error;
    } else if (retryable_status(resp.status, error_code(resp))) {
      why = status_text(resp);
    } else {
      return resp;
    }
    if (attempt >= max_attempts)
      return Status(Errc::io_error, name + ": " + why + " after " + std::to_string(attempt) + " attempt" +
                                        (attempt == 1 ? "" : "s") + " (" + loc.endpoint + ")");
    // Exponential backoff with "equal jitter": half fixed, half random, so
    // clients that failed together do not retry together.
    long d = opt.retry.base_delay_ms;
    for (int i = 1; i < attempt && d < opt.retry.max_delay_ms; ++i) d *= 2;
    d = std::min<long>(d, opt.retry.max_delay_ms);
    long sleep_ms = d / 2 + static_cast<long>(rng() % static_cast<std::uint64_t>(d / 2 + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
}

Status Client::Impl::http_error(const HttpResponse& r, const std::string& name) const {
  auto e = detail::parse_error(r.body);
  std::string code = e ? e->code : "";
  std::string tail = e && !e->message.empty() ? ": " + e->message : "";
  std::string st = std::to_string(r.status) + (code.empty() ? "" : " " + code);
  if (r.status == 403) {
    std::string hint;
    if (code == "InvalidAccessKeyId")
      hint = "the server does not know this access key (check AWS_ACCESS_KEY_ID)";
    else if (code == "SignatureDoesNotMatch")
      hint = "the signature does not match (check AWS_SECRET_ACCESS_KEY and region=)";
    else
      hint = "access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's permissions)";
    return {Errc::io_error, name + ": " + st + ": " + hint};
  }
  if (r.status == 404 && code == "NoSuchBucket")
    return {Errc::io_error, "s3://" + loc.bucket + ": no such bucket at " + loc.endpoint + " (" + st + ")"};
  if (r.status == 404 && code == "NoSuchKey") return {Errc::io_error, name + ": no such object (" + st + ")"};
  return {Errc::io_error, name + ": HTTP " + st + tail};
}

// ---------------------------------------------------------------------------

Result<Client> Client::open(Location loc, Credentials cred, Options opt) {
  if (opt.part_size < (5u << 20)) return Status(Errc::invalid_argument, "S3 part_size must be at least 5 MiB");
  if (opt.multipart_threshold < opt.part_size)
    return Status(Errc::invalid_argument, "S3 multipart_threshold must be at least part_size");
  if (opt.max_keys < 1 || opt.max_keys > 1000) return Status(Errc::invalid_argument, "S3 max_keys must be 1..1000");
  auto impl = std::make_unique<Impl>();
  impl->loc = std::move(loc);
  impl->cred = std::move(cred);
  impl->opt = opt;
  CHUNKER_TRY(impl->conn.init(impl->loc, impl->cred, impl->opt));
  return Client(std::move(impl));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

const Location& Client::location() const noexcept { return impl_->loc; }
const Options& Client::options() const noexcept { return impl_->opt; }
std::uint64_t Client::requests_sent() const noexcept { return impl_->requests; }

Result<PutResult> Client::put(std::string_view key, std::span<const std::uint8_t> bytes, bool create_only) {
  if (bytes.size() > impl_->opt.multipart_threshold) return put_multipart(key, bytes, create_only);
  const std::string name = impl_->loc.describe(key);
  HttpRequest req{"PUT", impl_->object_url(key), {"Content-Type: application/octet-stream"}, bytes, kMaxXmlBytes};
  if (create_only) req.headers.push_back("If-None-Match: *");
  PutResult out;
  auto r = impl_->send(req, name, &out.attempts);
  if (!r) return r.status();
  if (r->status == 200) {
    out.etag = unquote(r->header("etag"));
    return out;
  }
  if (create_only && r->status == 412) {
    out.created = false;
    return out;
  }
  return impl_->http_error(*r, name);
}

Result<std::vector<std::uint8_t>> Client::get(std::string_view key) {
  std::vector<std::uint8_t> out;
  auto r = get_if_exists(key, out);
  if (!r) return r.status();
  if (!*r) return Status(Errc::io_error, impl_->loc.describe(key) + ": no such object (404 NoSuchKey)");
  return out;
}

Result<bool> Client::get_if_exists(std::string_view key, std::vector<std::uint8_t>& out, std::size_t max_bytes) {
  const std::string name = impl_->loc.describe(key);
  // An error answer is a small XML document: the limit also bounds it.
  const std::size_t limit = max_bytes == 0 ? 0 : std::max(max_bytes, kMaxXmlBytes);
  auto r = impl_->send({"GET", impl_->object_url(key), {}, {}, limit}, name);
  if (!r) return r.status();
  if (r->status == 404 && error_code(*r) == "NoSuchKey") return false;
  if (r->status != 200) return impl_->http_error(*r, name);
  if (max_bytes != 0 && r->body.size() > max_bytes)
    return Status(Errc::output_limit, name + ": object of " + std::to_string(r->body.size()) +
                                          " bytes exceeds the limit of " + std::to_string(max_bytes));
  out = std::move(r->body);
  return true;
}

Result<std::vector<std::uint8_t>> Client::get_range(std::string_view key, std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return std::vector<std::uint8_t>{};
  const std::string name = impl_->loc.describe(key);
  std::uint64_t last = length - 1 > UINT64_MAX - offset ? UINT64_MAX : offset + length - 1;
  HttpRequest req{"GET", impl_->object_url(key), {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last)}, {}, 0};
  auto r = impl_->send(req, name);
  if (!r) return r.status();
  if (r->status == 206) {
    if (r->body.size() > length)
      return Status(Errc::corrupt_input, name + ": ranged GET returned " + std::to_string(r->body.size()) +
                                             " bytes for a range of " + std::to_string(length));
    return std::move(r->body);
  }
  if (r->status == 200) {  // a server that ignores Range sends the whole object
    auto& b = r->body;
    if (offset >= b.size()) return Status(Errc::io_error, name + ": range starts past the end of the object");
    std::size_t end = length >= b.size() - offset ? b.size() : static_cast<std::size_t>(offset + length);
    return std::vector<std::uint8_t>(b.begin() + static_cast<std::ptrdiff_t>(offset), b.begin() + static_cast<std::ptrdiff_t>(end));
  }
  if (r->status == 416)
    return Status(Errc::io_error, name + ": range starting at byte " + std::to_string(offset) +
                                      " is past the end of the object (416 InvalidRange)");
  return impl_->http_error(*r, name);
}

Result<std::optional<ObjectInfo>> Client::head(std::string_view key) {
  const std::string name = impl_->loc.describe(key);
  auto r = impl_->send({"HEAD", impl_->object_url(key), {}, {}, 0}, name);
  if (!r) return r.status();
  if (r->status == 404) {
    // A HEAD answer has no body: ask whether the bucket itself exists.
    if (!impl_->bucket_seen) {
      auto b = impl_->send({"HEAD", impl_->bucket_url(), {}, {}, 0}, "s3://" + impl_->loc.bucket);
      if (!b) return b.status();
      if (b->status == 404)
        return Status(Errc::io_error, "s3://" + impl_->loc.bucket + ": no such bucket at " + impl_->loc.endpoint + " (404)");
      if (b->status != 200) return impl_->http_error(*b, "s3://" + impl_->loc.bucket);
      impl_->bucket_seen = true;
    }
    return std::optional<ObjectInfo>{};
  }
  if (r->status != 200) return impl_->http_error(*r, name);
  ObjectInfo info;
  info.key = std::string(key);
  if (!parse_u64(r->header("content-length"), info.size))
    return Status(Errc::corrupt_input, name + ": HEAD answer without a valid Content-Length");
  std::string lm = r->header("last-modified");
  std::int64_t t = lm.empty() ? -1 : detail::http_date_seconds(lm);
  if (t < 0) return Status(Errc::corrupt_input, name + ": HEAD answer without a valid Last-Modified");
  info.mtime_ns = static_cast<std::int64_t>(t) * 1000000000;
  info.etag = unquote(r->header("etag"));
  return std::optional<ObjectInfo>(std::move(info));
}

Status Client::list(std::string_view prefix, FunctionRef<bool(const ObjectInfo&)> fn) {
  const std::string full_prefix = impl_->loc.prefix + std::string(prefix);
  const std::string name = impl_->loc.describe(prefix);
  std::string token;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"list-type", "2"}, {"max-keys", std::to_string(impl_->opt.max_keys)}, {"prefix", full_prefix}};
    if (!token.empty()) params.emplace_back("continuation-token", token);
    auto r = impl_->send({"GET", impl_->bucket_url(make_query(params)), {}, {}, kMaxXmlBytes}, name);
    if (!r) return r.status();
    if (r->status != 200) return impl_->http_error(*r, name);
    auto page = detail::parse_list(r->body);
    if (!page) return Status(page.status().code(), name + ": " + page.status().message());
    for (auto& o : page->objects) {
      if (o.key.compare(0, full_prefix.size(), full_prefix) != 0)
        return Status(Errc::corrupt_input, name + ": listing returned key '" + o.key + "' outside the prefix");
      o.key.erase(0, impl_->loc.prefix.size());
      if (!fn(o)) return {};
    }
    if (!page->truncated) return {};
    if (page->next_token == token)
      return Status(Errc::corrupt_input, name + ": listing repeats its continuation token");
    token = std::move(page->next_token);
  }
}

Result<std::vector<ObjectInfo>> Client::list_all(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  CHUNKER_TRY(list(prefix, [&](const ObjectInfo& o) {
    out.push_back(o);
    return true;
  }));
  return out;
}

Status Client::del(std::string_view key) {
  const std::string name = impl_->loc.describe(key);
  auto r = impl_->send({"DELETE", impl_->object_url(key), {}, {}, kMaxXmlBytes}, name);
  if (!r) return r.status();
  if (r->status == 204 || r->status == 200) return {};
  if (r->status == 404 && error_code(*r) == "NoSuchKey") return {};
  return impl_->http_error(*r, name);
}

}  // namespace chunker::s3
