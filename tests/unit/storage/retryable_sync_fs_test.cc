// A failed fsync while the disk has room (docs/reliability.md): the append is refused with kUnavailable
// and not acknowledged, and once syncs work again the log writes by itself, with no restart.
// The fault is injected beneath RocksDB by a FileSystem whose syncs fail on demand.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include <rocksdb/db.h>

#include "domain/command.h"
#include "storage/retryable_sync_fs.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"

using namespace kl;
using namespace kl::storage;

namespace {

// Every sync of a file or directory fails with a plain I/O error (what EIO from fdatasync
// becomes in RocksDB) while `failing` is set.
class FailingSyncFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FailingSyncFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FailingSyncFileSystem"; }
  std::atomic<bool> failing{false};

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), failing);
    return s;
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& f, const std::atomic<bool>& failing)
        : FSWritableFileOwnerWrapper(std::move(f)), failing_(failing) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      return failing_ ? rocksdb::IOStatus::IOError("injected fdatasync failure") : target()->Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      return failing_ ? rocksdb::IOStatus::IOError("injected fsync failure") : target()->Fsync(o, dbg);
    }

   private:
    const std::atomic<bool>& failing_;
  };
};

Event OrgCreatedEvent(const std::string& org) {
  CommandContext ctx{1700000000000, Actor{"admin", "admin"}, "req-1"};
  return NewEvent(ctx, org, std::nullopt, 1, OrgCreated{"Org " + org, "active"});
}

// Polls until `cond` holds or 30 s pass (RocksDB's recovery runs on its own thread).
template <typename Cond>
bool Eventually(Cond cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace

TEST_CASE("a sync failure is refused, not acknowledged, and the log writes again by itself", "[storage][faults]") {
  test::TempDir dir;
  auto fs = std::make_shared<FailingSyncFileSystem>();
  std::vector<std::string> acknowledged;
  {
    auto db = Database::Open(dir.path(), {}, fs);
    REQUIRE(db.ok());
    auto log = RocksLog::Open(db.value().get(), nullptr);
    REQUIRE(log.ok());
    REQUIRE(log.value()->AppendAndWait({OrgCreatedEvent("before")}, true).status.ok());

    fs->failing = true;
    auto refused = log.value()->AppendAndWait({OrgCreatedEvent("during")}, true);
    CHECK(refused.status.code() == Code::kUnavailable);
    CHECK(log.value()->HeadSeq() == 1);
    CHECK(log.value()->AppendAndWait({OrgCreatedEvent("during-again")}, true).status.code() == Code::kUnavailable);

    fs->failing = false;
    CHECK(Eventually([&] { return log.value()->AppendAndWait({OrgCreatedEvent("after")}, true).status.ok(); }));
    CHECK(log.value()->HeadSeq() == 2);
    log.value()->Stop();
  }
  // Reopened: the acknowledged events, in a gap-free log.
  auto db = Database::Open(dir.path(), {});
  REQUIRE(db.ok());
  auto log = RocksLog::Open(db.value().get(), nullptr);
  REQUIRE(log.ok());
  std::vector<Event> all;
  REQUIRE(log.value()->Read(0, 100, &all).ok());
  REQUIRE(all.size() == 2);
  CHECK(all[0].seq == 1);
  CHECK(all[1].seq == 2);
  CHECK(all[0].org_id == "before");
  CHECK(all[1].org_id == "after");
}

TEST_CASE("RetryableSyncError marks I/O errors retryable, but not a full disk", "[storage][faults]") {
  CHECK(RetryableSyncError(rocksdb::IOStatus::IOError("eio")).GetRetryable());
  CHECK_FALSE(RetryableSyncError(rocksdb::IOStatus::NoSpace("enospc")).GetRetryable());
  CHECK(RetryableSyncError(rocksdb::IOStatus::OK()).ok());
}

// Why the wrapper exists: RocksDB 7.8 on its own (paranoid_checks) treats a plain I/O error
// from a WAL sync as fatal, and DB::Resume() refuses until the database is reopened.
TEST_CASE("without the wrapper, RocksDB latches a failed WAL sync", "[storage][faults]") {
  test::TempDir dir;
  auto fs = std::make_shared<FailingSyncFileSystem>();
  auto env = rocksdb::NewCompositeEnv(fs);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.env = env.get();
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  REQUIRE(db->Put(sync, "a", "1").ok());
  fs->failing = true;
  CHECK_FALSE(db->Put(sync, "b", "2").ok());
  fs->failing = false;
  CHECK_FALSE(db->Resume().ok());
  CHECK_FALSE(db->Put(sync, "c", "3").ok());
  db->Close().PermitUncheckedError();
}
