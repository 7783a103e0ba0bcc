// The sweeper's derived warnings (docs/events.md), KeyExpiringSoon and KeyCreditsLow.
#include <catch2/catch.hpp>

#include <ctime>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
std::string RfcIn(long seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}
std::vector<json> OfType(Client& c, const std::string& org, const std::string& key, const std::string& type) {
  std::vector<json> out;
  for (auto& e : KeyEvents(c, org, key))
    if (e["type"] == type) out.push_back(e);
  return out;
}
// A key created now is only visited by warning passes that start after this point: once its own
// warning is there, every key that was due before it has been visited at least once more.
void WaitForLaterWarningPass(Client& admin, const std::string& org) {
  auto marker = CreateKey(admin, org, {{"name", "marker"}, {"ttl_seconds", 2 * 86400}});
  REQUIRE(WaitFor([&] { return !OfType(admin, org, marker.id, "KeyExpiringSoon").empty(); }));
}
}  // namespace

TEST_CASE("KeyExpiringSoon: one 7d warning for a key 3 days from expiry, one 1d for a key 1 hour away",
          "[e2e][warnings]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto week = CreateKey(*admin, "acme", {{"ttl_seconds", 3 * 86400}});
  auto hour = CreateKey(*admin, "acme", {{"ttl_seconds", 3600}});
  auto far = CreateKey(*admin, "acme", {{"ttl_seconds", 30 * 86400}});
  REQUIRE(WaitFor([&] {
    return !OfType(*admin, "acme", week.id, "KeyExpiringSoon").empty() &&
           !OfType(*admin, "acme", hour.id, "KeyExpiringSoon").empty();
  }));
  WaitForLaterWarningPass(*admin, "acme");

  auto w = OfType(*admin, "acme", week.id, "KeyExpiringSoon");
  REQUIRE(w.size() == 1);
  CHECK(w[0]["data"]["window"] == "7d");
  CHECK(w[0]["data"]["expires_at"] == week.api_key["expires_at"]);
  CHECK(w[0]["actor"] == json{{"type", "system"}, {"id", "sweeper"}});
  auto h = OfType(*admin, "acme", hour.id, "KeyExpiringSoon");
  REQUIRE(h.size() == 1);
  CHECK(h[0]["data"]["window"] == "1d");
  CHECK(OfType(*admin, "acme", far.id, "KeyExpiringSoon").empty());
  // A warning is not a change of the key: it stays active and valid.
  CHECK(Validate(*admin, week.value)["code"] == "VALID");

  // Moving expires_at to a new date 2 days out warns again, for that date.
  auto moved = admin->Patch("/v1/orgs/acme/api-keys/" + week.id, {{"expires_at", RfcIn(2 * 86400)}});
  REQUIRE(moved.status == 200);
  REQUIRE(WaitFor([&] { return OfType(*admin, "acme", week.id, "KeyExpiringSoon").size() == 2; }));
  auto again = OfType(*admin, "acme", week.id, "KeyExpiringSoon")[1];
  CHECK(again["data"]["window"] == "7d");
  CHECK(again["data"]["expires_at"] == moved.Json()["expires_at"]);

  // The projections (with the warning bookkeeping and its index) equal fold(log), also after replay.
  REQUIRE(server.Stop() == 0);
  auto [code, out] = RunCli("verify --data-dir " + server.DataDir());
  INFO(out);
  CHECK(code == 0);
  auto [rcode, rout] = RunCli("replay --data-dir " + server.DataDir());
  INFO(rout);
  CHECK(rcode == 0);
  auto [vcode, vout] = RunCli("verify --data-dir " + server.DataDir());
  INFO(vout);
  CHECK(vcode == 0);
}

TEST_CASE("KeyCreditsLow: a key with 10 credits validated 9 times gets exactly one", "[e2e][warnings]") {
  Server server({"--usage-flush-ms", "50"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"credits", {{"remaining", 10}}}});
  for (int i = 0; i < 8; ++i) REQUIRE(Validate(*admin, key.value)["code"] == "VALID");
  // 2 left of 10: not low yet (the mark is floor(10 / 10) = 1).
  REQUIRE(WaitFor([&] { return OfType(*admin, "acme", key.id, "KeyUsed").size() >= 1; }));
  REQUIRE(Validate(*admin, key.value)["code"] == "VALID");
  REQUIRE(WaitFor([&] { return !OfType(*admin, "acme", key.id, "KeyCreditsLow").empty(); }));
  auto low = OfType(*admin, "acme", key.id, "KeyCreditsLow");
  REQUIRE(low.size() == 1);
  CHECK(low[0]["data"] == json{{"remaining", 1}, {"threshold", 1}});
  CHECK(low[0]["actor"] == json{{"type", "system"}, {"id", "sweeper"}});
  // Spending the last credit does not warn again.
  REQUIRE(Validate(*admin, key.value)["code"] == "VALID");
  REQUIRE(WaitFor([&] {
    int64_t spent = 0;
    for (const auto& e : OfType(*admin, "acme", key.id, "KeyUsed")) spent += e["data"]["credits_spent"].get<int64_t>();
    return spent == 10;
  }));
  WaitForLaterWarningPass(*admin, "acme");
  CHECK(OfType(*admin, "acme", key.id, "KeyCreditsLow").size() == 1);

  // A PATCH that sets credits re-arms it.
  REQUIRE(admin->Patch("/v1/orgs/acme/api-keys/" + key.id, {{"credits", {{"remaining", 5}}}}).status == 200);
  for (int i = 0; i < 5; ++i) REQUIRE(Validate(*admin, key.value)["code"] == "VALID");
  REQUIRE(WaitFor([&] { return OfType(*admin, "acme", key.id, "KeyCreditsLow").size() == 2; }));
  CHECK(OfType(*admin, "acme", key.id, "KeyCreditsLow")[1]["data"] == json{{"remaining", 0}, {"threshold", 0}});

  REQUIRE(server.Stop() == 0);
  auto [code, out] = RunCli("verify --data-dir " + server.DataDir());
  INFO(out);
  CHECK(code == 0);
}
