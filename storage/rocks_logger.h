// RocksDB's own diagnostics, sent to spdlog instead of a LOG file in the data directory: a LOG
// file shares the data's disk, and RocksDB 7.8 aborts (a debug assertion Debian's build keeps)
// when it writes to its LOG again after a write to it failed — a full disk would crash the
// service instead of degrading it.
#pragma once
#include <rocksdb/env.h>

namespace kl::storage {

class RocksLogger final : public rocksdb::Logger {
 public:
  explicit RocksLogger(rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;
};

}  // namespace kl::storage
