// Two keyledger nodes on one PostgreSQL log (serve --log postgresql://...): each folds the
// shared log into its own projections and answers from them (docs/cluster.md).
#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {
json Head(Client& c) {
  auto r = c.Get("/v1/ledger/head");
  if (r.status != 200) throw std::runtime_error("ledger head: " + r.body);
  return r.Json();
}
}  // namespace

TEST_CASE("cluster: a key made on node A validates on B, and A's revoke reads REVOKED on B", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log});
  Server b({"--log", log});
  auto on_a = a.Admin();
  auto on_b = b.Admin();

  CreateOrg(*on_a, "acme");
  auto key = CreateKey(*on_a, "acme");
  // A shows its own write by the time it answered it; B once it folded it.
  CHECK(Validate(*on_a, key.value)["code"] == "VALID");
  REQUIRE(WaitFor([&] { return Validate(*on_b, key.value)["code"] == "VALID"; }));

  REQUIRE(on_a->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
  CHECK(Validate(*on_a, key.value)["code"] == "REVOKED");
  REQUIRE(WaitFor([&] { return Validate(*on_b, key.value)["code"] == "REVOKED"; }));

  // B decides on what A wrote: revoking again appends nothing.
  CHECK(on_b->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
  auto types = Types(KeyEvents(*on_b, "acme", key.id));
  CHECK(std::count(types.begin(), types.end(), "KeyRevoked") == 1);
  // A key made on B, listed on A.
  auto second = CreateKey(*on_b, "acme", {{"name", "from-b"}});
  REQUIRE(WaitFor([&] {
    auto r = on_a->Get("/v1/orgs/acme/api-keys/" + second.id);
    return r.status == 200 && r.Json()["name"] == "from-b";
  }));
  // Eight concurrent revokes over both nodes append one KeyRevoked, and every one is answered.
  REQUIRE(WaitFor([&] { return Validate(*on_a, second.value)["code"] == "VALID"; }));
  std::vector<int> statuses(8);
  std::vector<std::thread> revokers;
  for (int i = 0; i < 8; ++i)
    revokers.emplace_back([&, i] {
      auto c = (i % 2 ? a : b).Admin();
      statuses[i] = c->Delete("/v1/orgs/acme/api-keys/" + second.id).status;
    });
  for (auto& t : revokers) t.join();
  for (int s : statuses) CHECK(s == 200);
  auto second_types = Types(KeyEvents(*on_a, "acme", second.id));
  CHECK(std::count(second_types.begin(), second_types.end(), "KeyRevoked") == 1);
  // One log: both nodes end on the same head.
  REQUIRE(WaitFor([&] { return Head(*on_a)["hash"] == Head(*on_b)["hash"]; }));
  CHECK(Head(*on_a)["seq"] == Head(*on_b)["seq"]);
  CHECK(Head(*on_a)["seq"].get<uint64_t>() >= 3);
}

TEST_CASE("cluster: a node restarted on an empty data directory catches up from the log", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  std::string value;
  {
    Server a({"--log", log});
    auto on_a = a.Admin();
    CreateOrg(*on_a, "acme");
    value = CreateKey(*on_a, "acme").value;
    REQUIRE(a.Stop() == 0);
  }
  Server fresh({"--log", log});
  CHECK(Validate(*fresh.Admin(), value)["code"] == "VALID");
}

TEST_CASE("cluster: a data directory that holds an embedded log is refused", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string dir = MakeTempDir("embedded");
  {
    Server embedded({}, dir);
    CreateOrg(*embedded.Admin(), "acme");
    REQUIRE(embedded.Stop() == 0);
  }
  try {
    Server node({"--log", pg.uri(pg.CreateDatabase())}, dir);
    FAIL("a node started on a data directory with an embedded log");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("holds an embedded log") != std::string::npos);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}
