// Credits and rate limits counted for the whole cluster (docs/cluster.md, "Credits and rate
// limits across nodes"): validations of one key spread over three nodes at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

// Validates `value` `per_thread` times from two threads per node, all at once; counts the codes
// (and any answer that was not a 200, as "HTTP <status>").
std::map<std::string, int> ValidateEverywhere(const std::vector<Server*>& nodes, const std::string& value,
                                              int per_thread) {
  std::mutex mu;
  std::map<std::string, int> codes;
  std::vector<std::thread> threads;
  for (Server* node : nodes)
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, node] {
        auto c = node->Admin();
        for (int i = 0; i < per_thread; ++i) {
          auto r = c->Post("/v1/validations", {{"value", value}});
          std::string code = r.status == 200 ? r.Json()["code"].get<std::string>() : "HTTP " + std::to_string(r.status);
          std::lock_guard lock(mu);
          ++codes[code];
        }
      });
  for (auto& t : threads) t.join();
  return codes;
}

bool KeyVisible(Server& node, const std::string& org, const std::string& id) {
  return node.Admin()->Get("/v1/orgs/" + org + "/api-keys/" + id).status == 200;
}

}  // namespace

TEST_CASE("cluster: 100 credits validated on three nodes at once give exactly 100 VALID", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log, "--usage-flush-ms", "100"});
  Server b({"--log", log, "--usage-flush-ms", "100"});
  Server c({"--log", log, "--usage-flush-ms", "100"});
  CreateOrg(*a.Admin(), "acme");
  auto key = CreateKey(*a.Admin(), "acme", {{"credits", {{"remaining", 100}}}});
  REQUIRE(WaitFor([&] { return KeyVisible(b, "acme", key.id) && KeyVisible(c, "acme", key.id); }));

  // 300 attempts, two threads on each node: each node alone would grant 100 from its own count.
  auto codes = ValidateEverywhere({&a, &b, &c}, key.value, 50);
  INFO("codes: " << json(codes).dump());
  CHECK(codes["VALID"] == 100);
  CHECK(codes["USAGE_EXCEEDED"] == 200);
  CHECK(codes.size() == 2);

  // The ledger agrees: once every node flushed, each shows 0 left and 100 uses.
  for (Server* node : {&a, &b, &c}) {
    CHECK(WaitFor([&] {
      auto k = node->Admin()->Get("/v1/orgs/acme/api-keys/" + key.id).Json();
      return k["credits"]["remaining"] == 0 && k["usage_count"] == 100;
    }));
  }
}

TEST_CASE("cluster: a rate limit holds across three nodes", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string db = pg.CreateDatabase();
  const std::string log = pg.uri(db);
  Server a({"--log", log});
  Server b({"--log", log});
  Server c({"--log", log});
  CreateOrg(*a.Admin(), "acme");
  constexpr int64_t kDay = 86400000;
  auto key = CreateKey(*a.Admin(), "acme", {{"ratelimit", {{"limit", 10}, {"window_ms", kDay}}}});
  REQUIRE(WaitFor([&] { return KeyVisible(b, "acme", key.id) && KeyVisible(c, "acme", key.id); }));

  // Fixed windows on the database's clock: at most `limit` per window for the whole cluster.
  const std::string window_sql =
      "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint / " + std::to_string(kDay);
  const std::string window_before = pg.Query(db, window_sql);
  auto codes = ValidateEverywhere({&a, &b, &c}, key.value, 15);  // 90 attempts; per node 10 each would pass
  const std::string window_after = pg.Query(db, window_sql);
  INFO("codes: " << json(codes).dump());
  if (window_before == window_after) CHECK(codes["VALID"] == 10);
  else CHECK(codes["VALID"] <= 20);  // the window turned (midnight UTC) during the run
  CHECK(codes["VALID"] + codes["RATE_LIMITED"] == 90);

  // The refusal says when the window ends, the same on every node.
  auto refused = Validate(*b.Admin(), key.value);
  CHECK(refused["code"] == "RATE_LIMITED");
  CHECK(refused["ratelimit"]["remaining"] == 0);
  const std::string reset_at = refused["ratelimit"]["reset_at"];
  CHECK(reset_at.find("T00:00:00") != std::string::npos);  // a window of a day ends at midnight UTC
}

TEST_CASE("cluster: keys with credits fail closed while the counters cannot be reached", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log});
  CreateOrg(*a.Admin(), "acme");
  auto counted = CreateKey(*a.Admin(), "acme", {{"credits", {{"remaining", 5}}}});
  auto plain = CreateKey(*a.Admin(), "acme");
  CHECK(Validate(*a.Admin(), counted.value)["code"] == "VALID");

  pg.Pause();
  auto refused = a.Admin()->Post("/v1/validations", {{"value", counted.value}});
  auto local = a.Admin()->Post("/v1/validations", {{"value", plain.value}});
  pg.Resume();
  CHECK(refused.status == 503);
  CHECK(refused.Header("retry-after") == "1");
  REQUIRE(local.status == 200);  // a key without credits or rate limit is decided locally
  CHECK(local.Json()["code"] == "VALID");

  // Back: the credits go on from what was spent; the refused attempt spent nothing it was told of.
  auto again = Validate(*a.Admin(), counted.value);
  CHECK(again["code"] == "VALID");
  CHECK(again["credits_remaining"].get<int>() <= 3);
}
