// Positions in the log shared by every node of a cluster, for background work that moves between
// nodes with its lease (a webhook's delivery cursor, docs/cluster.md "Background work"). A
// position only ever moves forward. A single process has no use for it (its own store is the
// only one); a cluster keeps them in PostgreSQL (storage/pg_cursors.h).
#pragma once
#include <cstdint>
#include <string>

#include "domain/status.h"

namespace kl::storage {

class SharedCursors {
 public:
  virtual ~SharedCursors() = default;
  // The position stored under `name`; 0 when none. kUnavailable when it cannot be read now.
  virtual Result<uint64_t> Get(const std::string& name) = 0;
  // Stores `position` under `name` unless the stored one is already further.
  virtual Status Advance(const std::string& name, uint64_t position) = 0;
};

}  // namespace kl::storage
