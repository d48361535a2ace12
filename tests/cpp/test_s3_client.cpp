// The S3 client: URL parsing and XML readers (no server), then round trips
// against a real Ceph RGW started by scripts/ci/70-s3.sh (scripts/s3/rgw.sh),
// directly and through a fault-injecting loopback proxy.
//
// The S3Rgw tests need AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// CHUNKER_S3_ENDPOINT and CHUNKER_S3_BUCKET (eval "$(scripts/s3/rgw.sh start)");
// without them they skip, or fail under CI=true / CHUNKER_REQUIRE_TOOLS=1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "s3/s3_client.hpp"
#include "s3/s3_impl.hpp"
#include "s3/s3_xml.hpp"
#include "s3_fault_proxy.hpp"
#include "test_util.hpp"

namespace {

using namespace chunker;
using chunker::s3::Client;
using chunker::s3::Location;
using s3test::endpoint_port;
using s3test::fail_first_attempts;
using s3test::Fault;
using s3test::FaultProxy;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
std::span<const std::uint8_t> bytes_of(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }
std::string as_string(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

// ---------------------------------------------------------------------------
// URLs, credentials, encoding, XML: no server.

TEST(S3Url, ParsesBucketPrefixEndpointRegion) {
  auto l = s3::parse_url("s3://my-bucket/some/prefix?endpoint=http://127.0.0.1:7480&region=eu-west-2");
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  EXPECT_EQ(l->bucket, "my-bucket");
  EXPECT_EQ(l->prefix, "some/prefix/");
  EXPECT_EQ(l->endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(l->region, "eu-west-2");
  EXPECT_EQ(l->describe("packs/ab.pack"), "s3://my-bucket/some/prefix/packs/ab.pack");

  auto m = s3::parse_url("s3://bucket.with.dots/?endpoint=https://s3.example.org/");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->prefix, "");
  EXPECT_EQ(m->endpoint, "https://s3.example.org");  // trailing '/' dropped
  EXPECT_EQ(m->region, "us-east-1");                 // the default

  auto n = s3::parse_url("s3://abc/p/?region=us-east-1&endpoint=http%3A%2F%2Flocalhost%3A9000");
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(n->endpoint, "http://localhost:9000");
  EXPECT_EQ(n->prefix, "p/");
}

TEST(S3Url, MalformedUrlsAreClearErrors) {
  const struct {
    const char* url;
    const char* says;
  } cases[] = {
      {"", "does not start with s3://"},
      {"http://bucket/x?endpoint=http://h:1", "does not start with s3://"},
      {"S3://bucket?endpoint=http://h:1", "does not start with s3://"},
      {"s3://?endpoint=http://h:1", "no bucket name"},
      {"s3:///prefix?endpoint=http://h:1", "no bucket name"},
      {"s3://ab?endpoint=http://h:1", "bucket name 'ab' is not valid"},
      {"s3://Upper?endpoint=http://h:1", "bucket name 'Upper' is not valid"},
      {"s3://under_score?endpoint=http://h:1", "is not valid"},
      {"s3://-dash?endpoint=http://h:1", "is not valid"},
      {"s3://bucket", "no endpoint= parameter"},
      {"s3://bucket/p", "no endpoint= parameter"},
      {"s3://bucket?endpoint=", "must start with http:// or https://"},
      {"s3://bucket?endpoint=ftp://h:1", "must start with http:// or https://"},
      {"s3://bucket?endpoint=127.0.0.1:7480", "must start with http:// or https://"},
      {"s3://bucket?endpoint=http://h:0", "invalid port '0'"},
      {"s3://bucket?endpoint=http://h:99999", "invalid port '99999'"},
      {"s3://bucket?endpoint=http://h:80x", "invalid port"},
      {"s3://bucket?endpoint=http://h:1/path", "no path, query or user"},
      {"s3://bucket?endpoint=http://user@h:1", "no path, query or user"},
      {"s3://bucket?endpoint=http://", "no path, query or user"},
      {"s3://bucket?endpoint=http://h:1&endpoint=http://g:2", "given twice"},
      {"s3://bucket?endpoint=http://h:1&region", "parameter 'region' has no value"},
      {"s3://bucket?endpoint=http://h:1&region=US_EAST", "region 'US_EAST' is not valid"},
      {"s3://bucket?endpoint=http://h:1&foo=bar", "unknown parameter 'foo'"},
      {"s3://bucket?endpoint=http://h%2", "bad %-escape"},
      {"s3://bucket/a//b?endpoint=http://h:1", "empty, '.' or '..' segment"},
      {"s3://bucket/a/../b?endpoint=http://h:1", "empty, '.' or '..' segment"},
      {"s3://bucket/./b?endpoint=http://h:1", "empty, '.' or '..' segment"},
      {"s3://bucket/a\nb?endpoint=http://h:1", "control character"},
      {"s3://bucket/a#frag?endpoint=http://h:1", "contains '#'"},
  };
  for (const auto& c : cases) {
    auto r = s3::parse_url(c.url);
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument) << c.url;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << c.url << " -> " << r.status().message();
    EXPECT_NE(r.status().message().find("expected s3://BUCKET"), std::string::npos) << r.status().message();
  }
}

// Restores an environment variable when the test ends.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    const char* v = std::getenv(name);
    if (v) old_ = v;
    had_ = v != nullptr;
  }
  ~EnvGuard() {
    if (had_) ::setenv(name_, old_.c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_;
};

TEST(S3Url, CredentialsFromEnvironment) {
  EnvGuard a("AWS_ACCESS_KEY_ID"), b("AWS_SECRET_ACCESS_KEY"), c("AWS_SESSION_TOKEN");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  auto r = s3::credentials_from_env();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AWS_ACCESS_KEY_ID is not set"), std::string::npos) << r.status().message();
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  r = s3::credentials_from_env();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos) << r.status().message();
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  r = s3::credentials_from_env();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->access_key, "AKIDEXAMPLE");
  EXPECT_EQ(r->secret_key, "secret");
  EXPECT_EQ(r->session_token, "");
}

