// Online backups: a RocksDB checkpoint of the live database (SST files hard-linked, the WAL
// copied, so every acknowledged event is in it) plus copies of named files, in a new directory.
// The running service is not paused; a backup is a consistent point of the log.
#pragma once
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "domain/status.h"

namespace kl::storage {

struct BackupInfo {
  std::string id;
  std::string path;  // the backup's directory: db/ plus the copied files
};

class Backups {
 public:
  // Backups go under `root` (created when needed); each also gets a copy of `files` (paths
  // copied by file name, each skipped if it does not exist).
  Backups(rocksdb::DB* db, std::string root, std::vector<std::string> files);

  // Writes the backup `id` (a new directory name). Blocks on disk: never on a reactor thread.
  Result<BackupInfo> Create(const std::string& id);

 private:
  rocksdb::DB* db_;
  std::string root_;
  std::vector<std::string> files_;
};

}  // namespace kl::storage
