// Usage, expiry, updates, rotation, tenants, management keys, idempotency, concurrency.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/overlapping_requests.h"

using namespace kl::e2e;

TEST_CASE("a 1-second TTL key validates, expires, and its history shows KeyUsed and KeyExpired", "[e2e][lifecycle]") {
  Server server({"--usage-flush-ms", "100"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"ttl_seconds", 1}});
  REQUIRE(key.api_key["expires_at"].is_string());
  auto v = Validate(*admin, key.value, {{"ip", "203.0.113.7"}, {"user_agent", "e2e/1"}});
  CHECK(v["code"] == "VALID");
  // The next read sees the use at once.
  auto got = admin->Get("/v1/orgs/acme/api-keys/" + key.id).Json();
  CHECK(got["usage_count"] == 1);
  CHECK(got["last_used_ip"] == "203.0.113.7");
  CHECK(got["last_used_user_agent"] == "e2e/1");

  int valid = 1;  // every VALID answer is a use, including those of the polling below
  REQUIRE(WaitFor([&] {
    auto code = Validate(*admin, key.value)["code"];
    valid += code == "VALID";
    return code == "EXPIRED";
  }, std::chrono::seconds(5)));
  std::vector<json> events;
  bool flushed = WaitFor([&] {
    events = KeyEvents(*admin, "acme", key.id);
    int64_t used = 0, expired = 0;
    for (const auto& e : events) {
      if (e["type"] == "KeyUsed") used += e["data"]["count"].get<int64_t>();
      expired += e["type"] == "KeyExpired";
    }
    return expired == 1 && used == valid;
  });
  INFO(json(Types(events)).dump());
  REQUIRE(flushed);
  for (const auto& e : events)
    if (e["type"] == "KeyExpired") {
      CHECK(e["actor"]["type"] == "system");
    } else if (e["type"] == "KeyUsed") {
      CHECK(e["actor"]["type"] == "system");
    }
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + key.id).Json()["status"] == "expired");
}

TEST_CASE("usage becomes one KeyUsed per key per flush window; failures of known keys become KeyUseRejected",
          "[e2e][lifecycle]") {
  Server server({"--usage-flush-ms", "60000"});  // one window for the whole test; shutdown flushes it
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  auto revoked = CreateKey(*admin, "acme");
  for (int i = 0; i < 5; ++i) CHECK(Validate(*admin, key.value)["code"] == "VALID");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + revoked.id).status == 200);
  for (int i = 0; i < 3; ++i) CHECK(Validate(*admin, revoked.value)["code"] == "REVOKED");
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + key.id).Json()["usage_count"] == 5);
  REQUIRE(server.Stop() == 0);  // a clean shutdown loses no usage
  server.Start();
  auto used = KeyEvents(*admin, "acme", key.id);
  REQUIRE(Types(used) == std::vector<std::string>{"KeyCreated", "KeyUsed"});
  CHECK(used[1]["data"]["count"] == 5);
  auto rejected = KeyEvents(*admin, "acme", revoked.id);
  REQUIRE(Types(rejected) == std::vector<std::string>{"KeyCreated", "KeyRevoked", "KeyUseRejected"});
  CHECK(rejected[2]["data"]["code"] == "REVOKED");
  CHECK(rejected[2]["data"]["count"] == 3);
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + key.id).Json()["usage_count"] == 5);
}