TEST(S3Url, SigV4EncodingAndSortedQuery) {
  // RFC 3986 unreserved characters stay, everything else is %XX (upper case).
  EXPECT_EQ(s3::uri_encode("a-b_c.d~e/f g+h=i&j%", true), "a-b_c.d~e/f%20g%2Bh%3Di%26j%25");
  EXPECT_EQ(s3::uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(s3::uri_encode("\xc3\xa9", true), "%C3%A9");
  // Sorted by name, every parameter with '=' (libcurl signs the query as given).
  EXPECT_EQ(s3::make_query({{"prefix", "a b/"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
            "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2F");
  EXPECT_EQ(s3::make_query({{"uploads", ""}}), "uploads=");
}

TEST(S3Url, ListingXml) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>p/</Prefix><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a &amp; b</Key><LastModified>2026-12-05T02:58:37.840Z</LastModified>"
      "<ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/c</Key><LastModified>1970-01-01T00:00:01Z</LastModified><ETag>&quot;x-2&quot;</ETag>"
      "<Size>18446744073709551615</Size></Contents>"
      "<NextContinuationToken>tok/+=</NextContinuationToken><KeyCount>2</KeyCount></ListBucketResult>";
  auto page = s3::detail::parse_list(bytes_of(xml));
  ASSERT_TRUE(page.ok()) << page.status().to_string();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a & b");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_EQ(page->objects[0].etag, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(page->objects[0].mtime_ns, 1796439517840000000LL);  // date -d 2026-12-05T02:58:37Z +%s = 1796439517
  EXPECT_EQ(page->objects[1].key, "p/c");
  EXPECT_EQ(page->objects[1].size, 18446744073709551615ull);
  EXPECT_EQ(page->objects[1].mtime_ns, 1000000000LL);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok/+=");

  const char* bad[] = {
      "<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</LastModified></Contents></ListBucketResult>",
      // (found by fuzz_s3_parsers: a year whose nanoseconds overflow int64)
      "<ListBucketResult><Contents><Key>k</Key><LastModified>1013-12-05T02:58:37.840Z</LastModified></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
      "<Error><Code>NoSuchBucket</Code></Error>",
      "<ListBucketResult><Contents>",
      "not xml",
  };
  for (const char* b : bad) {
    auto r = s3::detail::parse_list(bytes_of(std::string(b)));
    EXPECT_FALSE(r.ok()) << b;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Errc::corrupt_input) << b;
    }
  }
  auto e = s3::detail::parse_error(bytes_of(std::string(
      "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce</Message></Error>")));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "SlowDown");
  EXPECT_EQ(e->message, "Please reduce");
  EXPECT_FALSE(s3::detail::parse_error(bytes_of(xml)).has_value());
}

