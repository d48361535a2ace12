// Leases (running writers) and gc markers (docs/store-format.md, "put / gc
// protocol"): create-only files that the other side finds by listing.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "chunker/store.hpp"
#include "format.hpp"
#include "backend.hpp"
#include "store_index.hpp"

namespace chunker::store::markers {

struct Info {
  std::string kind, host, boot_id;
  long long pid = 0;
};
std::string new_id();  // 32 hex digits
std::string this_process_json(const char* kind);
Result<Info> parse(std::string_view text);
// True only when the marker was provably left by a process of this machine
// (same host and boot) that no longer runs. Other machines' markers never are.
bool is_dead(const Info& i);
// Create-only and durable on return (local: tmp file, fsync, link(2), fsync
// of the directory); an existing key is an error (random ids never collide).
Status create(Backend& b, const std::string& key, const std::string& content);

// A writer's lease, removed when destroyed.
class Lease {
 public:
  static Result<Lease> take(Backend& b);
  Lease(Lease&& o) noexcept : b_(o.b_), key_(std::move(o.key_)) { o.key_.clear(); }
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  const std::string& key() const noexcept { return key_; }

 private:
  Lease(Backend& b, std::string k) : b_(&b), key_(std::move(k)) {}
  Backend* b_;
  std::string key_;
};

std::string plan_json(const std::vector<Digest>& condemned);
Result<std::vector<Digest>> parse_plan(std::string_view text);
// Adds the condemned packs of every gc/*.plan not yet in `seen` to `avoid`.
// A plan that cannot be read is an error (its packs are unknown).
Status read_plans(Backend& b, std::set<std::string>& seen, DigestSet& avoid);

}  // namespace chunker::store::markers
