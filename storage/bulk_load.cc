#include "storage/bulk_load.h"

#include <algorithm>
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

// Sorts `entries` by key, keeping only the last Put of each key, and writes them to `path`.
Status WriteSorted(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::vector<std::pair<std::string, std::string>>& entries,
                   const std::string& path) {
  // Stable, so equal keys stay in Put order; the last of each run is the one kept.
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  rocksdb::Options options(db->GetDBOptions(), db->GetOptions(cf));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, cf);
  if (auto s = writer.Open(path); !s.ok()) return FromRocks(s, "open a bulk-load file");
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
    if (auto s = writer.Put(entries[i].first, entries[i].second); !s.ok()) return FromRocks(s, "write a bulk-load file");
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