// ---------------------------------------------------------------------------
// Against RGW.

bool tools_required() {
  auto on = [](const char* n) {
    const char* v = std::getenv(n);
    return v && (std::string(v) == "1" || std::string(v) == "true");
  };
  return on("CI") || on("CHUNKER_REQUIRE_TOOLS");
}

std::string env(const char* n) {
  const char* v = std::getenv(n);
  return v ? v : "";
}

class S3Rgw : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env("CHUNKER_S3_ENDPOINT").empty() || env("CHUNKER_S3_BUCKET").empty() || env("AWS_ACCESS_KEY_ID").empty() ||
        env("AWS_SECRET_ACCESS_KEY").empty()) {
      const char* msg =
          "no S3 server: run scripts/ci/70-s3.sh, or eval \"$(bash scripts/s3/rgw.sh start)\" first "
          "(needs CHUNKER_S3_ENDPOINT, CHUNKER_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)";
      if (tools_required()) FAIL() << msg << " [required: CI / CHUNKER_REQUIRE_TOOLS]";
      GTEST_SKIP() << msg;
    }
    // Every test works under its own prefix: runs and tests never see each other's keys.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("gtest/") + info->name() + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(chunker::test::SplitMix64(static_cast<std::uint64_t>(time(nullptr))).next() % 1000000) + "/";
    loc_ = location(env("CHUNKER_S3_ENDPOINT"), env("CHUNKER_S3_BUCKET"));
  }

  void TearDown() override {
    if (prefix_.empty()) return;
    auto c = client(loc_);
    auto all = c.list_all("");
    if (all.ok())
      for (const auto& o : *all) (void)c.del(o.key);
  }

  Location location(const std::string& endpoint, const std::string& bucket) const {
    auto l = s3::parse_url("s3://" + bucket + "/" + prefix_ + "?endpoint=" + endpoint + "&region=us-east-1");
    EXPECT_TRUE(l.ok()) << l.status().to_string();
    return l.ok() ? *l : Location{};
  }

  Client client(const Location& loc, s3::Options opt = {}, s3::Credentials cred = {}) const {
    if (cred.access_key.empty()) {
      auto c = s3::credentials_from_env();
      EXPECT_TRUE(c.ok()) << c.status().to_string();
      cred = *c;
    }
    auto cl = Client::open(loc, cred, opt);
    if (!cl.ok()) throw std::runtime_error(cl.status().to_string());
    return std::move(*cl);
  }

  static s3::Options fast_retries(int attempts) {
    s3::Options o;
    o.retry.max_attempts = attempts;
    o.retry.base_delay_ms = 5;
    o.retry.max_delay_ms = 40;
    return o;
  }

  std::string prefix_;
  Location loc_;
};

