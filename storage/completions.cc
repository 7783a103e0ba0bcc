#include "storage/completions.h"

#include <exception>

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace kl::storage {

namespace {
void RunAll(std::vector<Completions::Task>& tasks) {
  for (auto& task : tasks) {
    try {
      task();
    } catch (const std::exception& ex) {
      spdlog::error("append callback threw: {}", ex.what());
    }
  }
}
}  // namespace

Completions::Completions()
    : thread_([this] {
        pthread_setname_np(pthread_self(), "kl-completions");  // for top and perf
        Loop();
      }) {}

Completions::~Completions() { Stop(); }

void Completions::Post(std::vector<Task> tasks) {
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(tasks));
      cv_.notify_one();
      return;
    }
  }
  RunAll(tasks);
}

void Completions::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Completions::Loop() {
  for (;;) {
    std::vector<Task> tasks;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.wait(lock.Native());
      if (queue_.empty()) return;  // stopping and drained
      tasks = std::move(queue_.front());
      queue_.pop_front();
    }
    RunAll(tasks);
  }
}

}  // namespace kl::storage
