#include "storage/rocks_logger.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

namespace kl::storage {

void RocksLogger::Logv(const char* format, va_list ap) { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }

void RocksLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < GetInfoLogLevel()) return;
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, format, ap);
  auto spd = level >= rocksdb::InfoLogLevel::ERROR_LEVEL  ? spdlog::level::err
             : level == rocksdb::InfoLogLevel::WARN_LEVEL ? spdlog::level::warn
             : level == rocksdb::InfoLogLevel::INFO_LEVEL ? spdlog::level::info
                                                          : spdlog::level::debug;
  // RocksDB 7.8 records no unique ID in its manifest for ingested files (replay loads the
  // projections that way, storage/bulk_load.h) and warns on every open; other files are still
  // checked. Not worth an operator's attention.
  if (spd == spdlog::level::warn && std::strstr(buf, "opened without unique ID to verify")) spd = spdlog::level::debug;
  spdlog::log(spd, "rocksdb: {}", buf);
}

}  // namespace kl::storage
