// BatchedStderrSink (app/batched_sink.h): lines reach stderr whole and in order, in batches; past
// the buffer's bound they are dropped, counted, and the drop is reported in the next batch.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "app/batched_sink.h"

using namespace std::chrono_literals;
using kl::app::BatchedStderrSink;

namespace {

// Points fd 2 at a temporary file for the test's span, then puts stderr back.
class CapturedStderr {
 public:
  CapturedStderr() {
    char tmpl[] = "/tmp/kl-stderr-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path_ = tmpl;
    ::fflush(stderr);
    saved_ = ::dup(2);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~CapturedStderr() {
    ::dup2(saved_, 2);
    ::close(saved_);
    std::filesystem::remove(path_);
  }
  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Waits until the captured text holds `needle`.
  bool WaitFor(const std::string& needle) const {
    auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up) {
      if (Text().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  std::string path_;
  int saved_ = -1;
};

std::shared_ptr<spdlog::logger> LoggerOn(std::shared_ptr<BatchedStderrSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("batched-test", sink);
  logger->set_pattern("%v");
  return logger;
}

}  // namespace

TEST_CASE("lines are written whole and in order by the sink's thread, and the rest on destruction") {
  CapturedStderr err;
  {
    auto sink = std::make_shared<BatchedStderrSink>(5ms);
    auto logger = LoggerOn(sink);
    for (int i = 0; i < 100; ++i) logger->info("line {}", i);
    REQUIRE(err.WaitFor("line 99\n"));
    logger->info("last line");
    logger.reset();
  }  // the destructor writes what is left
  std::string text = err.Text();
  CHECK(text.find("last line\n") != std::string::npos);
  size_t at = 0;
  for (int i = 0; i < 100; ++i) {
    size_t next = text.find("line " + std::to_string(i) + "\n", at);
    REQUIRE(next != std::string::npos);
    at = next;
  }
}

TEST_CASE("past the buffer's bound lines are dropped, counted and reported, never blocking the caller") {
  CapturedStderr err;
  auto sink = std::make_shared<BatchedStderrSink>(std::chrono::hours(1), 64);  // writes only when asked
  auto logger = LoggerOn(sink);
  for (int i = 0; i < 10; ++i) logger->info("a line of 22 bytes: {}", i);  // with its digit and newline
  CHECK(sink->dropped() == 8);  // two lines fit in 64 bytes
  logger->flush();
  REQUIRE(err.WaitFor("access log: 8 lines dropped, stderr was not keeping up\n"));
  CHECK(err.Text().find("a line of 22 bytes: 1\n") != std::string::npos);
  CHECK(err.Text().find("a line of 22 bytes: 2\n") == std::string::npos);
}
