// The hook through which projections are written in the same WriteBatch as the events they
// fold, so a checkpoint can never run ahead of, or behind, the data it describes.
#pragma once
#include <rocksdb/utilities/write_batch_with_index.h>

#include "domain/event.h"
#include "domain/status.h"

namespace kl::storage {

class BatchFolder {
 public:
  virtual ~BatchFolder() = default;
  // Folds one sealed event into `batch` (reads must see earlier writes of the same batch:
  // use GetFromBatchAndDB). Also records the folder's checkpoint (event.seq) in the batch.
  virtual Status Fold(const Event& event, rocksdb::WriteBatchWithIndex& batch) = 0;
  // Runs after the batch committed: the place to update in-memory caches.
  virtual void Committed(const std::vector<const Event*>& events) {}
};

}  // namespace kl::storage
