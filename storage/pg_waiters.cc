#include "storage/pg_waiters.h"

#include <pthread.h>

#include <vector>

namespace kl::storage {

HeadWaiters::HeadWaiters(std::function<uint64_t()> head)
    : head_(std::move(head)), timer_([this] {
        pthread_setname_np(pthread_self(), "kl-log-timer");  // for top and perf
        TimerLoop();
      }) {}

HeadWaiters::~HeadWaiters() { Stop(); }

void HeadWaiters::Add(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                      std::function<void(uint64_t)> ready) {
  uint64_t head = head_();
  if (head > after_seq) return ready(head);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      waiters_.emplace(deadline, Waiter{after_seq, std::move(ready)});
      cv_.notify_all();
      return;
    }
  }
  ready(head);
}

void HeadWaiters::Fire(uint64_t head) {
  std::vector<std::function<void(uint64_t)>> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.after_seq < head) {
        due.push_back(std::move(it->second.ready));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& f : due) f(head);
}

void HeadWaiters::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void HeadWaiters::TimerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) break;
    if (waiters_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto next = waiters_.begin()->first;
    if (std::chrono::steady_clock::now() < next) {
      cv_.wait_until(lock, next);
      continue;
    }
    auto f = std::move(waiters_.begin()->second.ready);
    waiters_.erase(waiters_.begin());
    lock.unlock();
    f(head_());
    lock.lock();
  }
  // Answer everyone still parked, so no request hangs through shutdown.
  auto rest = std::move(waiters_);
  waiters_.clear();
  lock.unlock();
  for (auto& [t, w] : rest) w.ready(head_());
}

}  // namespace kl::storage
