#include "storage/completions.h"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using kl::storage::Completions;

TEST_CASE("completions run in the order posted, off the poster's thread", "[completions]") {
  std::vector<int> seen;  // touched only by the completions thread until Stop joins it
  std::atomic<bool> on_poster_thread{false};
  auto poster = std::this_thread::get_id();
  {
    Completions c;
    for (int batch = 0; batch < 50; ++batch) {
      std::vector<Completions::Task> tasks;
      for (int i = 0; i < 20; ++i)
        tasks.push_back([&, n = batch * 20 + i] {
          if (std::this_thread::get_id() == poster) on_poster_thread = true;
          seen.push_back(n);
        });
      c.Post(std::move(tasks));
    }
    c.Stop();  // drains
  }
  REQUIRE(seen.size() == 1000);
  for (int i = 0; i < 1000; ++i) REQUIRE(seen[i] == i);
  REQUIRE_FALSE(on_poster_thread);
}

TEST_CASE("a task that throws does not stop the ones after it", "[completions]") {
  int ran = 0;
  Completions c;
  c.Post({[] { throw std::runtime_error("boom"); }, [&] { ++ran; }});
  c.Stop();
  REQUIRE(ran == 1);
}

TEST_CASE("after Stop, posts run on the caller's thread at once", "[completions]") {
  Completions c;
  c.Stop();
  std::thread::id ran_on;
  c.Post({[&] { ran_on = std::this_thread::get_id(); }});
  REQUIRE(ran_on == std::this_thread::get_id());
}
