#include "app/periodic_worker.h"

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace kl::app {

PeriodicWorker::PeriodicWorker(std::string name, std::chrono::milliseconds period, std::function<void()> job)
    : name_(std::move(name)), period_(period), job_(std::move(job)) {}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start() {
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;  // started again after a Stop
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.c_str());
    Loop();
  });
}

bool PeriodicWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return true;
}

void PeriodicWorker::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period_, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    try {
      job_();
    } catch (const std::exception& e) {
      spdlog::error("background worker failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace kl::app
