// Where the Merkle tree over the embedded log lives (column family `tree`, docs/audit.md,
// "Transparency log"): the hash of every perfect subtree, keyed by level and index, so a proof
// reads O(log n) of them, and the size of the tree they describe. The writer keeps the compact
// range in memory and adds the nodes each event completes to the batch that holds the event.
#pragma once
#include <cstdint>
#include <string>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "domain/status.h"
#include "storage/merkle.h"

namespace kl::storage {

// level (1 byte) || BE64(index): 9 bytes, unlike the size key.
std::string TreeNodeKey(merkle::NodeId id);
inline constexpr std::string_view kTreeSizeKey = "size";

void PutTreeNode(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf, merkle::NodeId id, const Hash32& hash);
void PutTreeSize(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf, uint64_t size);

Result<Hash32> ReadTreeNode(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, merkle::NodeId id);
// 0 when the tree has never been written.
Result<uint64_t> ReadTreeSize(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);
// The compact range of the stored tree of `size` leaves: O(log n) point reads.
Result<merkle::CompactRange> LoadCompactRange(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, uint64_t size);

}  // namespace kl::storage
