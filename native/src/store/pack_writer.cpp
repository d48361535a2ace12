#include "pack_writer.hpp"

namespace chunker::store {

PackWriter::PackWriter(Backend& b, Done done) : b_(b), done_(std::move(done)) {
  // Locally one writer: its copy into the page cache and its fdatasync wait
  // overlap the chunking and compression of the next pack.
  const unsigned n = b_.local() ? 1 : b_.io_parallelism();
  max_waiting_ = n;
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { loop(); });
}

PackWriter::~PackWriter() {
  drain();
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : threads_) t.join();
}

std::optional<PackBuilder> PackWriter::take_spare() {
  std::lock_guard g(mu_);
  if (spares_.empty()) return std::nullopt;
  PackBuilder pb = std::move(spares_.back());
  spares_.pop_back();
  return pb;
}

// Called without mu_: writes pb, reports it, keeps its memory as a spare.
void PackWriter::write_one(PackBuilder& pb) {
  SyncSet pending;
  auto w = write_pack(b_, pb, pending);
  done_(std::move(w), pending);
  std::lock_guard g(mu_);
  if (spares_.size() <= max_waiting_) spares_.push_back(std::move(pb));
}

void PackWriter::submit(PackBuilder&& pb) {
  if (threads_.empty()) {
    write_one(pb);
    return;
  }
  std::unique_lock l(mu_);
  cv_room_.wait(l, [&] { return queue_.size() < max_waiting_; });
  queue_.push_back(std::move(pb));
  l.unlock();
  cv_work_.notify_one();
}

void PackWriter::drain() {
  std::unique_lock l(mu_);
  cv_room_.wait(l, [&] { return queue_.empty() && busy_ == 0; });
}

void PackWriter::loop() {
  std::unique_lock l(mu_);
  for (;;) {
    cv_work_.wait(l, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and nothing left
    PackBuilder pb = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    l.unlock();
    cv_room_.notify_all();
    write_one(pb);
    l.lock();
    --busy_;
    cv_room_.notify_all();
  }
}

}  // namespace chunker::store
