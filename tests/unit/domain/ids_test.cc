// ULID-based identifiers and org slugs (domain/ids.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/ids.h"

using namespace kl;

TEST_CASE("ULIDs: 26 Crockford chars, time-ordered, monotonic within a millisecond", "[domain]") {
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("key", 1'800'000'000'000);
    CHECK(IsId(id, "key"));
    CHECK(id > prev);
    prev = id;
  }
  CHECK(NewUlid(1'800'000'000'001) > NewUlid(1'800'000'000'000));
  CHECK_FALSE(IsId("key_" + std::string(26, 'I'), "key"));
  CHECK_FALSE(IsId("org_01ARZ3NDEKTSV4RRFFQ69G5FAV", "key"));
  CHECK(IsOrgSlug("acme-corp"));
  CHECK_FALSE(IsOrgSlug("-acme"));
  CHECK_FALSE(IsOrgSlug("ab"));
  CHECK_FALSE(IsOrgSlug("Acme"));
}

TEST_CASE("request ids: req_ + a ULID, unique across threads", "[domain]") {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made)
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2000; ++i) ids.push_back(NewRequestId(1'800'000'000'000 + i / 500));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) {
    for (size_t i = 0; i < ids.size(); ++i) {
      CHECK(IsId(ids[i], "req"));
      if (i > 0) CHECK(ids[i] > ids[i - 1]);  // ordered within a thread
      all.insert(ids[i]);
    }
  }
  CHECK(all.size() == 8000);
}
