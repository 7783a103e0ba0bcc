#include "projections/chunk_pipeline.h"

#include <pthread.h>

namespace kl::projections {

ChunkPipeline::ChunkPipeline(const storage::EventLog& log, uint64_t head_seq, size_t chunk_size, size_t readers)
    : log_(log),
      chunk_size_(chunk_size),
      chunks_(static_cast<size_t>((head_seq + chunk_size - 1) / chunk_size)),
      readers_(std::max<size_t>(1, readers)) {
  for (size_t t = 0; t < readers_; ++t) threads_.emplace_back([this, t] { Produce(t); });
}

ChunkPipeline::~ChunkPipeline() {
  {
    std::lock_guard lock(mu_);
    abandoned_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ChunkPipeline::Produce(size_t first_chunk) {
  pthread_setname_np(pthread_self(), "kl-replay-read");  // for top and perf
  for (size_t i = first_chunk; i < chunks_; i += readers_) {
    std::vector<Event> chunk;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return i < next_ + kAhead || abandoned_; });
      if (abandoned_) return;
      if (!spare_.empty()) {
        chunk = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    uint64_t after = static_cast<uint64_t>(i) * chunk_size_, last = after + chunk_size_;
    // Into the recycled chunk's events: their strings' storage is reused, where destroying them
    // and making new ones was an allocation and a free for most strings of most events.
    Status status = log_.ReadReplacing(after, chunk_size_, &chunk);
    // Sequence numbers have no gaps, but if they had, this chunk's read could run into the next
    // chunk's range: each event belongs to exactly one chunk.
    while (!chunk.empty() && chunk.back().seq > last) chunk.pop_back();
    std::lock_guard lock(mu_);
    if (status.ok()) {
      ready_.emplace(i, std::move(chunk));
    } else {
      ready_.emplace(i, status);
    }
    cv_.notify_all();
    if (!status.ok()) return;
  }
}

Result<std::vector<Event>> ChunkPipeline::Next() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (next_ >= chunks_) return std::vector<Event>{};
    cv_.wait(lock, [&] { return ready_.count(next_) > 0; });
    auto it = ready_.find(next_);
    Result<std::vector<Event>> chunk = std::move(it->second);
    ready_.erase(it);
    if (!chunk.ok()) {
      next_ = chunks_;  // nothing after a failed chunk is handed out
      cv_.notify_all();
      return chunk.status();
    }
    ++next_;
    cv_.notify_all();
    if (!chunk->empty()) return chunk;
  }
}

void ChunkPipeline::Recycle(std::vector<Event>&& chunk) {
  std::lock_guard lock(mu_);
  if (spare_.size() < kAhead) spare_.push_back(std::move(chunk));
}

}  // namespace kl::projections
