#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "http/blocking_work.h"

using kl::http::BlockingWork;

TEST_CASE("blocking work runs in order on another thread, survives a throwing job, drains on Stop", "[http]") {
  BlockingWork work;
  std::vector<int> order;
  std::atomic<bool> other_thread{true};
  auto caller = std::this_thread::get_id();
  work.Post([] { throw std::runtime_error("a job that fails"); });
  for (int i = 0; i < 100; ++i)
    work.Post([&, i] {
      order.push_back(i);
      if (std::this_thread::get_id() == caller) other_thread = false;
    });
  work.Stop();  // every queued job has run when it returns
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[i] == i);
  CHECK(other_thread);
  bool inline_ran = false;
  work.Post([&] { inline_ran = std::this_thread::get_id() == caller; });
  CHECK(inline_ran);
}
