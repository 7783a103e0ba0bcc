#include "app/batched_sink.h"

#include <unistd.h>

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

void BatchedStderrSink::flush_() { WriteLines(TakeLocked()); }

std::string BatchedStderrSink::TakeLocked() {
  std::string lines;
  lines.reserve(buffer_.capacity());
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
    stop_cv_.wait_for(stop_lock, interval_, [&] { return stopping_; });
    std::string lines;
    {
      std::lock_guard lock(mutex_);
      lines = TakeLocked();
    }
    WriteLines(lines);
  }
}

void BatchedStderrSink::WriteLines(const std::string& lines) {
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
      if (n <= 0) return;  // stderr is gone: nothing else to do with the lines
      at += static_cast<size_t>(n);
    }
  }
}

}  // namespace kl::app
