// The chunk store on S3 (Ceph RGW of scripts/ci/70-s3.sh) where a test needs
// to reach inside: the library API on an s3:// location, and the CLI through
// a fault-injecting proxy (503 SlowDown and connection resets for a while, or
// for good; a put killed with SIGKILL in the middle of a multipart pack
// upload). After every fault: verify is clean and every listed file restores
// byte-exact; a put either finishes or fails naming the object.
// tests/s3/store.sh has the CLI round trips, concurrency and bad input.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "chunker/store.hpp"
#include "s3/s3_client.hpp"
#include "s3_fault_proxy.hpp"
#include "test_util.hpp"

namespace {

using namespace chunker;
using s3test::endpoint_port;
using s3test::fail_first_attempts;
using s3test::Fault;
using s3test::FaultProxy;
using chunker::test::cli;
using chunker::test::run;

std::string env(const char* n) {
  const char* v = std::getenv(n);
  return v ? v : "";
}

class S3RgwStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env("CHUNKER_S3_ENDPOINT").empty() || env("CHUNKER_S3_BUCKET").empty() || env("AWS_ACCESS_KEY_ID").empty() ||
        env("AWS_SECRET_ACCESS_KEY").empty()) {
      const char* msg = "no S3 server: run scripts/ci/70-s3.sh, or eval \"$(bash scripts/s3/rgw.sh start)\" first";
      if (chunker::test::require_tools()) FAIL() << msg << " [required: CI / CHUNKER_REQUIRE_TOOLS]";
      GTEST_SKIP() << msg;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("gtest-store/") + info->name() + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(chunker::test::SplitMix64(static_cast<std::uint64_t>(time(nullptr))).next() % 1000000);
    dir_ = chunker::test::temp_dir();
    ::setenv("XDG_CACHE_HOME", (dir_ + "/cache").c_str(), 1);
  }

  void TearDown() override {
    if (prefix_.empty()) return;
    auto c = client();
    if (auto ups = c.list_uploads(""); ups.ok())
      for (const auto& u : *ups) (void)c.multipart_abort(u.key, u.upload_id);
    if (auto all = c.list_all(""); all.ok())
      for (const auto& o : *all) (void)c.del(o.key);
    std::filesystem::remove_all(dir_);
  }

  // The store's URL, directly or through a proxy's endpoint.
  std::string url(const std::string& endpoint = env("CHUNKER_S3_ENDPOINT")) const {
    return "s3://" + env("CHUNKER_S3_BUCKET") + "/" + prefix_ + "?endpoint=" + endpoint + "&region=us-east-1";
  }
  std::string q(const std::string& s) const { return "'" + s + "'"; }

  s3::Client client() const {
    auto loc = s3::parse_url(url());
    auto cred = s3::credentials_from_env();
    if (!loc || !cred) throw std::runtime_error("bad test setup");
    return std::move(*s3::Client::open(*loc, *cred));
  }

  // Files NAME -> bytes under dir_/in, from fixed seeds.
  void make_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const std::string p = dir_ + "/in/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    chunker::test::write_file(p, bytes);
    files_[name] = bytes;
  }

  // verify (directly) is clean, and every listed file restores byte-exact.
  void expect_consistent(const std::string& label) {
    auto v = run(cli() + " store verify " + q(url()) + " 2>&1");
    EXPECT_EQ(v.status, 0) << label << ": " << v.out;
    auto ls = run(cli() + " store ls " + q(url()) + " --json");
    ASSERT_EQ(ls.status, 0) << label;
    auto j = chunker::test::parse_json(ls.out);
    for (const auto& e : j.arr) {
      const std::string name = e["name"].str;
      auto it = files_.find(name.substr(3));  // stored as in/NAME
      ASSERT_NE(it, files_.end()) << label << ": unexpected file " << name;
      const std::string out = dir_ + "/restored";
      auto g = run("cd " + dir_ + " && " + cli() + " store get " + q(url()) + " " + q(name) + " -o " + out + " 2>&1");
      ASSERT_EQ(g.status, 0) << label << ": get " << name << ": " << g.out;
      EXPECT_TRUE(chunker::test::read_file(out) == it->second) << label << ": " << name << " differs from the original";
      ++restored_;
    }
  }

  std::size_t listed() {
    auto ls = run(cli() + " store ls " + q(url()) + " --json");
    return ls.status == 0 ? chunker::test::parse_json(ls.out).arr.size() : 0;
  }

  // The CLI as a child process (`exec`: the pid is chunker's).
  pid_t spawn(const std::string& cmd) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", ("cd " + dir_ + " && exec " + cmd + " >/dev/null 2>&1").c_str(), nullptr);
      ::_exit(127);
    }
    return pid;
  }

  std::string prefix_, dir_;
  std::map<std::string, std::vector<std::uint8_t>> files_;
  std::size_t restored_ = 0;
};

