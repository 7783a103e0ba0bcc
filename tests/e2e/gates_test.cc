// Policy gates end to end (docs/policy-gates.md).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/overlapping_requests.h"

using namespace kl::e2e;

TEST_CASE("a key with 3 credits validates three times, then reads USAGE_EXCEEDED", "[e2e][gates]") {
  Server server({"--usage-flush-ms", "100"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"credits", {{"remaining", 3}}}});
  CHECK(key.api_key["credits"] == json{{"remaining", 3}, {"refill", nullptr}});
  for (int left = 2; left >= 0; --left) {
    auto v = Validate(*admin, key.value);
    CHECK(v["code"] == "VALID");
    CHECK(v["credits_remaining"] == left);
  }
  auto v = Validate(*admin, key.value);
  CHECK(v["code"] == "USAGE_EXCEEDED");
  CHECK_FALSE(v["valid"].get<bool>());
  // Spending travels in KeyUsed and survives a restart.
  REQUIRE(WaitFor([&] {
    int64_t spent = 0;
    for (const auto& e : KeyEvents(*admin, "acme", key.id))
      if (e["type"] == "KeyUsed") spent += e["data"]["credits_spent"].get<int64_t>();
    return spent == 3;
  }));
  REQUIRE(server.Stop() == 0);
  server.Start();
  CHECK(Validate(*admin, key.value)["code"] == "USAGE_EXCEEDED");
  // Topping up through PATCH works at once.
  REQUIRE(admin->Patch("/v1/orgs/acme/api-keys/" + key.id, {{"credits", {{"remaining", 1}}}}).status == 200);
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
  CHECK(Validate(*admin, key.value)["code"] == "USAGE_EXCEEDED");
}

TEST_CASE("a disabled key reads DISABLED and works again once enabled", "[e2e][gates]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  std::string path = "/v1/orgs/acme/api-keys/" + key.id;
  REQUIRE(admin->Patch(path, {{"enabled", false}, {"reason", "unpaid"}}).Json()["enabled"] == false);
  CHECK(Validate(*admin, key.value)["code"] == "DISABLED");
  REQUIRE(admin->Patch(path, {{"enabled", true}}).status == 200);
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
  auto events = KeyEvents(*admin, "acme", key.id);
  auto types = Types(events);
  CHECK(std::count(types.begin(), types.end(), "KeyDisabled") == 1);
  CHECK(std::count(types.begin(), types.end(), "KeyEnabled") == 1);
  for (const auto& e : events)
    if (e["type"] == "KeyDisabled") CHECK(e["data"]["reason"] == "unpaid");
  // A key created disabled.
  auto off = CreateKey(*admin, "acme", {{"enabled", false}});
  CHECK(Validate(*admin, off.value)["code"] == "DISABLED");
}

TEST_CASE("a key pinned to 10.0.0.0/8 reads IP_NOT_ALLOWED for 192.0.2.1", "[e2e][gates]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"ip_allowlist", {"10.0.0.0/8", "2001:db8::/32"}}});
  CHECK(Validate(*admin, key.value, {{"ip", "192.0.2.1"}})["code"] == "IP_NOT_ALLOWED");
  CHECK(Validate(*admin, key.value, {{"ip", "10.20.30.40"}})["code"] == "VALID");
  CHECK(Validate(*admin, key.value, {{"ip", "2001:db8::1"}})["code"] == "VALID");
  CHECK(Validate(*admin, key.value, {{"ip", "2001:db9::1"}})["code"] == "IP_NOT_ALLOWED");
  // Without an ip in the body, the X-Forwarded-For first hop is the caller.
  auto r = admin->Send("POST", "/v1/validations", json{{"value", key.value}}.dump(),
                       {"X-Forwarded-For: 10.1.1.1, 192.0.2.1"});
  CHECK(r.Json()["code"] == "VALID");
  CHECK(admin->Post("/v1/validations", {{"value", key.value}, {"ip", "not-an-ip"}}).status == 400);
  // The order: DISABLED comes before IP_NOT_ALLOWED.
  REQUIRE(admin->Patch("/v1/orgs/acme/api-keys/" + key.id, {{"enabled", false}}).status == 200);
  CHECK(Validate(*admin, key.value, {{"ip", "192.0.2.1"}})["code"] == "DISABLED");
}

