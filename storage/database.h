// The RocksDB instance: options (paranoid checks, a WAL recovery mode that refuses corruption
// but accepts a torn tail) and the column families every layer above asks for by name.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/statistics.h>

#include "domain/status.h"

namespace kl::storage {

// Column families owned by storage itself.
inline constexpr const char* kLogCf = "log";          // BE64(seq) -> Cap'n Proto event
inline constexpr const char* kStreamsCf = "streams";  // stream '\0' BE64(version) -> BE64(seq)
inline constexpr const char* kOrgHeadsCf = "org_heads";  // org_id -> last org_hash (32 bytes)
inline constexpr const char* kMetaCf = "meta";        // small named values (checkpoints)
// Positions of the log's outbound consumers (webhook deliveries): not a projection, so replay
// keeps them and a rebuilt read model does not resend history.
inline constexpr const char* kCursorsCf = "cursors";
// The Merkle tree over the log (storage/tree_store.h): every node's hash, and the tree's size.
inline constexpr const char* kTreeCf = "tree";

class Database {
 public:
  // Opens (creating if missing) the database in `dir` with storage's column families plus
  // `extra_cfs` (the projections'). Corruption is reported, never repaired. `file_system` is
  // the one RocksDB writes through (null: the real one; tests pass one that injects faults);
  // either way a failed sync is reported to RocksDB as retryable (see retryable_sync_fs.h).
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const std::vector<std::string>& extra_cfs,
                                                std::shared_ptr<rocksdb::FileSystem> file_system = nullptr);
  ~Database();

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const;
  // Drops and re-creates column families (used by replay to rebuild projections).
  Status ResetColumnFamilies(const std::vector<std::string>& names);
  Status Close();
  // Seconds writers have waited for RocksDB's write stalls (writes stopped or delayed while
  // memtables or L0 files wait for a flush or compaction) since the database opened: RocksDB's
  // STALL_MICROS ticker.
  double WriteStallSeconds() const;

 private:
  Database() = default;
  std::unique_ptr<rocksdb::Env> env_;  // outlives db_ (members go after ~Database's Close)
  rocksdb::DB* db_ = nullptr;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;
  rocksdb::ColumnFamilyOptions cf_options_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
};

// Big-endian 8-byte keys keep RocksDB's bytewise order equal to numeric order.
std::string EncodeBE64(uint64_t v);
uint64_t DecodeBE64(const rocksdb::Slice& s);

Status FromRocks(const rocksdb::Status& s, const char* what);

}  // namespace kl::storage