TEST_F(S3Rgw, RoundTripEmptyAndSmall) {
  auto c = client(loc_);
  const auto small = chunker::test::random_bytes(3000, 1);
  ASSERT_TRUE(c.put("empty", {}, false).ok());
  auto p = c.put("dir/small.bin", bytes_of(small), false);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_TRUE(p->created);
  EXPECT_EQ(p->attempts, 1);

  auto e = c.get("empty");
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_TRUE(e->empty());
  auto s = c.get("dir/small.bin");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(*s, small);

  auto h = c.head("dir/small.bin");
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->size, 3000u);
  EXPECT_EQ((*h)->key, "dir/small.bin");
  // A storage timestamp: the server's clock, here the same machine's.
  std::int64_t now_ns = static_cast<std::int64_t>(time(nullptr)) * 1000000000;
  EXPECT_LT(std::llabs((*h)->mtime_ns - now_ns), 600LL * 1000000000);
  auto he = c.head("empty");
  ASSERT_TRUE(he.ok() && he->has_value());
  EXPECT_EQ((*he)->size, 0u);

  auto all = c.list_all("");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key, "dir/small.bin");
  EXPECT_EQ((*all)[0].size, 3000u);
  EXPECT_EQ((*all)[0].etag, (*h)->etag);
  EXPECT_EQ((*all)[1].key, "empty");
  // Listing and HEAD report the same timestamp (HEAD has 1 s resolution).
  EXPECT_EQ((*all)[0].mtime_ns / 1000000000, (*h)->mtime_ns / 1000000000);

  // Keys with characters that need percent-encoding in paths and queries.
  const std::string odd = "odd/a b+c=d&e%f~g\xc3\xa9";
  ASSERT_TRUE(c.put(odd, bytes_of(std::string("odd")), false).ok());
  auto og = c.get(odd);
  ASSERT_TRUE(og.ok()) << og.status().to_string();
  EXPECT_EQ(as_string(*og), "odd");
  auto ol = c.list_all("odd/a b+");
  ASSERT_TRUE(ol.ok()) << ol.status().to_string();
  ASSERT_EQ(ol->size(), 1u);
  EXPECT_EQ((*ol)[0].key, odd);
}

TEST_F(S3Rgw, RoundTripMultipart20MiB) {
  s3::Options o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 8u << 20;
  auto c = client(loc_, o);
  const auto big = chunker::test::random_bytes(20u << 20, 2);
  std::uint64_t before = c.requests_sent();
  auto p = c.put("big.bin", bytes_of(big), false);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  // initiate + 4 parts of 5 MiB + complete + the HEAD that checks the size.
  EXPECT_EQ(c.requests_sent() - before, 7u);
  auto g = c.get("big.bin");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_TRUE(*g == big) << "20 MiB multipart round trip differs";
  auto h = c.head("big.bin");
  ASSERT_TRUE(h.ok() && h->has_value());
  EXPECT_EQ((*h)->size, big.size());
  EXPECT_NE((*h)->etag.find("-4"), std::string::npos) << (*h)->etag;  // multipart ETag: md5-of-md5s "-<parts>"
  // A range across the first part boundary.
  auto r = c.get_range("big.bin", (5u << 20) - 100, 300);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(std::equal(r->begin(), r->end(), big.begin() + (5u << 20) - 100));
  EXPECT_EQ(r->size(), 300u);

  // Step by step, with a last part smaller than the others, and abort.
  auto id = c.multipart_initiate("steps.bin");
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  auto p1 = c.multipart_upload_part("steps.bin", *id, 1, bytes_of(big).subspan(0, 5u << 20));
  auto p2 = c.multipart_upload_part("steps.bin", *id, 2, bytes_of(big).subspan(5u << 20, 10));
  ASSERT_TRUE(p1.ok() && p2.ok());
  ASSERT_TRUE(c.multipart_complete("steps.bin", *id, {*p1, *p2}).ok());
  auto sg = c.get("steps.bin");
  ASSERT_TRUE(sg.ok());
  EXPECT_EQ(sg->size(), (5u << 20) + 10);
  EXPECT_TRUE(std::equal(sg->begin(), sg->end(), big.begin()));
  auto id2 = c.multipart_initiate("aborted.bin");
  ASSERT_TRUE(id2.ok());
  ASSERT_TRUE(c.multipart_upload_part("aborted.bin", *id2, 1, bytes_of(big).subspan(0, 1000)).ok());
  ASSERT_TRUE(c.multipart_abort("aborted.bin", *id2).ok());
  auto ah = c.head("aborted.bin");
  ASSERT_TRUE(ah.ok());
  EXPECT_FALSE(ah->has_value());
  auto bad = c.multipart_upload_part("aborted.bin", *id2, 2, bytes_of(big).subspan(0, 10));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(loc_.describe("aborted.bin") + " (part 2)"), std::string::npos)
      << bad.status().message();
}

