// Several BlockingWork threads, for blocking work many requests need at once (a cluster node's
// round trips to the shared counters on the validation path, docs/cluster.md): jobs go to the
// threads in turn, so one slow round trip does not hold up every other request's.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "http/blocking_work.h"

namespace kl::http {

class BlockingPool {
 public:
  explicit BlockingPool(size_t threads) {
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) workers_.push_back(std::make_unique<BlockingWork>());
  }
  // Runs `job` on one of the threads. After Stop, runs it inline.
  void Post(std::function<void()> job) { workers_[next_++ % workers_.size()]->Post(std::move(job)); }
  // Finishes every queued job, then stops the threads.
  void Stop() {
    for (auto& w : workers_) w->Stop();
  }

 private:
  std::vector<std::unique_ptr<BlockingWork>> workers_;
  std::atomic<size_t> next_{0};
};

}  // namespace kl::http