TEST_CASE("credits are exact under concurrency: 1000 validations of a key with 100 credits give 100 VALID",
          "[e2e][gates]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"credits", {{"remaining", 100}}}});
  std::atomic<int> valid{0}, exceeded{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      Client c(server.Url(), Server::kAdminToken);
      for (int i = t; i < 1000; i += 16) {
        auto code = Validate(c, key.value)["code"];
        if (code == "VALID") ++valid;
        else if (code == "USAGE_EXCEEDED") ++exceeded;
        else ++other;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(valid == 100);
  CHECK(exceeded == 900);
  CHECK(other == 0);

  // The last credits, spent by validations that are all in flight at once
  // (tests/e2e/overlapping_requests.h): 10 credits, 16 requests, 10 VALID.
  auto few = CreateKey(*admin, "acme", {{"credits", {{"remaining", 10}}}});
  auto sent = SendOverlapping(server, std::vector<std::string>(16, AdminRequest("POST", "/v1/validations",
                                                                                 json{{"value", few.value}}.dump())));
  CHECK(sent.pending_at_release == 16);
  int few_valid = 0, few_exceeded = 0;
  for (size_t i = 0; i < sent.responses.size(); ++i) {
    INFO(sent.responses[i]);
    REQUIRE(sent.statuses[i] == 200);
    auto code = json::parse(sent.responses[i].substr(sent.responses[i].find("\r\n\r\n") + 4))["code"];
    few_valid += code == "VALID";
    few_exceeded += code == "USAGE_EXCEEDED";
  }
  CHECK(few_valid == 10);
  CHECK(few_exceeded == 6);
}

TEST_CASE("rate limits: at most `limit` per window, with remaining and reset_at", "[e2e][gates]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"ratelimit", {{"limit", 5}, {"window_ms", 3600000}}}});
  std::atomic<int> valid{0}, limited{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      Client c(server.Url(), Server::kAdminToken);
      for (int i = 0; i < 5; ++i) {
        auto v = Validate(c, key.value);
        if (v["code"] == "VALID") ++valid;
        else if (v["code"] == "RATE_LIMITED") ++limited;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(valid == 5);
  CHECK(limited == 35);
  auto v = Validate(*admin, key.value);
  CHECK(v["ratelimit"]["limit"] == 5);
  CHECK(v["ratelimit"]["remaining"] == 0);
  CHECK(v["ratelimit"]["reset_at"].is_string());
}

TEST_CASE("gate input errors name their fields", "[e2e][gates]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto r = admin->Post("/v1/orgs/acme/api-keys",
                       {{"name", "x"},
                        {"ip_allowlist", {"10.0.0.0/33", "banana"}},
                        {"credits", {{"remaining", -1}, {"refill", {{"amount", 0}, {"interval", "weekly"}}}}},
                        {"ratelimit", {{"limit", 0}, {"window_ms", 50}}}});
  REQUIRE(r.status == 400);
  auto fields = r.Json()["error"]["details"]["fields"];
  for (const char* f : {"ip_allowlist", "credits.remaining", "credits.refill.amount", "credits.refill.interval",
                        "ratelimit.limit", "ratelimit.window_ms"})
    CHECK(fields.contains(f));
  auto refill_only = admin->Post("/v1/orgs/acme/api-keys",
                                 {{"name", "x"}, {"credits", {{"refill", {{"amount", 5}, {"interval", "daily"}}}}}});
  CHECK(refill_only.status == 400);
  CHECK(refill_only.Json()["error"]["details"]["fields"].contains("credits.remaining"));
  CHECK(admin->Post("/v1/orgs/acme/api-keys", {{"name", "x"}, {"ratelimit", {{"limit", 1}, {"window_ms", 86400001}}}})
            .status == 400);
}
