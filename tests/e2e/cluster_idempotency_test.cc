// Idempotency-Key across the nodes of a cluster: a create retried on another node returns the
// key the first node made and never its secret (docs/cluster.md, "Idempotency across nodes").
#include <catch2/catch.hpp>

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
