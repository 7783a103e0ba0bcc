#include "storage/cosignature_store.h"

#include <memory>

namespace kl::storage {

namespace {
std::string SizePrefix(uint64_t size) { return "c" + EncodeBE64(size); }
}  // namespace

CosignatureStore::CosignatureStore(Database* db) : db_(db), cf_(db->cf(kTreeCf)) {}

Status CosignatureStore::Put(uint64_t tree_size, const std::string& witness, const std::string& line) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->db()->Put(wo, cf_, SizePrefix(tree_size) + witness, line), "store a cosignature");
}

Result<std::map<std::string, std::string>> CosignatureStore::ForSize(uint64_t tree_size) const {
  std::map<std::string, std::string> out;
  std::string prefix = SizePrefix(tree_size);
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out.emplace(it->key().ToString().substr(prefix.size()), it->value().ToString());
  if (Status s = FromRocks(it->status(), "read cosignatures"); !s.ok()) return s;
  return out;
}

Result<std::optional<uint64_t>> CosignatureStore::LatestCosignedBy(const std::set<std::string>& witnesses,
                                                                   size_t count, uint64_t at_most) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_));
  std::optional<uint64_t> current;
  std::set<std::string> seen;
  // Newest size first; every size's witnesses are adjacent.
  for (it->SeekForPrev(SizePrefix(at_most) + "\xff"); it->Valid() && it->key().starts_with("c"); it->Prev()) {
    if (it->key().size() < 9) break;
    uint64_t size = DecodeBE64(rocksdb::Slice(it->key().data() + 1, 8));
    if (size != current) {
      current = size;
      seen.clear();
    }
    std::string name = it->key().ToString().substr(9);
    if (witnesses.count(name)) seen.insert(name);
    if (seen.size() >= count) return std::optional<uint64_t>(size);
  }
  if (Status s = FromRocks(it->status(), "read cosignatures"); !s.ok()) return s;
  return std::optional<uint64_t>{};
}

}  // namespace kl::storage
