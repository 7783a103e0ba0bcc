// The handles of the key projections' column families (named in projector.h), looked up once by
// name: the projector writes through them and the read model reads through them.
#pragma once
#include <rocksdb/db.h>

#include "storage/database.h"

namespace kl::projections {

struct KeyColumnFamilies {
  explicit KeyColumnFamilies(const storage::Database* db);
  rocksdb::ColumnFamilyHandle* keys;
  rocksdb::ColumnFamilyHandle* by_hash;
  rocksdb::ColumnFamilyHandle* by_org;
  rocksdb::ColumnFamilyHandle* expiry;
  rocksdb::ColumnFamilyHandle* refill;
  rocksdb::ColumnFamilyHandle* idempotency;
  rocksdb::ColumnFamilyHandle* orgs;
  rocksdb::ColumnFamilyHandle* warn;
};

}  // namespace kl::projections
