// The S3 backend (docs/s3.md): the store's keys under s3://BUCKET/PREFIX/,
// create-only PUTs (If-None-Match: *), plain PUTs for overwrites, ranged GETs,
// ListObjectsV2 with LastModified as the storage timestamp. One libcurl handle
// per thread (a pool of clients), retries with backoff in the client.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>

#include "backend.hpp"
#include "chunker/thread_pool.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "../s3/s3_client.hpp"

namespace chunker::store {
namespace {

// Request counters of this process (all S3 stores), for CHUNKER_S3_STATS and
// the benchmark's "requests per GiB".
enum Kind { kGet, kRangeGet, kHead, kPut, kMultipart, kList, kDelete, kUploads, kKinds };
constexpr const char* kKindNames[kKinds] = {"get", "range_get", "head", "put", "multipart", "list", "delete", "uploads"};
std::atomic<std::uint64_t> g_requests[kKinds];
std::atomic<std::uint64_t> g_bytes_up{0}, g_bytes_down{0};

// Uploads in flight at once. Object stores serve many connections in parallel
// and one PUT rarely fills a link; memory stays bounded by 2 x this many packs.
constexpr unsigned kDefaultUploads = 4;
constexpr std::size_t kMaxReadAhead = 8u << 20;

Result<std::uint64_t> env_size(const char* var, std::uint64_t dflt, std::uint64_t lo, std::uint64_t hi) {
  const char* v = std::getenv(var);
  if (!v || !*v) return dflt;
  std::string s(v);
  std::uint64_t mult = 1;
  const char last = s.back();
  if (last == 'K' || last == 'k') mult = 1u << 10;
  if (last == 'M' || last == 'm') mult = 1u << 20;
  if (last == 'G' || last == 'g') mult = 1u << 30;
  if (mult != 1) s.pop_back();
  std::uint64_t n = 0;
  bool ok = !s.empty() && s.size() <= 12;
  for (char c : s) ok = ok && c >= '0' && c <= '9' && (n = n * 10 + static_cast<std::uint64_t>(c - '0'), true);
  n *= mult;
  if (!ok || n < lo || n > hi)
    return Status(Errc::invalid_argument, std::string(var) + "='" + v + "': expected a number from " + std::to_string(lo) +
                                              " to " + std::to_string(hi) + " (K, M, G suffixes allowed)");
  return n;
}

class S3Backend;

// A client of the pool, given back when the handle goes.
class Handle {
 public:
  Handle(S3Backend* b, std::unique_ptr<s3::Client> c) : b_(b), c_(std::move(c)) {}
  Handle(Handle&& o) noexcept : b_(o.b_), c_(std::move(o.c_)) {}
  Handle& operator=(Handle&&) = delete;
  ~Handle();
  s3::Client& operator*() { return *c_; }
  s3::Client* operator->() { return c_.get(); }

 private:
  S3Backend* b_;
  std::unique_ptr<s3::Client> c_;
};

// Counts the requests one operation made (retries and multipart steps included).
class Counted {
 public:
  Counted(s3::Client& c, Kind k) : c_(c), k_(k), before_(c.requests_sent()) {}
  ~Counted() { g_requests[k_] += c_.requests_sent() - before_; }

 private:
  s3::Client& c_;
  Kind k_;
  std::uint64_t before_;
};

class S3Backend final : public Backend {
 public:
  S3Backend(s3::Location loc, s3::Credentials cred, s3::Options opt, unsigned uploads)
      : loc_(std::move(loc)), cred_(std::move(cred)), opt_(opt), uploads_(uploads) {}

  Result<Handle> acquire() {
    {
      std::lock_guard g(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return Handle(this, std::move(c));
      }
    }
    auto c = s3::Client::open(loc_, cred_, opt_);
    if (!c) return c.status();
    return Handle(this, std::make_unique<s3::Client>(std::move(*c)));
  }
  void release(std::unique_ptr<s3::Client> c) {
    std::lock_guard g(mu_);
    idle_.push_back(std::move(c));
  }

  std::string describe(std::string_view key) const override {
    std::string d = loc_.describe(key);
    if (key.empty() && d.back() == '/') d.pop_back();
    return d;
  }
  bool local() const noexcept override { return false; }
  unsigned io_parallelism() const noexcept override { return uploads_; }

  Status prepare_root(SyncSet&) override { return {}; }         // no directories in a bucket
  Status check_root(std::span<const char* const>) override { return {}; }