// The library on an s3:// location: the same calls as on a directory.
TEST_F(S3RgwStore, ApiRoundTrip) {
  auto s = store::Store::init(url(), *fastcdc::preset("4k"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->dir(), url());
  make_file("a.bin", chunker::test::random_bytes(300000, 1));
  make_file("empty", {});
  make_file("text", chunker::test::text_bytes(200000, 2));
  std::vector<store::PutItem> items = {{"in/a.bin", dir_ + "/in/a.bin"}, {"in/empty", dir_ + "/in/empty"},
                                       {"in/text", dir_ + "/in/text"}};
  std::size_t ok = 0;
  auto sum = s->put_files(items, {}, [&](const store::PutResult& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.to_string();
    ok += r.status.ok();
  });
  ASSERT_TRUE(sum.ok()) << sum.status().to_string();
  EXPECT_EQ(ok, 3u);
  EXPECT_GE(sum->packs_written, 1u);

  auto again = store::Store::open(url());  // a fresh open reads store.json from the bucket
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->config().id, s->config().id);
  for (const auto& [name, bytes] : files_) {
    std::vector<std::uint8_t> got;
    Status g = again->get("in/" + name, [&](std::span<const std::uint8_t> b) {
      got.insert(got.end(), b.begin(), b.end());
      return Status{};
    });
    ASSERT_TRUE(g.ok()) << g.to_string();
    EXPECT_TRUE(got == bytes) << name;
  }
  auto list = again->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].manifest->name, "in/a.bin");
  auto rep = again->verify();
  EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems[0]);
  EXPECT_EQ(rep.manifests_checked, 3u);
  // The keys are the local layout's, relative to the prefix.
  auto c = client();
  auto all = c.list_all("");
  ASSERT_TRUE(all.ok());
  std::map<std::string, int> tops;
  for (const auto& o : *all) ++tops[o.key.substr(0, o.key.find('/'))];
  EXPECT_EQ(tops["store.json"], 1);
  EXPECT_EQ(tops["manifests"], 3);
  EXPECT_GE(tops["packs"], 1);
  EXPECT_GE(tops["index"], 1);
  EXPECT_EQ(tops.count("leases"), 0u);  // the put's lease is gone
  EXPECT_EQ(tops.size(), 4u);
  EXPECT_NE(store::s3_request_stats().find("\"requests\":"), std::string::npos);
}

// 503 SlowDown and connection resets on every request, 1 to 4 times each
// (5 attempts are allowed): the put finishes and everything is exact.
TEST_F(S3RgwStore, PutRetriesThroughFaultsAndFinishes) {
  ASSERT_EQ(run(cli() + " store init " + q(url()) + " >/dev/null").status, 0);
  for (int i = 0; i < 30; ++i) make_file("small/" + std::to_string(i), chunker::test::text_bytes(3000 + 997 * i, 10 + i));
  make_file("big", chunker::test::random_bytes(20u << 20, 3));  // 2 packs
  FaultProxy proxy(endpoint_port(env("CHUNKER_S3_ENDPOINT")), fail_first_attempts([](const std::string& line) {
                     return 1 + static_cast<int>(std::hash<std::string>{}(line) % 4);
                   }));
  auto put = run("cd " + dir_ + " && CHUNKER_S3_UPLOADS=2 " + cli() + " store put " + q(url(proxy.endpoint())) +
                 " in --quiet 2>&1");
  EXPECT_EQ(put.status, 0) << put.out;
  EXPECT_GT(proxy.requests(), 40);
  EXPECT_EQ(listed(), files_.size());
  expect_consistent("after retries");
  EXPECT_EQ(restored_, files_.size());
}

