// Reads the whole log for Projector::Rebuild, ahead of the fold and on several threads. Reading
// and decoding the log costs more than folding it, so one reader kept the fold waiting: each
// reader takes every Nth fixed range of sequence numbers (a "chunk"), and Next hands the chunks
// out in log order. At most kAhead chunks are in memory.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "storage/event_log.h"

namespace kl::projections {

class ChunkPipeline {
 public:
  // Reads the events with seq in (0, head_seq], `chunk_size` seqs per chunk, on `readers` threads.
  ChunkPipeline(const storage::EventLog& log, uint64_t head_seq, size_t chunk_size, size_t readers);
  ~ChunkPipeline();
  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;

  // The next non-empty chunk in log order; an empty one at the end of the log.
  Result<std::vector<Event>> Next();
  // Hands a folded chunk back for a reader to refill. A chunk's buffer is megabytes: a fresh one
  // per chunk came from new pages each time, and faulting them in was a fifth of the reading.
  // The reader decodes the next events into the old ones (reusing their strings' storage).
  void Recycle(std::vector<Event>&& chunk);

 private:
  static constexpr size_t kAhead = 6;
  void Produce(size_t first_chunk);

  const storage::EventLog& log_;
  const size_t chunk_size_;
  const size_t chunks_;
  const size_t readers_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<size_t, Result<std::vector<Event>>> ready_;  // by chunk number
  size_t next_ = 0;                                     // the chunk Next hands out next
  std::vector<std::vector<Event>> spare_;               // folded chunks, for reuse
  bool abandoned_ = false;
  std::vector<std::thread> threads_;  // last: they start once the members above exist
};

}  // namespace kl::projections
