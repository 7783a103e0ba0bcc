// Fills empty column families in one go (replay's rebuild of the projections): the entries are
// sorted in memory, written as one SST file per column family, and ingested together. Through
// the memtables the same data cost a skiplist insert per entry, a flush that compressed it
// again, and write stalls behind that flush: a third of a replay.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "domain/status.h"
#include "storage/database.h"

namespace kl::storage {

class BulkLoad {
 public:
  explicit BulkLoad(Database* db) : db_(db) {}
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

  using Entries = std::vector<std::pair<std::string, std::string>>;  // key, value

  // In any order; a later Put of the same key in the same column family wins (as in a batch).
  void Put(rocksdb::ColumnFamilyHandle* cf, const rocksdb::Slice& key, const rocksdb::Slice& value);
  // Entries made elsewhere (on other threads, say), as if each was Put, in order, after what was
  // Put so far.
  void PutAll(rocksdb::ColumnFamilyHandle* cf, Entries&& entries);

  // Writes and ingests everything put so far (atomically across column families: after a crash
  // either all of it is there or none). Every column family loaded must be empty. The files are
  // made in a scratch directory inside the database's own, so ingestion moves them, not copies.
  Status Finish();

 private:
  Database* db_;
  std::map<rocksdb::ColumnFamilyHandle*, Entries> by_cf_;
};

}  // namespace kl::storage