TEST_F(S3Rgw, CreateOnlyConflict) {
  auto c = client(loc_);
  auto first = c.put("pack", bytes_of(std::string("first")), true);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(first->created);
  auto second = c.put("pack", bytes_of(std::string("second")), true);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_FALSE(second->created);  // 412: reported, not an error
  EXPECT_EQ(second->attempts, 1);
  auto g = c.get("pack");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(as_string(*g), "first");
  // A plain put overwrites (manifests).
  auto third = c.put("pack", bytes_of(std::string("third")), false);
  ASSERT_TRUE(third.ok() && third->created);
  g = c.get("pack");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(as_string(*g), "third");

  // Create-only multipart: the HEAD check finds the key, nothing is uploaded.
  s3::Options o;
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto m = client(loc_, o);
  const auto big = chunker::test::random_bytes((5u << 20) + 1, 3);
  auto mp = m.put("pack", bytes_of(big), true);
  ASSERT_TRUE(mp.ok()) << mp.status().to_string();
  EXPECT_FALSE(mp->created);
  g = c.get("pack");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(as_string(*g), "third");
  auto mn = m.put("fresh", bytes_of(big), true);
  ASSERT_TRUE(mn.ok()) << mn.status().to_string();
  EXPECT_TRUE(mn->created);
  g = c.get("fresh");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(*g == big);
}

TEST_F(S3Rgw, RangedGet) {
  auto c = client(loc_);
  const auto data = chunker::test::random_bytes(1000, 4);
  ASSERT_TRUE(c.put("r", bytes_of(data), false).ok());
  auto a = c.get_range("r", 100, 50);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(*a, std::vector<std::uint8_t>(data.begin() + 100, data.begin() + 150));
  auto b = c.get_range("r", 990, 100);  // clipped at the end
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(*b, std::vector<std::uint8_t>(data.begin() + 990, data.end()));
  auto z = c.get_range("r", 0, 0);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->empty());
  auto huge = c.get_range("r", 0, UINT64_MAX);
  ASSERT_TRUE(huge.ok()) << huge.status().to_string();
  EXPECT_EQ(*huge, data);
  auto past = c.get_range("r", 1000, 1);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find(loc_.describe("r") + ": range starting at byte 1000 is past the end"),
            std::string::npos)
      << past.status().message();
  auto missing = c.get_range("nope", 0, 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no such object"), std::string::npos) << missing.status().message();
}

