// PeriodicWorker (app/periodic_worker.h): runs its job each period, survives a throwing job,
// stops promptly, and starts again after a stop (a cluster node's lease comes and goes).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "app/periodic_worker.h"

using namespace std::chrono_literals;
using kl::app::PeriodicWorker;

namespace {

// Counts runs and lets the test wait for a number of them.
class RunCounter {
 public:
  void Bump() {
    std::lock_guard lock(mu_);
    ++runs_;
    cv_.notify_all();
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return runs_ >= n; });
  }
  int runs() {
    std::lock_guard lock(mu_);
    return runs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int runs_ = 0;
};

}  // namespace

TEST_CASE("the job runs every period until Stop, and never after it") {
  RunCounter counter;
  PeriodicWorker worker("test-worker", 1ms, [&] { counter.Bump(); });
  worker.Start();
  worker.Start();  // a second Start while running is a no-op, not a second thread
  REQUIRE(counter.WaitFor(3));
  CHECK(worker.Stop());
  int after_stop = counter.runs();
  CHECK_FALSE(worker.Stop());  // already stopped
  CHECK(counter.runs() == after_stop);
}

TEST_CASE("a job that throws runs again next period") {
  RunCounter counter;
  PeriodicWorker worker("test-throws", 1ms, [&] {
    counter.Bump();
    throw std::runtime_error("boom");
  });
  worker.Start();
  REQUIRE(counter.WaitFor(3));
  CHECK(worker.Stop());
}

TEST_CASE("a stopped worker starts again, and Stop does not wait out a long period") {
  RunCounter counter;
  PeriodicWorker worker("test-restart", 1ms, [&] { counter.Bump(); });
  worker.Start();
  REQUIRE(counter.WaitFor(1));
  CHECK(worker.Stop());
  int first = counter.runs();
  worker.Start();
  REQUIRE(counter.WaitFor(first + 1));
  CHECK(worker.Stop());

  // A one-hour period: Stop wakes the loop instead of waiting for the period to pass, so this
  // test finishing at all is the check.
  PeriodicWorker slow("test-slow", std::chrono::hours(1), [] {});
  slow.Start();
  CHECK(slow.Stop());
}

TEST_CASE("Stop on a worker that never started reports it stopped it, once") {
  PeriodicWorker worker("test-idle", 1ms, [] {});
  CHECK(worker.Stop());
  CHECK_FALSE(worker.Stop());
}
