#include "markers.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "chunker/blake3.hpp"
#include "chunker/encoding.hpp"

#include "chunker/json_reader.hpp"
#include "fs_util.hpp"

namespace chunker::store::markers {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string boot_id() {
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string s;
  std::getline(f, s);
  return s;
}

}  // namespace

std::string new_id() {
  std::uint8_t b[16];
  std::FILE* f = std::fopen("/dev/urandom", "rb");
  bool ok = f && std::fread(b, 1, sizeof b, f) == sizeof b;
  if (f) std::fclose(f);
  if (!ok) {  // fall back to the tmp-name generator (pid, counter, mt19937)
    Digest d = blake3::hash({reinterpret_cast<const std::uint8_t*>(fs::random_name().data()), fs::random_name().size()});
    std::memcpy(b, d.data(), sizeof b);
  }
  return hex_encode(b);
}

std::string this_process_json(const char* kind) {
  std::string out = "{\"kind\":";
  json::append_string(out, kind);
  out += ",\"host\":";
  json::append_string(out, host_name());
  out += ",\"boot_id\":";
  json::append_string(out, boot_id());
  out += ",\"pid\":" + std::to_string(::getpid()) + ",\"start_ns\":" + std::to_string(fs::now_ns()) + "}\n";
  return out;
}

Result<Info> parse(std::string_view text) {
  auto root = json::parse(text, {.max_bytes = 64 << 10, .max_depth = 4});
  if (!root) return root.status();
  if (!root->is_object()) return Status(Errc::corrupt_input, "marker: expected a JSON object");
  Info i;
  auto str = [&](const char* k, std::string& out) {
    if (const json::Value* v = root->find(k); v && v->is_string()) out = v->text;
  };
  str("kind", i.kind);
  str("host", i.host);
  str("boot_id", i.boot_id);
  if (const json::Value* v = root->find("pid")) i.pid = static_cast<long long>(v->as_u64().value_or(0));
  return i;
}

bool is_dead(const Info& i) {
  if (i.pid <= 0 || i.host != host_name() || i.boot_id.empty() || i.boot_id != boot_id()) return false;
  if (i.pid == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(i.pid), 0) != 0 && errno == ESRCH;
}

Status create(Backend& b, const std::string& key, const std::string& content) {
  SyncSet pending;
  auto made = b.create(key, {reinterpret_cast<const std::uint8_t*>(content.data()), content.size()}, pending);
  if (!made) return made.status();
  if (!*made) return Status(Errc::io_error, b.describe(key) + ": already exists (random id collision)");
  return b.sync(pending);
}

Result<Lease> Lease::take(Backend& b) {
  std::string key = "leases/";  // appended piecewise: GCC 12 misreads literal + string under LTO
  key += new_id();
  key += ".json";
  CHUNKER_TRY(create(b, key, this_process_json("put")));
  return Lease(b, std::move(key));
}

Lease::~Lease() {
  if (!key_.empty()) (void)b_->remove(key_, nullptr);
}

std::string plan_json(const std::vector<Digest>& condemned) {
  std::string out = "{\"condemned\":[";
  for (std::size_t i = 0; i < condemned.size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += to_hex(condemned[i]);
    out += '"';
  }
  return out + "]}\n";
}

Result<std::vector<Digest>> parse_plan(std::string_view text) {
  auto root = json::parse(text, {.max_bytes = kMaxIndexBytes, .max_depth = 4});
  if (!root) return root.status();
  const json::Value* c = root->is_object() ? root->find("condemned") : nullptr;
  if (!c || !c->is_array()) return Status(Errc::corrupt_input, "gc plan: missing \"condemned\" array");
  std::vector<Digest> out;
  for (const auto& v : c->items) {
    if (!v.is_string()) return Status(Errc::corrupt_input, "gc plan: expected pack hashes");
    auto d = parse_hex(v.text);
    if (!d) return d.status();
    out.push_back(*d);
  }
  return out;
}

Status read_plans(Backend& b, std::set<std::string>& seen, DigestSet& avoid) {
  std::vector<ObjectInfo> entries;
  CHUNKER_TRY(b.list("gc/", false, entries));
  std::vector<std::uint8_t> text;
  for (const auto& e : entries) {
    if (!e.key.ends_with(".plan") || seen.count(e.key)) continue;
    auto got = b.read(e.key, kMaxIndexBytes, text);
    if (!got) return got.status();
    if (!*got) continue;  // that gc finished: its packs are gone, the pack-exists check sees it
    auto plan = parse_plan({reinterpret_cast<const char*>(text.data()), text.size()});
    if (!plan) return Status(plan.status().code(), b.describe(e.key) + ": " + plan.status().message());
    avoid.insert(plan->begin(), plan->end());
    seen.insert(e.key);
  }
  return {};
}

}  // namespace chunker::store::markers