TEST_CASE("PATCH: only what changed, If-Match, 409 on revoked keys, 400 naming fields", "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"name", "one"}, {"description", "d"}});
  std::string path = "/v1/orgs/acme/api-keys/" + key.id;
  auto r = admin->Patch(path, {{"name", "two"}, {"description", "d"}});
  REQUIRE(r.status == 200);
  CHECK(r.Json()["name"] == "two");
  CHECK(r.Json()["version"] == 2);
  auto events = KeyEvents(*admin, "acme", key.id);
  REQUIRE(events.size() == 2);
  CHECK(events[1]["data"] == json{{"name", "two"}});  // description did not change

  CHECK(admin->Patch(path, {{"name", "three"}}, {"If-Match: 1"}).status == 412);
  CHECK(admin->Patch(path, {{"name", "three"}}, {"If-Match: 2"}).status == 200);
  CHECK(admin->Patch(path, {{"expires_at", nullptr}, {"description", nullptr}}).Json()["description"].is_null());

  auto bad = admin->Patch(path, {{"name", 5}, {"expires_at", "yesterday"}, {"permissions", {"NO WAY"}}});
  CHECK(bad.status == 400);
  auto fields = bad.Json()["error"]["details"]["fields"];
  CHECK(fields.contains("name"));
  CHECK(fields.contains("expires_at"));
  CHECK(fields.contains("permissions"));

  REQUIRE(admin->Delete(path, {{"reason", "done"}}).status == 200);
  CHECK(admin->Patch(path, {{"name", "four"}}).status == 409);
}

TEST_CASE("rotation copies the key, links both ways and expires the old one after the grace period",
          "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto old = CreateKey(*admin, "acme",
                       {{"name", "svc"}, {"permissions", {"posts:read"}}, {"environment", "test"}, {"prefix", "pk"},
                        {"metadata", {{"team", "core"}}}, {"project_id", "p1"}});
  auto r = admin->Post("/v1/orgs/acme/api-keys/" + old.id + "/rotate", {{"grace_seconds", 1}});
  REQUIRE(r.status == 201);
  auto fresh = r.Json();
  std::string value = fresh["value"];
  CHECK(value.rfind("pk_test_", 0) == 0);
  CHECK(fresh["api_key"]["rotated_from"] == old.id);
  for (const char* f : {"name", "permissions", "environment", "prefix", "metadata", "project_id", "owner"})
    CHECK(fresh["api_key"][f] == old.api_key[f]);
  auto before = admin->Get("/v1/orgs/acme/api-keys/" + old.id).Json();
  CHECK(before["rotated_to"] == fresh["api_key"]["id"]);
  CHECK(Validate(*admin, old.value)["code"] == "VALID");  // within the grace period
  CHECK(Validate(*admin, value)["code"] == "VALID");
  REQUIRE(WaitFor([&] { return Validate(*admin, old.value)["code"] == "EXPIRED"; }, std::chrono::seconds(5)));
  auto types = Types(KeyEvents(*admin, "acme", old.id));
  CHECK(std::count(types.begin(), types.end(), "KeyRotated") == 1);
  CHECK(admin->Post("/v1/orgs/acme/api-keys/" + old.id + "/rotate", {{"grace_seconds", -1}}).status == 400);
  CHECK(admin->Post("/v1/orgs/acme/api-keys/" + old.id + "/rotate", {{"grace_seconds", 2592001}}).status == 400);
}

TEST_CASE("tenant status gates writes and validation", "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  for (const char* status : {"past_due", "trial_expired", "decommissioning"}) {
    REQUIRE(admin->Patch("/v1/orgs/acme", {{"status", status}}).status == 200);
    auto c = admin->Post("/v1/orgs/acme/api-keys", {{"name", "x"}});
    CHECK(c.status == 402);
    CHECK(c.Json()["error"]["code"] == "tenant_inactive");
    CHECK(c.Json()["error"]["details"]["status"] == status);
    CHECK(admin->Patch("/v1/orgs/acme/api-keys/" + key.id, {{"name", "y"}}).status == 402);
    CHECK(admin->Post("/v1/orgs/acme/api-keys/" + key.id + "/rotate", json::object()).status == 402);
    CHECK(Validate(*admin, key.value)["code"] ==
          (std::string(status) == "decommissioning" ? "TENANT_INACTIVE" : "VALID"));
  }
  CHECK(admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);  // revocation is always allowed
}