  Result<bool> read(std::string_view key, std::size_t limit, std::vector<std::uint8_t>& out) override {
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, kGet);
    auto r = (*h)->get_if_exists(key, out, limit);
    if (r && *r) g_bytes_down += out.size();
    return r;
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override {
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, kHead);
    auto r = (*h)->head(key);
    if (!r) return r.status();
    if (!*r) return std::optional<ObjectInfo>{};
    return std::optional<ObjectInfo>(convert(**r));
  }

  Status list(std::string_view prefix, bool, std::vector<ObjectInfo>& out) override {
    out.clear();
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, kList);
    return (*h)->list(prefix, [&](const s3::ObjectInfo& o) {
      out.push_back(convert(o));
      return true;
    });
  }

  std::unique_ptr<RangeReader> range_reader() override;

  Result<bool> create(std::string_view key, std::span<const std::uint8_t> data, SyncSet&) override {
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, data.size() > opt_.multipart_threshold ? kMultipart : kPut);
    auto r = (*h)->put(key, data, /*create_only=*/true);
    if (!r) return r.status();
    g_bytes_up += data.size();
    // 412 after a retry: the attempt whose answer was lost stored it. Every
    // create-only key here is unique to its writer (random ids, salted packs)
    // or names its content (index files), so the object is this one.
    return r->created || r->attempts > 1;
  }

  Status replace(std::string_view key, std::span<const std::uint8_t> data, SyncSet&) override {
    return replace_one(key, data, nullptr);
  }

  Result<Staged> stage(std::string key, std::span<const std::uint8_t> data) override {
    return Staged{std::move(key), {}, {data.begin(), data.end()}, {}};
  }

  // Independent PUTs, several in flight (a put of many small files commits
  // many manifests at once).
  Status commit_staged(std::span<Staged* const> items) override {
    std::atomic<bool> failed{false};
    std::mutex mu;
    Status first;
    ThreadPool pool(static_cast<unsigned>(std::min<std::size_t>(items.size(), uploads_)));
    pool.run(items.size(), [&](std::size_t i) {
      if (failed.load(std::memory_order_relaxed)) return;  // stop after the first failure
      Staged& st = *items[i];
      Status s = replace_one(st.key, st.bytes, &st.etag);
      if (s.ok()) {
        st.bytes.clear();
        st.bytes.shrink_to_fit();
        return;
      }
      std::lock_guard g(mu);
      if (first.ok()) first = s;
      failed = true;
    });
    return first;
  }

  void discard(Staged& st) noexcept override {
    st.bytes.clear();
    st.bytes.shrink_to_fit();
  }

  Result<bool> remove(std::string_view key, SyncSet*) override {
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, kDelete);
    CHUNKER_TRY((*h)->del(key));
    return true;
  }

  Status remove_prefix(std::string_view prefix) override {
    std::vector<ObjectInfo> all;
    CHUNKER_TRY(list(prefix, false, all));
    for (const auto& o : all) CHUNKER_TRY(remove(o.key, nullptr).status());
    return {};
  }

  Status sync(SyncSet& pending) override {
    pending.clear();  // a PUT or DELETE is durable when it returns
    return {};
  }

  // Incomplete multipart uploads (a writer killed mid-upload): invisible to
  // listings and reads, but they hold storage until aborted.
  Status sweep_temporaries(std::int64_t before_ns, bool dry_run, std::uint64_t& removed) override {
    auto h = acquire();
    if (!h) return h.status();
    std::vector<s3::UploadInfo> ups;
    {
      Counted n(**h, kUploads);
      auto r = (*h)->list_uploads("");
      if (!r) return r.status();
      ups = std::move(*r);
    }
    Counted n(**h, kMultipart);
    for (const auto& u : ups) {
      if (u.initiated_ns >= before_ns) continue;
      if (!dry_run) CHUNKER_TRY((*h)->multipart_abort(u.key, u.upload_id));
      ++removed;
    }
    return {};
  }

  const s3::Options& options() const noexcept { return opt_; }

 private:
  Status replace_one(std::string_view key, std::span<const std::uint8_t> data, std::string* etag) {
    auto h = acquire();
    if (!h) return h.status();
    Counted n(**h, data.size() > opt_.multipart_threshold ? kMultipart : kPut);
    auto r = (*h)->put(key, data, false);
    if (!r) return r.status();
    g_bytes_up += data.size();
    if (etag) *etag = r->etag;
    return {};
  }

  static ObjectInfo convert(const s3::ObjectInfo& o) {
    ObjectInfo r;
    r.key = o.key;
    r.size = o.size;
    r.mtime_ns = o.mtime_ns;
    r.etag = o.etag;
    return r;
  }

  s3::Location loc_;
  s3::Credentials cred_;
  s3::Options opt_;
  unsigned uploads_;
  std::mutex mu_;
  std::vector<std::unique_ptr<s3::Client>> idle_;
};

