#include "storage/database.h"

#include "storage/retryable_sync_fs.h"
#include "storage/rocks_logger.h"

#include <filesystem>
#include <vector>

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <spdlog/spdlog.h>

namespace kl::storage {

std::string EncodeBE64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

uint64_t DecodeBE64(const rocksdb::Slice& s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace() || s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain())
    return Status(Code::kUnavailable, std::string(what) + ": " + s.ToString());
  return Status(Code::kInternal, std::string(what) + ": " + s.ToString());
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir, const std::vector<std::string>& extra_cfs,
                                                 std::shared_ptr<rocksdb::FileSystem> file_system) {
  // Made here rather than by create_if_missing, which reports the missing directory as an error.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto db = std::unique_ptr<Database>(new Database());
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Refuse silently-bad data: verify checksums everywhere, refuse a corrupted WAL except for a
  // torn last record (what a crash mid-write leaves; that write was never acknowledged).
  options.paranoid_checks = true;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.enable_pipelined_write = true;
  // Write stalls (docs/performance.md, "Write stalls"): RocksDB stops every write while a
  // column family has max_write_buffer_number memtables full and waiting for a flush. With the
  // default two, one slow flush (a slow fsync) stopped all writes for 16 s. Flushes wait on the
  // disk, not the CPU, so they get threads of their own beyond the cores: two flushes and two
  // compactions at once on this 2-core machine.
  options.IncreaseParallelism(2);
  options.max_background_jobs = 4;
  options.env->SetBackgroundThreads(2, rocksdb::Env::Priority::HIGH);
  // Every column family's memtables together stay under this: past it RocksDB flushes the
  // largest one (no stall), which bounds memory with a dozen column families of 64 MB buffers.
  options.db_write_buffer_size = 256 << 20;
  // Bounds the WAL kept for recovery. By default it may reach 4x the memtables of every column
  // family (gigabytes here): a column family written rarely (checkpoints, org heads) pins every
  // WAL file since its last flush, and opening the database replays them all. At 1M keys that
  // made `serve` take 12 s to be ready; with this bound RocksDB flushes whatever pins old WAL.
  options.max_total_wal_size = 128 << 20;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.info_log = std::make_shared<RocksLogger>(options.info_log_level);
  // Tickers only (no histograms, no timers): what the stall count needs, at the least cost.
  db->statistics_ = rocksdb::CreateDBStatistics();
  db->statistics_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  options.statistics = db->statistics_;

  // A failed fsync must not latch the database read-only until a restart (docs/reliability.md).
  if (!file_system) file_system = rocksdb::FileSystem::Default();
  db->env_ = rocksdb::NewCompositeEnv(std::make_shared<RetryableSyncFileSystem>(file_system));
  options.env = db->env_.get();
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  db->cf_options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db->cf_options_.paranoid_file_checks = true;
  // Room for four memtables waiting for a flush before writes stop (see above); L0 slows writes
  // at 20 files and stops them at 36 (RocksDB's defaults, kept: a compaction keeps up here).
  db->cf_options_.max_write_buffer_number = 6;
  // LZ4 rather than the default Snappy: files of the same size here, and reading the log decoded
  // half again as fast (replay). Files written before keep their compression; both are read. A
  // RocksDB built without LZ4 would refuse to open: it keeps its default then.
  for (rocksdb::CompressionType c : rocksdb::GetSupportedCompressions())
    if (c == rocksdb::kLZ4Compression) db->cf_options_.compression = c;

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kLogCf, kStreamsCf, kOrgHeadsCf, kMetaCf, kCursorsCf, kTreeCf};
  names.insert(names.end(), extra_cfs.begin(), extra_cfs.end());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, db->cf_options_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DBOptions dbo(options);
  rocksdb::Status s = rocksdb::DB::Open(dbo, dir, descs, &handles, &db->db_);
  if (!s.ok()) {
    // An unknown column family (written by a newer version) is also a refusal, not a guess.
    return Status(Code::kInternal, "cannot open the data directory " + dir + ": " + s.ToString());
  }
  for (size_t i = 0; i < names.size(); ++i) db->cfs_[names[i]] = handles[i];
  return db;
}

rocksdb::ColumnFamilyHandle* Database::cf(const std::string& name) const {
  auto it = cfs_.find(name);
  return it == cfs_.end() ? nullptr : it->second;
}

Status Database::ResetColumnFamilies(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    auto it = cfs_.find(n);
    if (it == cfs_.end()) return Status(Code::kInternal, "unknown column family " + n);
    if (auto s = db_->DropColumnFamily(it->second); !s.ok()) return FromRocks(s, "drop column family");
    db_->DestroyColumnFamilyHandle(it->second);
    rocksdb::ColumnFamilyHandle* h = nullptr;
    if (auto s = db_->CreateColumnFamily(cf_options_, n, &h); !s.ok()) return FromRocks(s, "create column family");
    it->second = h;
  }
  return Status::Ok();
}

Status Database::Close() {
  if (!db_) return Status::Ok();
  // A clean stop leaves nothing for the next open to replay from the WAL. (RocksDB flushes at
  // close only when the WAL is off.) Failure here loses nothing: the WAL still holds it all.
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (auto& [name, h] : cfs_) all.push_back(h);
  if (rocksdb::Status f = db_->Flush(rocksdb::FlushOptions(), all); !f.ok())
    spdlog::warn("flush before close failed, the next start replays the WAL: {}", f.ToString());
  for (auto& [name, h] : cfs_) db_->DestroyColumnFamilyHandle(h);
  cfs_.clear();
  rocksdb::Status s = db_->Close();
  delete db_;
  db_ = nullptr;
  return FromRocks(s, "close");
}

Database::~Database() {
  // A destructor cannot report: a caller that cares closes first and reads the Status.
  if (Status s = Close(); !s.ok()) spdlog::warn("closing the database failed: {}", s.message());
}

double Database::WriteStallSeconds() const {
  return static_cast<double>(statistics_->getTickerCount(rocksdb::STALL_MICROS)) / 1e6;
}

}  // namespace kl::storage
