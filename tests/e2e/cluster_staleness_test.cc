// A cluster node cut off from its log (PostgreSQL frozen with SIGSTOP): writes answer 503,
// validations answer from the node's last state until its view is older than --max-staleness-ms,
// then 503, and /readyz says stale; all of it recovers once the log answers again
// (docs/cluster.md, "Staleness").
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

Response ValidateRaw(Client& c, const std::string& value) { return c.Post("/v1/validations", {{"value", value}}); }

// /v1/authz as a reverse proxy asks it, with the admin token as the gateway's credential.
Response Authz(const Server& s, const std::string& value) {
  return Client(s.Url(), value).Send("GET", "/v1/authz", "", {std::string("X-Keyledger-Token: ") + Server::kAdminToken});
}

double ViewAgeMetric(Client& c) {
  std::string body = c.Get("/metrics").body;
  const std::string name = "\nkeyledger_cluster_view_age_seconds ";
  auto at = body.find(name);
  if (at == std::string::npos) throw std::runtime_error("no keyledger_cluster_view_age_seconds in /metrics");
  return std::stod(body.substr(at + name.size()));
}

}  // namespace

TEST_CASE("cluster: a node cut off from the log refuses writes, then validations past its max staleness",
          "[e2e][cluster]") {
  kl::test::PgServer pg;
  Server node({"--log", pg.uri(pg.CreateDatabase()), "--max-staleness-ms", "3000"});
  auto admin = node.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  CHECK(Validate(*admin, key.value)["code"] == "VALID");

  auto ready = admin->Get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.Json()["status"] == "ready");
  CHECK(ready.Json()["max_staleness_seconds"] == 3.0);
  CHECK(ready.Json()["view_age_seconds"].get<double>() <= 3.0);
  CHECK(ViewAgeMetric(*admin) <= 3.0);

  pg.Pause();
  // Within the max staleness, validations are answered from what the node last folded.
  auto fresh = ValidateRaw(*admin, key.value);
  CHECK(fresh.status == 200);
  CHECK(fresh.Json()["code"] == "VALID");

  // A write is refused, not left hanging: the log cannot commit it.
  auto refused = admin->Post("/v1/orgs/acme/api-keys", {{"name", "while-partitioned"}});
  CHECK(refused.status == 503);
  CHECK(refused.Header("retry-after") == "1");
  CHECK(refused.Json()["error"]["code"] == "unavailable");

  // Past the max staleness the node no longer vouches for any key.
  REQUIRE(WaitFor([&] { return ValidateRaw(*admin, key.value).status == 503; }, std::chrono::seconds(30)));
  auto stale = ValidateRaw(*admin, key.value);
  CHECK(stale.status == 503);
  CHECK(stale.Header("retry-after") == "1");
  auto gateway = Authz(node, key.value);
  CHECK(gateway.status == 503);
  CHECK(gateway.Header("x-keyledger-code") == "STALE");
  auto not_ready = admin->Get("/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.Json()["status"] == "stale");
  CHECK(not_ready.Json()["view_age_seconds"].get<double>() > 3.0);
  CHECK(ViewAgeMetric(*admin) > 3.0);
  CHECK(admin->Post("/v1/orgs/acme/api-keys", {{"name", "still-partitioned"}}).status == 503);

  pg.Resume();
  REQUIRE(WaitFor([&] { return admin->Get("/readyz").status == 200; }, std::chrono::seconds(30)));
  CHECK(admin->Get("/readyz").Json()["status"] == "ready");
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
  CHECK(Authz(node, key.value).status == 200);
  // Neither write refused during the partition was applied.
  auto listed = admin->Get("/v1/orgs/acme/api-keys?limit=100");
  REQUIRE(listed.status == 200);
  CHECK(listed.Json()["data"].size() == 1);
  // Writes go through again once the writer has reconnected; a 503 meanwhile was not applied.
  REQUIRE(WaitFor([&] { return admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200; },
                  std::chrono::seconds(30)));
  CHECK(Validate(*admin, key.value)["code"] == "REVOKED");
}
