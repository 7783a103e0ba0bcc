// Witness cosignatures of the log's checkpoints (docs/audit.md, "Witnesses"), kept beside the
// tree in its column family: 'c' || BE64(tree size) || witness name -> the signature line. Not
// ledger events: a cosignature says something about the log, and is verified on its own.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "domain/status.h"
#include "storage/database.h"

namespace kl::storage {

class CosignatureStore {
 public:
  explicit CosignatureStore(Database* db);
  // Replaces any earlier line of the same witness for the same size (synced).
  Status Put(uint64_t tree_size, const std::string& witness, const std::string& line);
  // The lines for `tree_size`, by witness name.
  Result<std::map<std::string, std::string>> ForSize(uint64_t tree_size) const;
  // The largest size at most `at_most` cosigned by `count` or more of `witnesses` (nullopt: none).
  // Walks back from at_most over the sizes that have cosignatures.
  Result<std::optional<uint64_t>> LatestCosignedBy(const std::set<std::string>& witnesses, size_t count,
                                                   uint64_t at_most) const;

 private:
  Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

}  // namespace kl::storage
