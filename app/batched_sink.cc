#include "app/batched_sink.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <pthread.h>

namespace kl::app {

BatchedStderrSink::BatchedStderrSink(std::chrono::milliseconds interval, size_t max_buffered)
    : interval_(interval), max_buffered_(max_buffered) {
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kl-access-log");
    Loop();
  });
}

BatchedStderrSink::~BatchedStderrSink() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  writer_.join();
  std::string rest;
  {
    std::lock_guard lock(mutex_);
    rest = TakeLocked();
  }
  WriteLines(rest);
}

void BatchedStderrSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  if (buffer_.size() + formatted.size() > max_buffered_) {
    ++dropped_unreported_;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  buffer_.append(formatted.data(), formatted.size());
}

void BatchedStderrSink::flush_() {
  // Written by the sink's thread like every other batch: writing here, under the lock request
  // threads log through, could put these lines before older ones the thread is still writing,
  // and would hold every request thread while stderr is full.
  flush_requested_.store(true, std::memory_order_relaxed);
  stop_cv_.notify_all();
}

std::string BatchedStderrSink::TakeLocked() {
  std::string lines;
  lines.reserve(64 << 10);  // not the largest burst's size: that would stay allocated for good
  lines.swap(buffer_);
  if (dropped_unreported_ > 0) {
    lines += "access log: " + std::to_string(dropped_unreported_) +
             " lines dropped, stderr was not keeping up\n";
    dropped_unreported_ = 0;
  }
  return lines;
}

void BatchedStderrSink::Loop() {
  std::unique_lock stop_lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(stop_lock, interval_,
                      [&] { return stopping_ || flush_requested_.load(std::memory_order_relaxed); });
    flush_requested_.store(false, std::memory_order_relaxed);
    std::string lines;
    {
      std::lock_guard lock(mutex_);
      lines = TakeLocked();
    }
    CountLost(WriteLines(lines));
  }
}

void BatchedStderrSink::CountLost(size_t lines) {
  if (lines == 0) return;
  dropped_.fetch_add(lines, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  dropped_unreported_ += lines;
}

size_t BatchedStderrSink::WriteLines(const std::string& lines) {
  // In pieces of whole lines up to PIPE_BUF where lines allow: a pipe keeps each such write
  // whole, so the main logger's lines, written to the same stderr, never land inside one.
  constexpr size_t kAtomic = 4096;
  size_t at = 0;
  while (at < lines.size()) {
    size_t end = lines.size();
    if (end - at > kAtomic) {
      // The last line end within the next kAtomic bytes; or, for a line longer than that, its end.
      size_t newline = lines.rfind('\n', at + kAtomic - 1);
      if (newline == std::string::npos || newline < at) newline = lines.find('\n', at + kAtomic);
      end = newline == std::string::npos ? lines.size() : newline + 1;
    }
    while (at < end) {
      ssize_t n = ::write(STDERR_FILENO, lines.data() + at, end - at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // A non-blocking stderr that is full: wait for room a while, then give the rest up.
        pollfd p{STDERR_FILENO, POLLOUT, 0};
        if (::poll(&p, 1, 1000) > 0) continue;
      }
      if (n <= 0) {
        // stderr is gone or stuck: the lines not written are lost, and counted.
        return static_cast<size_t>(std::count(lines.begin() + static_cast<std::ptrdiff_t>(at), lines.end(), '\n'));
      }
      at += static_cast<size_t>(n);
    }
  }
  return 0;
}

}  // namespace kl::app
