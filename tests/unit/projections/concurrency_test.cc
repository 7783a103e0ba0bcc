// The in-memory read paths under concurrency (also what the TSan job runs): the state cache with
// readers racing invalidations, and the usage tracker's gates staying exact across threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "projections/state_cache.h"
#include "projections/usage_tracker.h"

using namespace kl;

// A commit is acknowledged after the commit hook ran: from then on no read may see an older state.
TEST_CASE("state cache: once a commit is acknowledged, no reader sees an older version", "[projections][concurrency]") {
  projections::StateCache cache(1024);
  std::atomic<uint64_t> committed{1};     // the "projection": the version a load reads
  std::atomic<uint64_t> acknowledged{1};  // commits whose hook has run
  Hash32 h = Sha256("secret");
  auto load = [&]() -> std::optional<KeyState> {
    KeyState k;
    k.id = "key_1";
    k.version = committed.load();
    return k;
  };
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      while (!stop) {
        uint64_t floor = acknowledged.load();  // acknowledged before this read started
        auto key = cache.KeyByHash(h, load);
        if (key->version < floor) ++stale;
      }
    });
  Event e;
  e.org_id = "acme";
  e.key_id = "key_1";
  for (int v = 2; v < 3000; ++v) {
    committed.store(v);     // the projection is written...
    cache.Invalidate(e);    // ...the commit hook runs, as in the log's writer...
    acknowledged.store(v);  // ...and only then is the writer answered
  }
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(stale == 0);
}

TEST_CASE("usage tracker: credits are exact and spent once across threads", "[projections][concurrency]") {
  projections::UsageTracker usage;
  KeyState key;
  key.id = "key_1";
  key.org_id = "acme";
  key.credits = Credits{1000, std::nullopt};
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (usage.TryUse(key, 1'800'000'000'000 + i, "10.0.0.1", "ua").code == ValidationCode::kValid) ++valid;
    });
  std::thread flusher([&] {
    for (int i = 0; i < 50; ++i)
      for (const auto& u : usage.BeginFlush()) usage.EndFlush(u, false);
  });
  for (auto& t : threads) t.join();
  flusher.join();
  CHECK(valid == 1000);
  CHECK(usage.View(key).usage_count == 1000);
}