// The server fails for good from some request on: the put gives up after its
// bounded retries, exit 1 naming an object; what it committed before is
// complete and everything listed restores. A later put finishes the job.
TEST_F(S3RgwStore, PutFailsCleanlyWhenTheServerStaysDown) {
  ASSERT_EQ(run(cli() + " store init " + q(url()) + " >/dev/null").status, 0);
  for (int i = 0; i < 40; ++i) make_file("small/" + std::to_string(i), chunker::test::text_bytes(2000 + 1013 * i, 50 + i));
  make_file("big", chunker::test::random_bytes(36u << 20, 4));
  // Down during the pack uploads, then during the manifest commits.
  for (int down_from : {7, 25}) {
    FaultProxy proxy(endpoint_port(env("CHUNKER_S3_ENDPOINT")), [&](int n, const std::string&) {
      return n < down_from ? Fault::none : n % 2 ? Fault::reset : Fault::slowdown;
    });
    auto put = run("cd " + dir_ + " && CHUNKER_S3_MAX_ATTEMPTS=3 " + cli() + " store put " +
                   q(url(proxy.endpoint())) + " in --no-cache 2>&1");
    EXPECT_EQ(put.status, 1) << "down from " << down_from << ": " << put.out;
    EXPECT_NE(put.out.find("s3://" + env("CHUNKER_S3_BUCKET") + "/" + prefix_ + "/"), std::string::npos) << put.out;
    EXPECT_NE(put.out.find("after 3 attempts"), std::string::npos) << put.out;
    expect_consistent("server down from request " + std::to_string(down_from));
  }
  // Its lease is left (its delete failed too): dead, removed by the next gc on this machine.
  auto gc = run(cli() + " store gc " + q(url()) + " --grace 0 2>&1");
  EXPECT_EQ(gc.status, 0) << gc.out;
  EXPECT_EQ(gc.out.find("deferred"), std::string::npos) << gc.out;
  auto put = run("cd " + dir_ + " && " + cli() + " store put " + q(url()) + " in --quiet 2>&1");
  EXPECT_EQ(put.status, 0) << put.out;
  EXPECT_EQ(listed(), files_.size());
  expect_consistent("after a complete put");
}

// SIGKILL while a pack is uploaded as multipart (the proxy kills the put when
// part 2 arrives): nothing of it is listed, verify is clean, the earlier
// files restore; the incomplete upload stays until gc aborts it (with the
// dead lease); the same put then succeeds.
TEST_F(S3RgwStore, KillMidMultipartPackUpload) {
  ASSERT_EQ(run(cli() + " store init " + q(url()) + " >/dev/null").status, 0);
  make_file("before/a", chunker::test::text_bytes(100000, 7));
  make_file("before/b", chunker::test::random_bytes(50000, 8));
  auto first = run("cd " + dir_ + " && " + cli() + " store put " + q(url()) + " in --quiet 2>&1");
  ASSERT_EQ(first.status, 0) << first.out;
  make_file("big", chunker::test::random_bytes(24u << 20, 9));

  std::atomic<pid_t> child{0};
  std::atomic<bool> killed{false};
  FaultProxy proxy(endpoint_port(env("CHUNKER_S3_ENDPOINT")), [&](int, const std::string& head) {
    if (!killed && head.find("partNumber=2&uploadId=") != std::string::npos && child > 0) {
      ::kill(child, SIGKILL);
      killed = true;
      return Fault::reset;
    }
    return Fault::none;
  });
  child = spawn("env CHUNKER_S3_MULTIPART_THRESHOLD=5M CHUNKER_S3_PART_SIZE=5M CHUNKER_S3_UPLOADS=1 " + cli() +
                " store put " + q(url(proxy.endpoint())) + " in/big");
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_TRUE(killed) << "the put never reached part 2 of a multipart upload";
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

  EXPECT_EQ(listed(), 2u);
  auto big = files_.extract("big");  // not listed: not expected in expect_consistent
  expect_consistent("after the kill");
  auto ups = client().list_uploads("");
  ASSERT_TRUE(ups.ok()) << ups.status().to_string();
  ASSERT_EQ(ups->size(), 1u);
  EXPECT_EQ((*ups)[0].key.rfind("packs/", 0), 0u);

  // gc aborts uploads older than the oldest live writer and its 2 s margin.
  ::sleep(3);
  auto gc = run(cli() + " store gc " + q(url()) + " --grace 0 2>&1");
  ASSERT_EQ(gc.status, 0) << gc.out;
  EXPECT_NE(gc.out.find(" 1 tmp files and 1 dead markers removed"), std::string::npos) << gc.out;
  ups = client().list_uploads("");
  ASSERT_TRUE(ups.ok());
  EXPECT_EQ(ups->size(), 0u);

  files_.insert(std::move(big));
  auto put = run("cd " + dir_ + " && CHUNKER_S3_MULTIPART_THRESHOLD=5M CHUNKER_S3_PART_SIZE=5M " + cli() +
                 " store put " + q(url()) + " in/big --quiet 2>&1");
  ASSERT_EQ(put.status, 0) << put.out;
  EXPECT_EQ(listed(), 3u);
  expect_consistent("after the put again");
}

}  // namespace
