// Commit-order step 1 for a writer's packs: each finished pack is written
// create-only (write_pack) by background writers, so chunking goes on while
// packs are written and synced or travel: one on a local directory (the file
// system gains nothing from more), one connection each on object storage.
// At most 2 x writers packs wait or travel at once: submit() blocks until
// there is room (bounded memory).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "backend.hpp"
#include "store_index.hpp"

namespace chunker::store {

class PackWriter {
 public:
  // Called once per submitted pack when it is written (or failed), on any
  // thread; `pending` holds what must be synced before an index names it.
  using Done = std::function<void(Result<WrittenPack> pack, SyncSet& pending)>;
  PackWriter(Backend& b, Done done);
  PackWriter(const PackWriter&) = delete;
  PackWriter& operator=(const PackWriter&) = delete;
  ~PackWriter();

  void submit(PackBuilder&& pb);
  // An empty builder for the next pack: one whose written pack's memory it
  // kept (PackBuilder::recycle), when there is one.
  std::optional<PackBuilder> take_spare();
  // Returns once every submitted pack is done.
  void drain();

 private:
  void loop();
  void write_one(PackBuilder& pb);

  Backend& b_;
  Done done_;
  std::size_t max_waiting_ = 0;
  std::mutex mu_;
  std::condition_variable cv_work_, cv_room_;
  std::deque<PackBuilder> queue_;
  std::vector<PackBuilder> spares_;  // written, empty, memory kept; at most max_waiting_ + 1
  std::size_t busy_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace chunker::store
