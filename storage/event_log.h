// The narrow interface every node's state is folded from: append with expected versions,
// read a range, wait for new events. The embedded RocksDB log (RocksLog) implements it, and the
// shared log of a cluster in PostgreSQL (PgLog, docs/cluster.md).
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "storage/merkle.h"

namespace kl::storage {

struct AppendResult {
  Status status;              // kConflict when a stream moved, kUnavailable when not durable
  std::vector<Event> events;  // sealed: seq, recorded_at and hashes set
};
struct LogHead {
  uint64_t seq = 0;  // 0: empty log
  Hash32 hash{};     // zero bytes for the empty log
  Millis recorded_at = 0;
};

// The Merkle tree over the log as of a seq (storage/merkle.h): it holds seq 1..size.
struct TreeHead {
  uint64_t size = 0;
  Hash32 root{};
};

// Counters for monitoring (/metrics, docs/operations.md, Monitoring).
inline constexpr size_t kBatchSizeBuckets = 12;  // 1, 2, 4, ... 1024, more
struct LogStats {
  uint64_t batches = 0;
  uint64_t batched_appends = 0;                      // appends over all batches
  std::array<uint64_t, kBatchSizeBuckets> batch_sizes{};  // batches of size in (2^(i-1), 2^i]; last: more
  std::vector<uint64_t> appended_by_type = std::vector<uint64_t>(std::variant_size_v<EventData>, 0);
  // Time the writer spent waiting for RocksDB to take a group (its write and fsync), and the
  // groups that waited past the slow-commit threshold.
  double commit_seconds = 0;
  uint64_t slow_commits = 0;
  double longest_commit_seconds = 0;
  // Appends refused because their request's deadline passed before they entered a group.
  uint64_t expired_appends = 0;
  // Time writers waited for RocksDB's write stalls (stopped or delayed: memtables or L0 files
  // waiting for flush/compaction); 0 for a log that is not RocksDB.
  double write_stall_seconds = 0;
};

using AppendCallback = std::function<void(AppendResult)>;

// A fencing token an append may carry: the append commits only while `token` is still the
// current token of lease `lease` (docs/cluster.md, "Background work"). The log knows nothing of
// what the lease is for; it only compares tokens, in the append's own transaction.
struct AppendFence {
  std::string lease;
  uint64_t token = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends `events` atomically. Each event's stream_version states the expectation: the first
  // event of a stream in the batch must be that stream's current version + 1. `durable` events
  // are fsync'd before `done` runs; `done` runs on the log's writer thread and must be quick.
  virtual void Append(std::vector<Event> events, bool durable, AppendCallback done) = 0;
  // Append, refused with kPreconditionFailed (nothing written) unless `fence` is still current
  // when the events commit. A log that no other process appends to (the embedded RocksLog) has
  // no leases and appends as Append does.
  virtual void AppendFenced(std::vector<Event> events, bool durable, AppendFence fence, AppendCallback done) {
    (void)fence;
    Append(std::move(events), durable, std::move(done));
  }
  // Blocking convenience over Append, for CLIs, tests and background workers (not handlers).
  AppendResult AppendAndWait(std::vector<Event> events, bool durable);

  // Events with seq > after_seq, oldest first, at most `limit`.
  virtual Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const = 0;
  // The same, but replacing out's contents, whose events a log may reuse (their strings' storage):
  // for a reader that recycles a buffer of events, such as a replay's.
  virtual Status ReadReplacing(uint64_t after_seq, size_t limit, std::vector<Event>* out) const {
    out->clear();
    return Read(after_seq, limit, out);
  }
  // Events of one stream with stream_version > after_version, oldest first.
  virtual Status ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                            std::vector<Event>* out) const = 0;
  virtual uint64_t HeadSeq() const = 0;
  virtual LogHead Head() const = 0;
  virtual LogStats Stats() const = 0;
  // Calls `ready(head)` once the head passes after_seq, or at the deadline (with the head then).
  // Never blocks the caller.
  virtual void NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                           std::function<void(uint64_t head)> ready) = 0;
  // The Merkle tree over the log (docs/audit.md, "Transparency log"). A log that keeps none
  // answers HasTree() false, and the others are not called.
  virtual bool HasTree() const { return false; }
  // The tree of the current head, taken together with it: size == HeadSeq() at that moment.
  virtual TreeHead Tree() const { return {}; }
  // The hash of a perfect subtree of the tree as of Tree().size or any earlier size.
  virtual Result<Hash32> TreeNode(merkle::NodeId id) const {
    (void)id;
    return Status(Code::kInternal, "this log keeps no Merkle tree");
  }
  // Answers every append already queued, then stops the log's threads (a log without any: nothing).
  virtual void Stop() {}
};

}  // namespace kl::storage
