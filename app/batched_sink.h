// The access log's sink. Every answered request writes a line: written one by one (an async
// logger's queue, a wake-up of its thread and a write(2) per line) they cost durable creates a
// tenth of their throughput. Here a request's thread formats its line into a buffer, and a
// background thread writes the buffer to stderr every `interval`, whole lines at a time.
//
// A request's thread never waits for stderr: past `max_buffered` bytes (a consumer that stopped
// reading), lines are dropped and counted, and the drop is reported once it is written again.
// Lines stderr will not take (closed, or non-blocking and full for a second) are dropped and
// counted too. A crash loses at most the last interval's lines; the destructor writes the rest
// (StopLogging releases the last references to the access logger, and so to this sink).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/sinks/base_sink.h>

namespace kl::app {

class BatchedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BatchedStderrSink(std::chrono::milliseconds interval = std::chrono::milliseconds(100),
                             size_t max_buffered = size_t{4} << 20);
  ~BatchedStderrSink() override;  // writes what is left
  BatchedStderrSink(const BatchedStderrSink&) = delete;
  BatchedStderrSink& operator=(const BatchedStderrSink&) = delete;

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;  // asks the sink's thread to write now (an explicit flush)

 private:
  void Loop();
  // Takes the buffered lines (and a note of any dropped since the last take); mutex_ held.
  std::string TakeLocked();
  // Writes whole; returns how many lines could not be written.
  static size_t WriteLines(const std::string& lines);
  void CountLost(size_t lines);

  const std::chrono::milliseconds interval_;
  const size_t max_buffered_;
  std::string buffer_;                 // guarded by base_sink's mutex_
  uint64_t dropped_unreported_ = 0;    // guarded by mutex_
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> flush_requested_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace kl::app
