#include "storage/retryable_sync_fs.h"

namespace kl::storage {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

IOStatus RetryableSyncError(IOStatus s) {
  if (s.IsIOError() && !s.IsNoSpace() && !s.GetDataLoss()) s.SetRetryable(true);
  return s;
}

namespace {

class RetryableSyncFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override { return RetryableSyncError(target()->Sync(o, dbg)); }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override { return RetryableSyncError(target()->Fsync(o, dbg)); }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& o, IODebugContext* dbg) override {
    return RetryableSyncError(target()->RangeSync(offset, nbytes, o, dbg));
  }
};

class RetryableSyncDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  using FSDirectoryWrapper::FSDirectoryWrapper;
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return RetryableSyncError(FSDirectoryWrapper::Fsync(o, dbg));
  }
  IOStatus FsyncWithDirOptions(const IOOptions& o, IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& dir_options) override {
    return RetryableSyncError(FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, dir_options));
  }
};

IOStatus WrapFile(IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
  if (s.ok()) *r = std::make_unique<RetryableSyncFile>(std::move(*r));
  return s;
}

}  // namespace

IOStatus RetryableSyncFileSystem::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                                  std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) {
  return WrapFile(target()->NewWritableFile(f, o, r, dbg), r);
}

IOStatus RetryableSyncFileSystem::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                                     std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                     IODebugContext* dbg) {
  return WrapFile(target()->ReopenWritableFile(f, o, r, dbg), r);
}

IOStatus RetryableSyncFileSystem::ReuseWritableFile(const std::string& f, const std::string& old,
                                                    const rocksdb::FileOptions& o,
                                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                    IODebugContext* dbg) {
  return WrapFile(target()->ReuseWritableFile(f, old, o, r, dbg), r);
}

IOStatus RetryableSyncFileSystem::NewDirectory(const std::string& name, const IOOptions& o,
                                               std::unique_ptr<rocksdb::FSDirectory>* r, IODebugContext* dbg) {
  IOStatus s = target()->NewDirectory(name, o, r, dbg);
  if (s.ok()) *r = std::make_unique<RetryableSyncDirectory>(std::move(*r));
  return s;
}

}  // namespace kl::storage