TEST_F(S3Rgw, ListPaginatesOverThousandKeys) {
  auto c = client(loc_);
  const int n = 1050;
  char key[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(key, sizeof key, "k/%05d", i);
    auto p = c.put(key, bytes_of(std::to_string(i)), true);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
  }
  ASSERT_TRUE(c.put("other", bytes_of(std::string("x")), false).ok());

  // The server's page size (1000): two pages.
  std::uint64_t before = c.requests_sent();
  auto all = c.list_all("k/");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  EXPECT_EQ(c.requests_sent() - before, 2u);
  ASSERT_EQ(all->size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::snprintf(key, sizeof key, "k/%05d", i);
    ASSERT_EQ((*all)[static_cast<std::size_t>(i)].key, key);
    ASSERT_EQ((*all)[static_cast<std::size_t>(i)].size, std::to_string(i).size());
  }

  // Small pages: 11 continuation-token round trips, same keys in the same order.
  s3::Options o;
  o.max_keys = 100;
  auto small = client(loc_, o);
  before = small.requests_sent();
  auto paged = small.list_all("k/");
  ASSERT_TRUE(paged.ok()) << paged.status().to_string();
  EXPECT_EQ(small.requests_sent() - before, 11u);
  ASSERT_EQ(paged->size(), all->size());
  for (std::size_t i = 0; i < all->size(); ++i) ASSERT_EQ((*paged)[i].key, (*all)[i].key);

  auto sub = small.list_all("k/0010");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->size(), 10u);  // k/00100 .. k/00109
  // Stopping early stops paging.
  int seen = 0;
  before = small.requests_sent();
  ASSERT_TRUE(small.list("k/", [&](const s3::ObjectInfo&) { return ++seen < 150; }).ok());
  EXPECT_EQ(seen, 150);
  EXPECT_EQ(small.requests_sent() - before, 2u);
  auto none = small.list_all("no-such-prefix/");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(S3Rgw, Delete) {
  auto c = client(loc_);
  ASSERT_TRUE(c.put("d", bytes_of(std::string("x")), false).ok());
  ASSERT_TRUE(c.del("d").ok());
  auto h = c.head("d");
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_FALSE(h->has_value());
  auto g = c.get("d");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), Errc::io_error);
  EXPECT_EQ(g.status().message(), loc_.describe("d") + ": no such object (404 NoSuchKey)");
  EXPECT_TRUE(c.del("d").ok());  // deleting a missing key succeeds
  auto l = c.list_all("");
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
}

TEST_F(S3Rgw, WrongCredentialsSay403) {
  auto good = s3::credentials_from_env();
  ASSERT_TRUE(good.ok());
  s3::Credentials wrong_secret = *good;
  wrong_secret.secret_key += "x";
  auto c = client(loc_, {}, wrong_secret);
  auto p = c.put("x", bytes_of(std::string("x")), false);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Errc::io_error);
  EXPECT_NE(p.status().message().find(loc_.describe("x") + ": 403 SignatureDoesNotMatch"), std::string::npos)
      << p.status().message();
  EXPECT_NE(p.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << p.status().message();
  EXPECT_EQ(c.requests_sent(), 1u);  // no retries on 403

  s3::Credentials wrong_key = *good;
  wrong_key.access_key = "NOSUCHACCESSKEY00000";
  auto k = client(loc_, {}, wrong_key);
  auto l = k.list_all("");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("403 InvalidAccessKeyId"), std::string::npos) << l.status().message();
  EXPECT_NE(l.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos) << l.status().message();
  auto h = k.head("x");  // HEAD answers carry no error document
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("403"), std::string::npos) << h.status().message();
  EXPECT_NE(h.status().message().find("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"), std::string::npos)
      << h.status().message();
}

TEST_F(S3Rgw, MissingBucket) {
  auto loc = location(env("CHUNKER_S3_ENDPOINT"), "chunker-no-such-bucket");
  auto c = client(loc);
  const std::string says = "s3://chunker-no-such-bucket: no such bucket at " + env("CHUNKER_S3_ENDPOINT");
  auto g = c.get("x");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find(says), std::string::npos) << g.status().message();
  auto p = c.put("x", bytes_of(std::string("x")), true);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find(says), std::string::npos) << p.status().message();
  auto l = c.list_all("");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find(says), std::string::npos) << l.status().message();
  auto h = c.head("x");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find(says), std::string::npos) << h.status().message();
}

