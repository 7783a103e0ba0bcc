// How long RocksDB has held writes: from its stall notifications, the time during which at
// least one column family had writes stopped or delayed (memtables or L0 files waiting for a
// flush or a compaction). Exported as keyledger_write_stall_seconds_total; each stall's start
// and end is logged.
#pragma once
#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include <rocksdb/listener.h>

namespace kl::storage {

class WriteStallClock final : public rocksdb::EventListener {
 public:
  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override;
  // Seconds of stall so far, including one in progress.
  double Seconds() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> stalled_;  // column families whose writes are stopped or delayed now
  std::chrono::steady_clock::time_point since_{};  // when stalled_ last became non-empty
  std::chrono::steady_clock::duration total_{};
};

}  // namespace kl::storage
