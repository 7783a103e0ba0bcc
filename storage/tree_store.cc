#include "storage/tree_store.h"

#include "storage/database.h"

namespace kl::storage {

std::string TreeNodeKey(merkle::NodeId id) {
  std::string k(1, static_cast<char>(id.level));
  k += EncodeBE64(id.index);
  return k;
}

void PutTreeNode(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf, merkle::NodeId id, const Hash32& hash) {
  batch.Put(cf, TreeNodeKey(id), rocksdb::Slice(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

void PutTreeSize(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf, uint64_t size) {
  batch.Put(cf, rocksdb::Slice(kTreeSizeKey.data(), kTreeSizeKey.size()), EncodeBE64(size));
}

Result<Hash32> ReadTreeNode(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, merkle::NodeId id) {
  std::string v;
  rocksdb::Status got = db->Get(rocksdb::ReadOptions(), cf, TreeNodeKey(id), &v);
  if (got.IsNotFound())
    return Status(Code::kInternal, "the Merkle tree has no node at level " + std::to_string(id.level) + " index " +
                                       std::to_string(id.index));
  if (!got.ok()) return FromRocks(got, "read a Merkle tree node");
  if (v.size() != 32) return Status(Code::kInternal, "a Merkle tree node is not 32 bytes");
  Hash32 h;
  std::copy(v.begin(), v.end(), h.begin());
  return h;
}

Result<uint64_t> ReadTreeSize(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::string v;
  rocksdb::Status got =
      db->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(kTreeSizeKey.data(), kTreeSizeKey.size()), &v);
  if (got.IsNotFound()) return uint64_t{0};
  if (!got.ok()) return FromRocks(got, "read the Merkle tree's size");
  if (v.size() != 8) return Status(Code::kInternal, "the Merkle tree's size is not 8 bytes");
  return DecodeBE64(v);
}

Result<merkle::CompactRange> LoadCompactRange(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, uint64_t size) {
  merkle::CompactRange range;
  range.size = size;
  for (merkle::NodeId id : merkle::CompactRangeNodes(size)) {
    Result<Hash32> h = ReadTreeNode(db, cf, id);
    if (!h.ok()) return h.status();
    range.hashes.push_back(*h);
  }
  return range;
}

}  // namespace kl::storage
