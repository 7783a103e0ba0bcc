// Idempotency-Key across the nodes of a cluster: a create retried on another node returns the
// key the first node made and never its secret (docs/cluster.md, "Idempotency across nodes").
#include <catch2/catch.hpp>

#include <latch>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

TEST_CASE("cluster: a create retried on another node with its Idempotency-Key replays the first key", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log});
  Server b({"--log", log});
  auto on_a = a.Admin();
  auto on_b = b.Admin();
  CreateOrg(*on_a, "acme");
  REQUIRE(WaitFor([&] { return on_b->Get("/v1/orgs/acme").status == 200; }));

  // The retry reaches B right after A answered, before B would have folded A's create on its own.
  for (int i = 0; i < 20; ++i) {
    const std::string header = "Idempotency-Key: retry-" + std::to_string(i);
    const json body = {{"name", "idem-" + std::to_string(i)}};
    auto first = on_a->Post("/v1/orgs/acme/api-keys", body, {header});
    REQUIRE(first.status == 201);
    const std::string id = first.Json()["api_key"]["id"];
    const std::string secret = first.Json()["value"];
    auto retry = on_b->Post("/v1/orgs/acme/api-keys", body, {header});
    INFO("attempt " << i << ": " << retry.body);
    REQUIRE(retry.status == 200);
    CHECK(retry.Header("idempotent-replayed") == "true");
    CHECK(retry.Json()["api_key"]["id"] == id);
    CHECK_FALSE(retry.Json().contains("value"));
    CHECK(retry.body.find(secret) == std::string::npos);
    // The same key with another body is refused on either node.
    CHECK(on_b->Post("/v1/orgs/acme/api-keys", {{"name", "other"}}, {header}).status == 409);
    CHECK(on_a->Post("/v1/orgs/acme/api-keys", {{"name", "other"}}, {header}).status == 409);
  }
  // One key per Idempotency-Key, whichever node answered.
  auto listed = on_a->Get("/v1/orgs/acme/api-keys?limit=100");
  REQUIRE(listed.status == 200);
  CHECK(listed.Json()["data"].size() == 20);
}

TEST_CASE("cluster: creates with one Idempotency-Key reaching two nodes at once make one key", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log});
  Server b({"--log", log});
  CreateOrg(*a.Admin(), "acme");
  REQUIRE(WaitFor([&] { return b.Admin()->Get("/v1/orgs/acme").status == 200; }));

  // Each round sends the same create to A and B from two threads released together; neither
  // node has folded the other's create when the other arrives.
  constexpr int kRounds = 10;
  for (int i = 0; i < kRounds; ++i) {
    const std::string header = "Idempotency-Key: race-" + std::to_string(i);
    const json body = {{"name", "race-" + std::to_string(i)}};
    Response answers[2];
    std::latch go(2);
    std::thread ta([&] {
      auto c = a.Admin();
      go.arrive_and_wait();
      answers[0] = c->Post("/v1/orgs/acme/api-keys", body, {header});
    });
    std::thread tb([&] {
      auto c = b.Admin();
      go.arrive_and_wait();
      answers[1] = c->Post("/v1/orgs/acme/api-keys", body, {header});
    });
    ta.join();
    tb.join();
    INFO("round " << i << ": " << answers[0].status << " " << answers[0].body << " / " << answers[1].status << " "
                  << answers[1].body);
    // One created it (201, with its secret); the other answered as a retry (200, same key, no
    // secret) or, had the first still been running, 409.
    const int created = (answers[0].status == 201) + (answers[1].status == 201);
    CHECK(created == 1);
    for (const Response& r : answers) CHECK((r.status == 201 || r.status == 200 || r.status == 409));
    const Response& winner = answers[0].status == 201 ? answers[0] : answers[1];
    const Response& other = answers[0].status == 201 ? answers[1] : answers[0];
    if (other.status == 200) {
      CHECK(other.Json()["api_key"]["id"] == winner.Json()["api_key"]["id"]);
      CHECK_FALSE(other.Json().contains("value"));
      CHECK(other.Header("idempotent-replayed") == "true");
    }
  }
  for (Server* node : {&a, &b}) {
    CHECK(WaitFor([&] {
      auto listed = node->Admin()->Get("/v1/orgs/acme/api-keys?limit=100");
      return listed.status == 200 && listed.Json()["data"].size() == kRounds;
    }));
  }
}
