// The last event a cluster node folded, by seq and hash, kept in the node's RocksDB in the same
// batch as the fold. With it the node can tell that the shared log still holds what it folded:
// a log that went back (a failover to a standby that had not received the last commits, or a
// primary whose events were folded before it lost them) is noticed instead of being built upon
// (docs/cluster.md, "A log that went back").
#pragma once
#include <optional>
#include <string>

#include "domain/event.h"
#include "storage/database.h"
#include "storage/event_log.h"

namespace kl::app {

struct FoldedPoint {
  uint64_t seq = 0;
  Hash32 hash{};
};

// Nothing when no fold recorded one (a node that has folded nothing, or a data directory from
// before the point was kept).
std::optional<FoldedPoint> LoadFoldedPoint(const storage::Database& db);
void RecordFoldedPoint(const FoldedPoint& point, const storage::Database& db, rocksdb::WriteBatchBase& batch);

// Nothing when `at_seq` (the event the log holds at point.seq, or null when it holds none) is the
// event folded; otherwise what differs, for the operator.
std::optional<std::string> FoldedPointMismatch(const FoldedPoint& point, const Event* at_seq);

// Reads the log at point.seq and compares. kUnavailable when the log cannot be read.
Result<std::optional<std::string>> CheckFoldedPoint(const storage::EventLog& log, const FoldedPoint& point);

}  // namespace kl::app
