// The hook through which projections are written in the same WriteBatch as the events they
// fold, so a checkpoint can never run ahead of, or behind, the data it describes.
#pragma once
#include <rocksdb/utilities/write_batch_with_index.h>

#include "domain/event.h"
#include "domain/status.h"

namespace kl::storage {

// The batch behind `batch`'s index, for writes no fold of the same group reads back (the log, the
// stream index, secondary indexes). Indexing a write is a skiplist insert, about a tenth of the
// writer's time on creates; the index records absolute offsets, so writes it skips leave the
// others' entries right, and a rollback to a save point re-indexes the whole batch.
inline rocksdb::WriteBatch& Unindexed(rocksdb::WriteBatchBase& batch) { return *batch.GetWriteBatch(); }

class BatchFolder {
 public:
  virtual ~BatchFolder() = default;
  // Folds one sealed event into `batch` (reads must see earlier writes of the same batch:
  // use GetFromBatchAndDB).
  virtual Status Fold(const Event& event, rocksdb::WriteBatchWithIndex& batch) = 0;
  // Records the folder's checkpoint in `batch`, once per batch, after its last Fold: `seq` is
  // the last event the batch holds. (Once per event would put every group's checkpoint into
  // the memtable as many times as it has events.)
  virtual void RecordCheckpoint(uint64_t seq, rocksdb::WriteBatchWithIndex& batch) {}
  // Runs after the batch committed: the place to update in-memory caches.
  virtual void Committed(const std::vector<const Event*>& events) {}
};

}  // namespace kl::storage
