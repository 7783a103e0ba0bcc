// RocksLogger (storage/rocks_logger.h): RocksDB's diagnostics go to spdlog at the matching
// level, below the logger's own level not at all, and the known harmless warning is demoted.
#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "storage/rocks_logger.h"

using kl::storage::RocksLogger;

namespace {

// Keeps what it is given, for the test to read.
class KeptLines final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::pair<spdlog::level::level_enum, std::string>> lines;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines.emplace_back(msg.level, std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}
};

// Routes the default logger into a KeptLines for the test's span.
struct DefaultLoggerCapture {
  std::shared_ptr<spdlog::logger> saved = spdlog::default_logger();
  std::shared_ptr<KeptLines> sink = std::make_shared<KeptLines>();
  DefaultLoggerCapture() {
    auto logger = std::make_shared<spdlog::logger>("rocks-logger-test", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~DefaultLoggerCapture() { spdlog::set_default_logger(saved); }
};

void Log(RocksLogger& logger, rocksdb::InfoLogLevel level, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  logger.Logv(level, format, ap);
  va_end(ap);
}

}  // namespace

TEST_CASE("RocksDB's levels map onto spdlog's, formatted, and below the threshold nothing is logged") {
  DefaultLoggerCapture capture;
  RocksLogger logger(rocksdb::InfoLogLevel::INFO_LEVEL);
  Log(logger, rocksdb::InfoLogLevel::DEBUG_LEVEL, "hidden %d", 1);
  Log(logger, rocksdb::InfoLogLevel::INFO_LEVEL, "flushed %d files", 3);
  Log(logger, rocksdb::InfoLogLevel::WARN_LEVEL, "stall %s", "ahead");
  Log(logger, rocksdb::InfoLogLevel::ERROR_LEVEL, "bad %s", "block");
  Log(logger, rocksdb::InfoLogLevel::FATAL_LEVEL, "worse");
  auto& lines = capture.sink->lines;
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == std::make_pair(spdlog::level::info, std::string("rocksdb: flushed 3 files")));
  CHECK(lines[1] == std::make_pair(spdlog::level::warn, std::string("rocksdb: stall ahead")));
  CHECK(lines[2] == std::make_pair(spdlog::level::err, std::string("rocksdb: bad block")));
  CHECK(lines[3].first == spdlog::level::err);
}

TEST_CASE("the warning about ingested files without a unique id is only a debug line") {
  DefaultLoggerCapture capture;
  RocksLogger logger(rocksdb::InfoLogLevel::DEBUG_LEVEL);
  Log(logger, rocksdb::InfoLogLevel::WARN_LEVEL, "file %s opened without unique ID to verify", "000012.sst");
  REQUIRE(capture.sink->lines.size() == 1);
  CHECK(capture.sink->lines[0].first == spdlog::level::debug);
}
