#include "storage/bulk_load.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <future>
#include <iterator>

#include <rocksdb/sst_file_writer.h>

namespace kl::storage {

void BulkLoad::Put(rocksdb::ColumnFamilyHandle* cf, const rocksdb::Slice& key, const rocksdb::Slice& value) {
  by_cf_[cf].emplace_back(key.ToString(), value.ToString());
}

void BulkLoad::PutAll(rocksdb::ColumnFamilyHandle* cf, Entries&& entries) {
  Entries& to = by_cf_[cf];
  if (to.empty()) {
    to = std::move(entries);
  } else {
    to.insert(to.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
  }
}

namespace {

// The order WriteSorted writes `entries` in: by key, equal keys in Put order. Sorting the pairs
// themselves compared heap-held keys at random (a cache miss or two per comparison) and moved
// 64-byte pairs: a quarter second for 200k secret hashes. Here each entry is sorted as its index
// and 8 bytes of its key, taken past the prefix every key shares (a key id's "key_" and time),
// so almost every comparison is decided by those 8 bytes alone.
std::vector<uint32_t> SortedOrder(const BulkLoad::Entries& entries) {
  size_t shared = entries.empty() ? 0 : entries[0].first.size();
  for (const auto& [key, value] : entries) {
    size_t n = std::min(shared, key.size());
    shared = std::mismatch(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(n), entries[0].first.begin()).first -
             key.begin();
  }
  struct Item {
    uint64_t head;  // big-endian: compares as the bytes do; a shorter key pads with zeros
    uint32_t index;
  };
  std::vector<Item> items(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& key = entries[i].first;
    uint64_t head = 0;
    for (size_t b = 0; b < 8; ++b)
      head = head << 8 | (shared + b < key.size() ? static_cast<uint8_t>(key[shared + b]) : 0);
    items[i] = Item{head, static_cast<uint32_t>(i)};
  }
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    if (a.head != b.head) return a.head < b.head;
    // The same 8 bytes (or a zero byte against the end of a key): the whole keys decide.
    if (int c = entries[a.index].first.compare(entries[b.index].first); c != 0) return c < 0;
    return a.index < b.index;
  });
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

// Writes `entries` to `path` sorted by key, keeping only the last Put of each key.
Status WriteSorted(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const BulkLoad::Entries& entries,
                   const std::string& path) {
  std::vector<uint32_t> order = SortedOrder(entries);
  rocksdb::Options options(db->GetDBOptions(), db->GetOptions(cf));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, cf);
  if (auto s = writer.Open(path); !s.ok()) return FromRocks(s, "open a bulk-load file");
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [key, value] = entries[order[i]];
    if (i + 1 < order.size() && entries[order[i + 1]].first == key) continue;
    if (auto s = writer.Put(key, value); !s.ok()) return FromRocks(s, "write a bulk-load file");
  }
  if (auto s = writer.Finish(); !s.ok()) return FromRocks(s, "finish a bulk-load file");
  return Status::Ok();
}

}  // namespace

Status BulkLoad::Finish() {
  std::erase_if(by_cf_, [](const auto& kv) { return kv.second.empty(); });
  if (by_cf_.empty()) return Status::Ok();
  namespace fs = std::filesystem;
  fs::path dir = fs::path(db_->db()->GetName()) / "bulk-load";
  std::error_code ec;
  fs::remove_all(dir, ec);  // left by a crashed run: never ingested
  if (!fs::create_directories(dir, ec) && ec) return Status(Code::kInternal, "cannot create " + dir.string());

  // One file per column family, written side by side (sorting and compressing are CPU work, and
  // a replay's reader has finished by now).
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<std::future<Status>> written;
  for (auto& [cf, entries] : by_cf_) {
    std::string path = (dir / (cf->GetName() + ".sst")).string();
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = cf;
    arg.external_files = {path};
    arg.options.move_files = true;
    args.push_back(std::move(arg));
    written.push_back(std::async(std::launch::async, [this, cf = cf, &entries = entries, path] {
      return WriteSorted(db_->db(), cf, entries, path);
    }));
  }
  Status status;
  for (auto& w : written) {
    Status s = w.get();
    if (status.ok() && !s.ok()) status = s;
  }
  if (status.ok()) {
    if (auto s = db_->db()->IngestExternalFiles(args); !s.ok()) status = FromRocks(s, "ingest the bulk-load files");
  }
  by_cf_.clear();
  fs::remove_all(dir, ec);
  return status;
}

}  // namespace kl::storage