TEST_CASE("management keys: scopes, org isolation, actors, and revocation takes effect at once", "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto mgmt = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  auto reader = CreateKey(*admin, "acme", {{"permission_set", "read_only"}});
  auto validator = CreateKey(*admin, "acme", {{"permission_set", "validator"}});
  auto beta_key = CreateKey(*admin, "beta");
  Client as_mgmt(server.Url(), mgmt.value), as_reader(server.Url(), reader.value),
      as_validator(server.Url(), validator.value);

  auto made = as_mgmt.Post("/v1/orgs/acme/api-keys", {{"name", "by key"}});
  REQUIRE(made.status == 201);
  CHECK(made.Json()["api_key"]["created_by"] == json{{"type", "api_key"}, {"id", mgmt.id}});
  auto ev = KeyEvents(*admin, "acme", made.Json()["api_key"]["id"]);
  CHECK(ev[0]["actor"] == json{{"type", "api_key"}, {"id", mgmt.id}});

  CHECK(as_mgmt.Get("/v1/orgs/beta/api-keys").status == 403);
  CHECK(as_mgmt.Post("/v1/orgs/beta/api-keys", {{"name", "x"}}).status == 403);
  CHECK(as_reader.Get("/v1/orgs/acme/api-keys").status == 200);
  CHECK(as_reader.Post("/v1/orgs/acme/api-keys", {{"name", "x"}}).status == 403);
  CHECK(as_validator.Get("/v1/orgs/acme/api-keys").status == 403);
  CHECK(Validate(as_validator, mgmt.value)["code"] == "VALID");
  CHECK(Validate(as_validator, beta_key.value)["code"] == "NOT_FOUND");  // another org's key
  CHECK(as_mgmt.Post("/v1/orgs", {{"name", "nope"}}).status == 403);     // admin only

  Client plain(server.Url(), beta_key.value);  // no management scope: not a credential
  CHECK(plain.Get("/v1/orgs/beta/api-keys").status == 401);

  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + mgmt.id).status == 200);
  CHECK(as_mgmt.Get("/v1/orgs/acme/api-keys").status == 401);
}

TEST_CASE("management keys: a kept-alive connection loses its rights as soon as its key expires, is disabled or revoked",
          "[e2e][lifecycle]") {
  // Each Client keeps one connection, and the server remembers a connection's last
  // authentication: these are the cases where that memory must not answer.
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto brief = CreateKey(*admin, "acme", {{"permission_set", "full_access"}, {"ttl_seconds", 1}});
  auto steady = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  Client as_brief(server.Url(), brief.value), as_steady(server.Url(), steady.value);
  const std::string list = "/v1/orgs/acme/api-keys";
  REQUIRE(as_brief.Get(list).status == 200);
  REQUIRE(as_steady.Get(list).status == 200);

  // Expiry by time commits nothing at that instant (the sweeper's KeyExpired comes later): a
  // request sent after expires_at is refused all the same. Server and test share the clock.
  auto millis_now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::string at = brief.api_key["expires_at"];  // 2026-12-03T10:41:55.705Z
  std::tm tm{};
  std::istringstream(at.substr(0, 19)) >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  const long long expires_ms = static_cast<long long>(timegm(&tm)) * 1000 + std::stoi(at.substr(20, 3));
  int served_after_expiry = 0;
  CHECK(WaitFor([&] {
    long long sent = millis_now();
    int status = as_brief.Get(list).status;
    served_after_expiry += sent > expires_ms && status == 200;
    return status == 401;
  }));
  CHECK(served_after_expiry == 0);

  std::string path = "/v1/orgs/acme/api-keys/" + steady.id;
  REQUIRE(admin->Patch(path, {{"enabled", false}}).status == 200);
  CHECK(as_steady.Get(list).status == 401);
  REQUIRE(admin->Patch(path, {{"enabled", true}}).status == 200);
  CHECK(as_steady.Get(list).status == 200);
  CHECK(as_steady.Get(list).status == 200);  // remembered, and still right
  REQUIRE(admin->Delete(path).status == 200);
  CHECK(as_steady.Get(list).status == 401);

  // A different token on the same connection is checked afresh, never answered from memory.
  as_steady.SetToken("sk_live_" + std::string(49, 'a'));
  CHECK(as_steady.Get(list).status == 401);
}

