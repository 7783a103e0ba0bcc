// The NotifyAfter side of a log whose head moves on a thread of its own: callers park a
// callback until the head passes a seq, or until their deadline (a timer thread answers
// those). Every parked callback is answered, at the latest by Stop.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace kl::storage {

class HeadWaiters {
 public:
  // `head` reads the current head: what a callback hears at its deadline.
  explicit HeadWaiters(std::function<uint64_t()> head);
  ~HeadWaiters();  // Stop()
  HeadWaiters(const HeadWaiters&) = delete;
  HeadWaiters& operator=(const HeadWaiters&) = delete;

  // Calls ready(head) once Fire is given a head past after_seq, or at the deadline; at once
  // when the head already passed it. Never blocks.
  void Add(uint64_t after_seq, std::chrono::steady_clock::time_point deadline, std::function<void(uint64_t)> ready);
  // The head moved to `head`: answers every waiter it passed (on the calling thread).
  void Fire(uint64_t head);
  // Answers everyone still waiting and joins the timer thread; later Adds are answered at once.
  void Stop();

 private:
  struct Waiter {
    uint64_t after_seq;
    std::function<void(uint64_t)> ready;
  };
  void TimerLoop();

  std::function<uint64_t()> head_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Waiter> waiters_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace kl::storage
