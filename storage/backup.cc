#include "storage/backup.h"

#include <filesystem>
#include <memory>

#include <rocksdb/utilities/checkpoint.h>

#include "storage/database.h"

namespace kl::storage {

namespace fs = std::filesystem;

Backups::Backups(rocksdb::DB* db, std::string root, std::vector<std::string> files)
    : db_(db), root_(std::move(root)), files_(std::move(files)) {}

Result<BackupInfo> Backups::Create(const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..")
    return Status(Code::kValidation, "bad backup id");
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return Status(Code::kUnavailable, "cannot create the backup directory: " + ec.message());
  fs::path dir = fs::path(root_) / id;
  if (fs::exists(dir)) return Status(Code::kConflict, "a backup with this id exists");
  // The checkpoint writes to a temporary name and renames: a crash never leaves a half backup
  // under its final name.
  fs::path tmp = fs::path(root_) / ("." + id + ".tmp");
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Status(Code::kUnavailable, "cannot create the backup directory: " + ec.message());
  // It will hold the signing key: owner-only from the start.
  fs::permissions(tmp, fs::perms::owner_all, ec);
  rocksdb::Checkpoint* raw = nullptr;
  if (Status s = FromRocks(rocksdb::Checkpoint::Create(db_, &raw), "checkpoint"); !s.ok()) return s;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // UINT64_MAX: never flush first; the live WAL is copied, so unflushed writes are in the backup.
  Status made = FromRocks(checkpoint->CreateCheckpoint((tmp / "db").string(), UINT64_MAX), "checkpoint");
  if (!made.ok()) {
    fs::remove_all(tmp, ec);
    return made;
  }
  for (const auto& file : files_) {
    if (!fs::exists(file)) continue;
    fs::copy_file(file, tmp / fs::path(file).filename(), ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return Status(Code::kUnavailable, "cannot copy " + fs::path(file).filename().string() + " into the backup");
    }
    fs::permissions(tmp / fs::path(file).filename(), fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  fs::rename(tmp, dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    return Status(Code::kUnavailable, "cannot finish the backup: " + ec.message());
  }
  return BackupInfo{id, dir.string()};
}

}  // namespace kl::storage