TEST_CASE("Idempotency-Key: a retry replays without the secret, another body conflicts, and it survives a restart",
          "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  json body = {{"name", "ci"}};
  auto first = admin->Post("/v1/orgs/acme/api-keys", body, {"Idempotency-Key: abc-1"});
  REQUIRE(first.status == 201);
  auto again = admin->Post("/v1/orgs/acme/api-keys", body, {"Idempotency-Key: abc-1"});
  CHECK(again.status == 200);
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK_FALSE(again.Json().contains("value"));
  CHECK(again.Json()["api_key"]["id"] == first.Json()["api_key"]["id"]);
  CHECK(admin->Post("/v1/orgs/acme/api-keys", {{"name", "other"}}, {"Idempotency-Key: abc-1"}).status == 409);
  REQUIRE(server.Stop() == 0);
  server.Start();
  auto after = admin->Post("/v1/orgs/acme/api-keys", body, {"Idempotency-Key: abc-1"});
  CHECK(after.status == 200);
  CHECK(after.Json()["api_key"]["id"] == first.Json()["api_key"]["id"]);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?status=all").Json()["data"].size() == 1);
}

TEST_CASE("concurrency: eight revokes append one KeyRevoked; one of eight same-If-Match patches wins",
          "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  // All eight are in flight at once (tests/e2e/overlapping_requests.h), not merely sent from
  // eight threads that might have run one after the other.
  auto revokes = SendOverlapping(server, std::vector<std::string>(8, AdminRequest("DELETE", "/v1/orgs/acme/api-keys/" + key.id)));
  CHECK(revokes.pending_at_release == 8);
  for (int status : revokes.statuses) CHECK(status == 200);
  auto types = Types(KeyEvents(*admin, "acme", key.id));
  CHECK(std::count(types.begin(), types.end(), "KeyRevoked") == 1);

  auto other = CreateKey(*admin, "acme");
  std::vector<std::string> patches;
  for (int i = 0; i < 8; ++i)
    patches.push_back(AdminRequest("PATCH", "/v1/orgs/acme/api-keys/" + other.id,
                                   json{{"name", "n" + std::to_string(i)}}.dump(), {"If-Match: 1"}));
  auto patched = SendOverlapping(server, patches);
  CHECK(patched.pending_at_release == 8);
  CHECK(std::count(patched.statuses.begin(), patched.statuses.end(), 200) == 1);
  CHECK(std::count(patched.statuses.begin(), patched.statuses.end(), 412) == 7);
  // The winner's name is the one stored, at version 2.
  auto stored = admin->Get("/v1/orgs/acme/api-keys/" + other.id).Json();
  auto winner = std::find(patched.statuses.begin(), patched.statuses.end(), 200) - patched.statuses.begin();
  CHECK(stored["name"] == "n" + std::to_string(winner));
  CHECK(stored["version"] == 2);
}

TEST_CASE("required_permissions and bad validation input", "[e2e][lifecycle]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"permissions", {"posts:read"}}});
  CHECK(Validate(*admin, key.value, {{"required_permissions", {"posts:read"}}})["code"] == "VALID");
  CHECK(Validate(*admin, key.value, {{"required_permissions", {"posts:write"}}})["code"] == "INSUFFICIENT_PERMISSIONS");
  CHECK(admin->Post("/v1/validations", {{"value", 5}}).status == 400);
  // A string is a permission query (docs/access.md): one with a syntax error is refused.
  CHECK(admin->Post("/v1/validations", {{"value", key.value}, {"required_permissions", "x AND"}}).status == 400);
  CHECK(admin->Post("/v1/validations", {{"value", key.value}, {"required_permissions", 7}}).status == 400);
  for (json bad : {json{{"name", "x"}, {"ttl_seconds", -5}}, json{{"name", "x"}, {"ttl_seconds", 315360001}},
                   json{{"name", "x"}, {"ttl_seconds", 5}, {"expires_at", "2099-01-01T00:00:00Z"}},
                   json{{"name", "x"}, {"environment", "prod"}}, json{{"name", 7}}}) {
    auto r = admin->Post("/v1/orgs/acme/api-keys", bad);
    CHECK(r.status == 400);
    CHECK(r.Json()["error"]["code"] == "validation_error");
  }
}
