// A RocksDB FileSystem that reports a failed sync (fsync, fdatasync, sync_file_range, a
// directory fsync) as a *retryable* I/O error. RocksDB 7.8 with paranoid_checks treats a plain
// I/O error from a WAL write as fatal: DB::Resume() refuses for good and only a restart brings
// writes back. Marked retryable, the same failure is a hard error that RocksDB recovers from by
// itself (it flushes the memtables to new files and starts a new WAL, so the file whose sync
// failed is never trusted again), and RocksLog's Resume() loop sees writes come back.
// A full disk is left as it is: RocksDB already recovers from it (when space returns).
#pragma once
#include <memory>

#include <rocksdb/file_system.h>

namespace kl::storage {

class RetryableSyncFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit RetryableSyncFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : rocksdb::FileSystemWrapper(target) {}
  const char* Name() const override { return "RetryableSyncFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r, rocksdb::IODebugContext* dbg) override;
};

// `s` marked retryable when it is a sync failure worth retrying (an I/O error other than no
// space); anything else unchanged. Exposed for the unit tests.
rocksdb::IOStatus RetryableSyncError(rocksdb::IOStatus s);

}  // namespace kl::storage
