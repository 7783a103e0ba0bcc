// The replay ceiling (docs/performance.md): a raw RocksDB iteration over the log column family of
// a keyledger data directory, touching every key and value and doing nothing else.
//   raw_iterate DATA_DIR   -> prints entries/s
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: raw_iterate DATA_DIR\n"), 2;
  std::string path = std::string(argv[1]) + "/db";
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok())
    return std::fprintf(stderr, "no database in %s\n", argv[1]), 1;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &handles, &raw).ok())
    return std::fprintf(stderr, "cannot open %s\n", path.c_str()), 1;
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* log = nullptr;
  for (auto* h : handles)
    if (h->GetName() == "log") log = h;
  if (!log) return std::fprintf(stderr, "no log column family\n"), 1;

  auto start = std::chrono::steady_clock::now();
  uint64_t n = 0, bytes = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    bytes += it->key().size() + it->value().size();
    ++n;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.0f\n", n / s);
  std::fprintf(stderr, "raw iteration: %llu entries, %llu bytes in %.3f s\n", static_cast<unsigned long long>(n),
               static_cast<unsigned long long>(bytes), s);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return 0;
}
