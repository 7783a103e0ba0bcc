// Work that blocks on disk (writing an export file) runs here, on its own thread, never on a
// reactor thread: a reactor thread serves many connections, and each of them would wait.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace kl::http {

class BlockingWork {
 public:
  BlockingWork() : thread_([this] { Run(); }) {}
  ~BlockingWork() { Stop(); }
  BlockingWork(const BlockingWork&) = delete;
  BlockingWork& operator=(const BlockingWork&) = delete;

  // Runs `job` on the worker thread, in submission order. After Stop, runs it inline.
  void Post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    job();
  }
  // Finishes every queued job, then stops the thread.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      try {
        job();
      } catch (...) {
        // A job answers its own request; one that throws must not take the worker down.
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace kl::http
