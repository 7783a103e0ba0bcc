// A single thread that answers appends in the order the log committed them.
//
// The log's writer is the one serial stage of every write: whatever runs on it limits how many
// appends per second the service can make durable. Answering an append (rendering the HTTP
// response, sending it) needs nothing the writer holds, so the writer hands each committed
// group's callbacks here and goes straight on to the next group.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "domain/mutex.h"

namespace kl::storage {

class Completions {
 public:
  using Task = std::function<void()>;

  Completions();
  ~Completions();  // runs every task already posted, then joins
  Completions(const Completions&) = delete;
  Completions& operator=(const Completions&) = delete;

  // Tasks run one at a time, in the order posted. A task that throws is logged and skipped.
  void Post(std::vector<Task> tasks);
  // Runs every task posted so far and stops the thread; later posts run on the caller's thread.
  void Stop();

 private:
  void Loop();

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<Task>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kl::storage
