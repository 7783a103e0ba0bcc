// Every endpoint × every kind of caller, asserting the status each must get.
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

TEST_CASE("authorization matrix", "[e2e][security]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  std::map<std::string, std::string> token = {
      {"none", ""},
      {"bad", "sk_live_thisisnotarealkeythisisnotarealkeythisisnota"},
      {"admin", Server::kAdminToken},
      {"full", CreateKey(*admin, "acme", {{"permission_set", "full_access"}}).value},
      {"other", CreateKey(*admin, "beta", {{"permission_set", "full_access"}}).value},
      {"read_only", CreateKey(*admin, "acme", {{"permission_set", "read_only"}}).value},
      {"validator", CreateKey(*admin, "acme", {{"permission_set", "validator"}}).value},
  };
  auto revoked = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + revoked.id).status == 200);
  token["revoked"] = revoked.value;
  token["reporter"] = CreateKey(*admin, "acme", {{"permissions", {"leaks:report"}}}).value;
  auto expired = CreateKey(*admin, "acme", {{"permission_set", "full_access"}, {"ttl_seconds", 1}});
  token["expired"] = expired.value;
  REQUIRE(WaitFor([&] { return Validate(*admin, expired.value)["code"] == "EXPIRED"; }, std::chrono::seconds(5)));
  auto sample = CreateKey(*admin, "acme");

  struct Cell {
    std::string method, path;
    json body;
    std::map<std::string, int> expect;  // caller -> status
  };
  const int U = 401;
  // The callers every authenticated endpoint refuses alike.
  auto refused = [&](std::map<std::string, int> m) {
    for (const char* who : {"none", "bad", "revoked", "expired"}) m.emplace(who, U);
    return m;
  };
  std::string key_path = "/v1/orgs/acme/api-keys/" + sample.id;
  json hook_body = {{"url", "https://siem.example/hook"}, {"event_types", {"*"}}};
  auto hook = admin->Post("/v1/orgs/acme/webhooks", hook_body);
  REQUIRE(hook.status == 201);
  std::string hook_path = "/v1/orgs/acme/webhooks/" + hook.Json()["webhook"]["id"].get<std::string>();
  std::vector<Cell> cells = {
      {"GET", "/healthz", nullptr, {{"none", 200}, {"bad", 200}, {"admin", 200}}},
      {"GET", "/v1/ledger/public-key", nullptr, {{"none", 200}, {"full", 200}}},
      {"GET", "/v1/orgs", nullptr, refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 200}})},
      {"POST", "/v1/orgs", json{{"name", "n"}}, refused({{"admin", 201}, {"full", 403}, {"read_only", 403}})},
      {"GET", "/v1/orgs/acme", nullptr, refused({{"admin", 200}, {"full", 200}, {"other", 403}})},
      {"PATCH", "/v1/orgs/acme", json{{"name", "Acme"}}, refused({{"admin", 200}, {"full", 403}, {"other", 403}})},
      {"POST", "/v1/orgs/acme/api-keys", json{{"name", "n"}},
       refused({{"admin", 201}, {"full", 201}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"GET", "/v1/orgs/acme/api-keys", nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 403}, {"validator", 403}})},
      {"GET", key_path, nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 403}, {"validator", 403}})},
      {"PATCH", key_path, json{{"description", "d"}},
       refused({{"admin", 200}, {"full", 200}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"GET", key_path + "/events", nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 403}, {"validator", 403}})},
      {"POST", "/v1/validations", json{{"value", sample.value}},
       refused({{"admin", 200}, {"full", 200}, {"validator", 200}, {"other", 200}, {"read_only", 403}})},
      {"GET", "/v1/events", nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 200}, {"validator", 403}})},
      {"GET", "/v1/events?org_id=acme", nullptr, refused({{"admin", 200}, {"full", 200}, {"other", 403}})},
      {"GET", "/v1/ledger/head", nullptr, refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"validator", 403}})},
      {"POST", "/v1/exports", json{{"org_id", "acme"}},
       refused({{"admin", 201}, {"full", 201}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"POST", "/v1/orgs/acme/webhooks", hook_body,
       refused({{"admin", 201}, {"full", 201}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"GET", "/v1/orgs/acme/webhooks", nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 403}, {"validator", 403}})},
      {"GET", hook_path, nullptr,
       refused({{"admin", 200}, {"full", 200}, {"read_only", 200}, {"other", 403}, {"validator", 403}})},
      {"PATCH", hook_path, json{{"status", "active"}},
       refused({{"admin", 200}, {"full", 200}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"POST", "/v1/admin/backups", json::object(),
       refused({{"admin", 201}, {"full", 403}, {"other", 403}, {"read_only", 403}, {"validator", 403}})},
      {"POST", "/v1/leaks", json::array(),
       refused({{"admin", 200}, {"reporter", 200}, {"full", 403}, {"other", 403}, {"read_only", 403},
                {"validator", 403}})},
  };
  for (const auto& cell : cells) {
    for (const auto& [who, status] : cell.expect) {
      Client c(server.Url(), token.at(who));
      auto r = cell.body.is_null() ? c.Send(cell.method, cell.path) : c.Send(cell.method, cell.path, cell.body.dump());
      INFO(cell.method << " " << cell.path << " as " << who << " -> " << r.status << " " << r.body.substr(0, 200));
      CHECK(r.status == status);
      if (status == 401) CHECK(r.Header("www-authenticate") == "Bearer");
    }
  }
  // Writes that consume their target, each on a fresh key.
  for (const std::string who : {"admin", "full", "other", "read_only", "validator", "revoked", "none"}) {
    auto target = CreateKey(*admin, "acme");
    std::string path = "/v1/orgs/acme/api-keys/" + target.id;
    bool may = who == "admin" || who == "full";
    int want = may ? 0 : (who == "revoked" || who == "none") ? 401 : 403;
    Client c(server.Url(), token.at(who));
    auto rotate = c.Send("POST", path + "/rotate", "{}");
    INFO("rotate as " << who << ": " << rotate.body);
    CHECK(rotate.status == (may ? 201 : want));
    auto revoke = c.Send("DELETE", path);
    INFO("revoke as " << who << ": " << revoke.body);
    CHECK(revoke.status == (may ? 200 : want));
    auto made = admin->Post("/v1/orgs/acme/webhooks", hook_body);
    REQUIRE(made.status == 201);
    auto unhook = c.Send("DELETE", "/v1/orgs/acme/webhooks/" + made.Json()["webhook"]["id"].get<std::string>());
    INFO("delete webhook as " << who << ": " << unhook.body);
    CHECK(unhook.status == (may ? 200 : want));
  }
}