Handle::~Handle() {
  if (c_) b_->release(std::move(c_));
}

// Ranged GETs with read-ahead: while the reads of one object are sequential
// (a file's chunks usually sit in order in a pack), each GET asks for twice
// the previous one, up to 8 MiB; a random read asks for just its range.
class S3Reader final : public RangeReader {
 public:
  S3Reader(S3Backend& b) : b_(b) {}
  Status read(std::string_view key, std::uint64_t offset, std::uint32_t length, std::vector<std::uint8_t>& out) override {
    if (key == key_ && offset >= start_ && offset - start_ <= buf_.size() && buf_.size() - (offset - start_) >= length) {
      const auto at = static_cast<std::ptrdiff_t>(offset - start_);
      out.assign(buf_.begin() + at, buf_.begin() + at + length);
      next_ = offset + length;
      return {};
    }
    const bool sequential = key == key_ && offset == next_;
    window_ = sequential ? std::min<std::size_t>(std::max<std::size_t>(2 * window_, length), kMaxReadAhead) : length;
    if (!h_) {
      auto h = b_.acquire();
      if (!h) return h.status();
      h_.emplace(std::move(*h));
    }
    Counted n(**h_, kRangeGet);
    auto r = (*h_)->get_range(key, offset, std::max<std::size_t>(window_, length));
    key_.clear();
    if (!r) return r.status();
    if (r->size() < length)
      return Status(Errc::corrupt_input, b_.describe(key) + ": pack ends before the blob the index names (truncated pack)");
    g_bytes_down += r->size();
    buf_ = std::move(*r);
    key_ = std::string(key);
    start_ = offset;
    next_ = offset + length;
    out.assign(buf_.begin(), buf_.begin() + length);
    return {};
  }

 private:
  S3Backend& b_;
  std::optional<Handle> h_;
  std::string key_;
  std::uint64_t start_ = 0, next_ = 0;
  std::size_t window_ = 0;
  std::vector<std::uint8_t> buf_;
};

std::unique_ptr<RangeReader> S3Backend::range_reader() { return std::make_unique<S3Reader>(*this); }

}  // namespace

Result<std::shared_ptr<Backend>> s3_backend(std::string_view url) {
  auto loc = s3::parse_url(url);
  if (!loc) return loc.status();
  auto cred = s3::credentials_from_env();
  if (!cred) return cred.status();
  s3::Options opt;
  auto uploads = env_size("CHUNKER_S3_UPLOADS", kDefaultUploads, 1, 64);
  if (!uploads) return uploads.status();
  auto attempts = env_size("CHUNKER_S3_MAX_ATTEMPTS", static_cast<std::uint64_t>(opt.retry.max_attempts), 1, 20);
  if (!attempts) return attempts.status();
  auto part = env_size("CHUNKER_S3_PART_SIZE", opt.part_size, 5u << 20, std::uint64_t{5} << 30);
  if (!part) return part.status();
  auto threshold = env_size("CHUNKER_S3_MULTIPART_THRESHOLD", std::max<std::uint64_t>(opt.multipart_threshold, *part),
                            *part, std::uint64_t{5} << 30);
  if (!threshold) return threshold.status();
  opt.retry.max_attempts = static_cast<int>(*attempts);
  opt.part_size = static_cast<std::size_t>(*part);
  opt.multipart_threshold = static_cast<std::size_t>(*threshold);
  // Fails early (no traffic) if libcurl cannot start.
  CHUNKER_TRY(s3::Client::open(*loc, *cred, opt).status());
  return std::shared_ptr<Backend>(std::make_shared<S3Backend>(std::move(*loc), std::move(*cred), opt,
                                                              static_cast<unsigned>(*uploads)));
}

std::string s3_request_stats() {
  std::uint64_t total = 0;
  std::string kinds;
  for (int k = 0; k < kKinds; ++k) {
    const std::uint64_t n = g_requests[k];
    total += n;
    kinds += ",\"" + std::string(kKindNames[k]) + "\":" + std::to_string(n);
  }
  if (total == 0) return {};
  return "{\"requests\":" + std::to_string(total) + kinds + ",\"bytes_up\":" + std::to_string(g_bytes_up.load()) +
         ",\"bytes_down\":" + std::to_string(g_bytes_down.load()) + "}";
}

}  // namespace chunker::store
