// Leases (running writers) and gc markers (docs/store-format.md, "put / gc
// protocol"): create-only files that the other side finds by listing.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "chunker/store.hpp"
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
// Create-only: tmp file, fsync, link(2) to dir/rel, fsync the parent directory.
Status create(const std::string& dir, const std::string& rel, const std::string& content);

// A writer's lease, removed when destroyed.
class Lease {
 public:
  static Result<Lease> take(const std::string& dir);
  Lease(Lease&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  const std::string& path() const noexcept { return path_; }

 private:
  explicit Lease(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

std::string plan_json(const std::vector<Digest>& condemned);
Result<std::vector<Digest>> parse_plan(std::string_view text);
// Adds the condemned packs of every gc/*.plan not yet in `seen` to `avoid`.
// A plan that cannot be read is an error (its packs are unknown).
Status read_plans(const std::string& dir, std::set<std::string>& seen, DigestSet& avoid);

}  // namespace chunker::store::markers
