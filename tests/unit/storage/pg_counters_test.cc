#include "storage/pg_counters.h"

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;

namespace {

CounterSpend CreditSpend(const std::string& key, int64_t epoch, int64_t limit) {
  CounterSpend s;
  s.key_id = key;
  s.credits = CounterSpend::Credits{epoch, limit, 1};
  return s;
}

// The largest window a key may have (domain/key.cc): one day, so the test does not cross a window
// boundary unless it runs at midnight UTC; the checks that depend on it say so.
constexpr int64_t kDay = 86400000;

}  // namespace

TEST_CASE("pg counters: concurrent credit spends from several nodes never pass the limit", "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);  // migrates the schema
  // Three "nodes", each with its own pool, four threads each, 300 attempts on 100 credits.
  std::vector<std::unique_ptr<PgCounters>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(std::make_unique<PgCounters>(db, std::chrono::milliseconds(5000)));
  std::atomic<int> granted{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = nodes[t % 3]->Spend(CreditSpend("key_a", 1000, 100));
        if (!r.ok()) ++failed;
        else if (r->credits_ok) ++granted;
        else ++refused;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(granted == 100);
  CHECK(refused == 200);
  // Another key is counted apart.
  auto other = nodes[0]->Spend(CreditSpend("key_b", 1000, 100));
  REQUIRE(other.ok());
  CHECK(other->credits_ok);
  CHECK(other->credits_spent == 1);
  log->Stop();
}

TEST_CASE("pg counters: a new credit epoch starts over, an older one is refused", "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);
  PgCounters c(db, std::chrono::milliseconds(5000));
  for (int i = 1; i <= 2; ++i) {
    auto r = c.Spend(CreditSpend("k", 10, 2));
    REQUIRE(r.ok());
    CHECK(r->credits_ok);
    CHECK(r->credits_spent == i);
  }
  CHECK_FALSE(c.Spend(CreditSpend("k", 10, 2))->credits_ok);  // spent out
  auto refilled = c.Spend(CreditSpend("k", 20, 3));            // set again: a new epoch
  REQUIRE(refilled.ok());
  CHECK(refilled->credits_ok);
  CHECK(refilled->credits_spent == 1);
  CHECK_FALSE(c.Spend(CreditSpend("k", 10, 100))->credits_ok);  // a node still on the old setting
  CHECK(c.Spend(CreditSpend("k", 20, 3))->credits_spent == 2);
  CHECK_FALSE(c.Spend(CreditSpend("zero", 5, 0))->credits_ok);  // nothing to spend
  CounterSpend costly = CreditSpend("k2", 1, 5);
  costly.credits->cost = 6;
  CHECK_FALSE(c.Spend(costly)->credits_ok);
  log->Stop();
}

TEST_CASE("pg counters: a rate window counts across nodes, and credits are spent only when it passes",
          "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);
  PgCounters a(db, std::chrono::milliseconds(5000)), b(db, std::chrono::milliseconds(5000));
  CounterSpend s;
  s.key_id = "k";
  s.rate = CounterSpend::Rate{5, kDay};
  s.credits = CounterSpend::Credits{7, 100, 1};
  int passed = 0, credits = 0;
  int64_t reset_at = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = (i % 2 ? a : b).Spend(s);
    REQUIRE(r.ok());
    passed += r->rate_ok;
    credits += r->credits_ok;
    CHECK(r->credits_ok == r->rate_ok);
    CHECK(r->rate_reset_at % kDay == 0);
    CHECK(r->rate_used <= 5);
    reset_at = r->rate_reset_at;
  }
  // Five per window: ten if the window turned during the loop (midnight UTC).
  CHECK((passed == 5 || passed == 10));
  CHECK(credits == passed);
  CHECK(reset_at > 0);
  // The same key with another window size is another counter.
  s.rate = CounterSpend::Rate{1, 1000};
  s.credits.reset();
  CHECK(a.Spend(s)->rate_ok);
  log->Stop();
}

TEST_CASE("pg counters: an unreachable server is kUnavailable, never a grant", "[storage][pg][cluster]") {
  test::PgServer pg;
  const std::string db = pg.conninfo(pg.CreateDatabase());
  {
    auto log = test::OpenPgLog(db);
    log->Stop();
  }
  PgCounters c(db, std::chrono::milliseconds(1000));
  REQUIRE(c.Spend(CreditSpend("k", 1, 10))->credits_ok);
  pg.Pause();
  auto r = c.Spend(CreditSpend("k", 1, 10));
  CHECK(r.status().code() == Code::kUnavailable);
  pg.Resume();
  auto again = c.Spend(CreditSpend("k", 1, 10));
  REQUIRE(again.ok());
  CHECK(again->credits_ok);
  CHECK(again->credits_spent >= 2);  // the spend whose answer was lost may have counted: never less
}