TEST_F(S3Rgw, RetriesFinishAfterSlowDownAndResets) {
  // Requests 0-1 get 503 SlowDown, 2-3 a connection reset, then RGW answers.
  FaultProxy proxy(endpoint_port(env("CHUNKER_S3_ENDPOINT")), [](int n, const std::string&) {
    return n < 2 ? Fault::slowdown : n < 4 ? Fault::reset : Fault::none;
  });
  auto c = client(location(proxy.endpoint(), env("CHUNKER_S3_BUCKET")), fast_retries(5));
  const auto data = chunker::test::random_bytes(100000, 5);
  auto p = c.put("through-proxy", bytes_of(data), true);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_TRUE(p->created);
  EXPECT_EQ(p->attempts, 5);
  EXPECT_EQ(proxy.requests(), 5);
  auto direct = client(loc_).get("through-proxy");  // stored exactly once, exactly these bytes
  ASSERT_TRUE(direct.ok()) << direct.status().to_string();
  EXPECT_EQ(*direct, data);
}

TEST_F(S3Rgw, RetriesGiveUpCleanlyWithABound) {
  FaultProxy slow(endpoint_port(env("CHUNKER_S3_ENDPOINT")), [](int, const std::string&) { return Fault::slowdown; });
  auto c = client(location(slow.endpoint(), env("CHUNKER_S3_BUCKET")), fast_retries(4));
  auto p = c.put("never", bytes_of(std::string("x")), false);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Errc::io_error);
  EXPECT_EQ(p.status().message(), loc_.describe("never") + ": 503 SlowDown after 4 attempts (" + slow.endpoint() + ")");
  EXPECT_EQ(slow.requests(), 4);

  FaultProxy reset(endpoint_port(env("CHUNKER_S3_ENDPOINT")), [](int, const std::string&) { return Fault::reset; });
  auto r = client(location(reset.endpoint(), env("CHUNKER_S3_BUCKET")), fast_retries(3));
  auto g = r.get("never");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), Errc::io_error);
  EXPECT_EQ(g.status().message().rfind(loc_.describe("never") + ": ", 0), 0u) << g.status().message();
  EXPECT_NE(g.status().message().find("Connection reset by peer after 3 attempts (" + reset.endpoint() + ")"),
            std::string::npos)
      << g.status().message();
  EXPECT_EQ(reset.requests(), 3);
  auto l = r.list_all("");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("after 3 attempts"), std::string::npos) << l.status().message();
  EXPECT_EQ(reset.requests(), 6);

  // Nothing was stored by the failed put.
  auto h = client(loc_).head("never");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->has_value());
}

TEST_F(S3Rgw, MultipartSurvivesFlakyConnections) {
  // Every request fails twice (503, then a reset; 3 attempts are allowed):
  // each step of the upload needs its retries, and the object comes out exact.
  FaultProxy proxy(endpoint_port(env("CHUNKER_S3_ENDPOINT")), fail_first_attempts([](const std::string&) { return 2; }));
  s3::Options o = fast_retries(3);
  o.part_size = 5u << 20;
  o.multipart_threshold = 5u << 20;
  auto c = client(location(proxy.endpoint(), env("CHUNKER_S3_BUCKET")), o);
  const auto big = chunker::test::random_bytes(12u << 20, 6);
  auto p = c.put("flaky.bin", bytes_of(big), true);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_TRUE(p->created);
  // 7 distinct requests, each sent 3 times: HEAD of the key (404: the create-only
  // check), HEAD of the bucket (a 404 to HEAD has no body, so a fresh client asks
  // once whether the bucket exists), initiate, 3 parts, complete. The size check
  // after completing is a HEAD of the key again: the proxy has already failed that
  // request line twice, so it passes at once. 3 * 7 + 1.
  EXPECT_EQ(proxy.requests(), 3 * 7 + 1);
  auto g = client(loc_).get("flaky.bin");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_TRUE(*g == big);
}

}  // namespace
