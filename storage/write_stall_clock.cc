#include "storage/write_stall_clock.h"

#include <spdlog/spdlog.h>

namespace kl::storage {

namespace {
const char* NameOf(rocksdb::WriteStallCondition c) {
  switch (c) {
    case rocksdb::WriteStallCondition::kNormal: return "normal";
    case rocksdb::WriteStallCondition::kDelayed: return "delayed";
    case rocksdb::WriteStallCondition::kStopped: return "stopped";
  }
  return "unknown";
}
}  // namespace

void WriteStallClock::OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  bool was_stalled = !stalled_.empty();
  if (info.condition.cur == rocksdb::WriteStallCondition::kNormal) stalled_.erase(info.cf_name);
  else stalled_.insert(info.cf_name);
  if (!was_stalled && !stalled_.empty()) since_ = now;
  if (was_stalled && stalled_.empty()) total_ += now - since_;
  // Warned: a stop holds every write; a delay slows them. RocksDB's own log line says why.
  auto level = info.condition.cur == rocksdb::WriteStallCondition::kStopped ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "database writes {} (column family {}, was {})", NameOf(info.condition.cur), info.cf_name,
              NameOf(info.condition.prev));
}

double WriteStallClock::Seconds() const {
  std::lock_guard lock(mu_);
  auto total = total_;
  if (!stalled_.empty()) total += std::chrono::steady_clock::now() - since_;
  return std::chrono::duration<double>(total).count();
}

}  // namespace kl::storage
