#include "storage/pg_claims.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;
using std::chrono::milliseconds;

TEST_CASE("pg claims: one of many claimants at once wins, and a release frees the name", "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);  // migrates the schema
  std::vector<std::unique_ptr<PgClaims>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(std::make_unique<PgClaims>(db, milliseconds(5000)));
  std::atomic<int> won{0}, lost{0}, failed{0};
  std::string token;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 9; ++t)
    threads.emplace_back([&, t] {
      auto c = nodes[t % 3]->Claim("idempotency:abc", milliseconds(30000));
      if (!c.ok()) {
        ++failed;
      } else if (*c) {
        ++won;
        std::lock_guard lock(mu);
        token = **c;
      } else {
        ++lost;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(won == 1);
  CHECK(lost == 8);
  CHECK(nodes[0]->Claim("idempotency:other", milliseconds(30000))->has_value());  // another name

  REQUIRE(nodes[1]->Release("idempotency:abc", "not-the-token").ok());  // not the holder's: kept
  CHECK_FALSE(nodes[2]->Claim("idempotency:abc", milliseconds(30000))->has_value());
  REQUIRE(nodes[1]->Release("idempotency:abc", token).ok());
  CHECK(nodes[2]->Claim("idempotency:abc", milliseconds(30000))->has_value());
  log->Stop();
}

TEST_CASE("pg claims: an expired claim may be taken again", "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);
  PgClaims a(db, milliseconds(5000)), b(db, milliseconds(5000));
  auto first = a.Claim("n", milliseconds(300));  // its holder "died": never released
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK_FALSE(b.Claim("n", milliseconds(300))->has_value());
  // Expiry is on the database's clock: wait for it there.
  auto conn = test::RawConnection(db);
  REQUIRE(conn->Run("SELECT pg_sleep(0.4)", std::chrono::steady_clock::now() + std::chrono::seconds(5)).ok());
  auto second = b.Claim("n", milliseconds(300));
  REQUIRE(second.ok());
  CHECK(second->has_value());
  CHECK(**second != **first);
  log->Stop();
}
