#include "storage/rocks_logger.h"

#include <cstdarg>
#include <cstdio>

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
  spdlog::log(spd, "rocksdb: {}", buf);
}

}  // namespace kl::storage
