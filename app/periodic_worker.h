// A thread that runs one job every `period` until stopped: the loop, start and stop shared by
// serve's background workers (app/workers.h).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace kl::app {

class PeriodicWorker {
 public:
  // `name` names the thread (for top and perf; at most 15 characters). A job that throws is
  // logged, and runs again next period.
  PeriodicWorker(std::string name, std::chrono::milliseconds period, std::function<void()> job);
  ~PeriodicWorker();  // Stop()
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread; no-op while it runs. May be called again after Stop() (a cluster node
  // runs the sweeper only while it holds the lease, app/background_lease.h).
  void Start();
  // Stops and joins the thread, the job in progress finished. True for the call that stopped
  // the worker (or the first call, when it never started); false when it was already stopped.
  bool Stop();

 private:
  void Loop();
  const std::string name_;
  const std::chrono::milliseconds period_;
  const std::function<void()> job_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kl::app
