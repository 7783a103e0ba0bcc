// Leaked-key reports (docs/api.md, "Leaked-key reports"), POST /v1/leaks end to end.
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
std::string Sha256Hex(const std::string& text) {
  FILE* p = ::popen(("printf '%s' '" + text + "' | sha256sum").c_str(), "r");
  char buf[65] = {0};
  size_t n = fread(buf, 1, 64, p);
  ::pclose(p);
  return std::string(buf, n);
}
json Report(const std::string& token, const std::string& url = "https://github.com/octo/repo/blob/main/.env") {
  return {{"token", token}, {"type", "keyledger_api_key"}, {"url", url}, {"source", "content"}};
}
}  // namespace

TEST_CASE("a reported live key is revoked as leaked; unknown and bad tokens are false positives",
          "[e2e][leaks]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto live = CreateKey(*admin, "acme", {{"permissions", {"posts:read"}}});
  // A rotated successor stays untouched: only the key whose secret leaked is revoked.
  auto old = CreateKey(*admin, "acme");
  auto rotated = admin->Post("/v1/orgs/acme/api-keys/" + old.id + "/rotate", {{"grace_seconds", 3600}});
  REQUIRE(rotated.status == 201);
  std::string successor_id = rotated.Json()["api_key"]["id"], successor_value = rotated.Json()["value"];

  // Well-formed (valid checksum) but no such key: an unused secret of another deployment.
  auto stranger_server = std::make_unique<Server>();
  auto stranger_admin = stranger_server->Admin();
  CreateOrg(*stranger_admin, "other");
  std::string unknown = CreateKey(*stranger_admin, "other").value;
  stranger_server.reset();
  std::string bad_checksum = live.value;
  bad_checksum.back() = bad_checksum.back() == 'a' ? 'b' : 'a';

  json body = json::array({Report(live.value), Report(unknown), Report(bad_checksum), Report("not a key at all"),
                           Report(old.value, "https://pastebin.example/abc")});
  auto r = admin->Post("/v1/leaks", body);
  REQUIRE(r.status == 200);
  for (const auto& secret : {live.value, unknown, bad_checksum, old.value}) CHECK(r.body.find(secret) == std::string::npos);
  auto verdicts = r.Json();
  REQUIRE(verdicts.size() == 5);
  const char* labels[] = {"true_positive", "false_positive", "false_positive", "false_positive", "true_positive"};
  const std::string tokens[] = {live.value, unknown, bad_checksum, "not a key at all", old.value};
  for (size_t i = 0; i < 5; ++i) {
    INFO(i);
    CHECK(verdicts[i]["label"] == labels[i]);
    CHECK(verdicts[i]["token_hash"] == Sha256Hex(tokens[i]));
    CHECK(verdicts[i]["token_type"] == "keyledger_api_key");
  }

  auto key = admin->Get("/v1/orgs/acme/api-keys/" + live.id).Json();
  CHECK(key["status"] == "revoked");
  CHECK(key["revoke_reason"] == "leaked");
  auto events = KeyEvents(*admin, "acme", live.id);
  REQUIRE(Types(events) == std::vector<std::string>{"KeyCreated", "KeyLeakReported", "KeyRevoked"});
  CHECK(events[1]["data"] == json{{"url", "https://github.com/octo/repo/blob/main/.env"}, {"source", "content"}});
  CHECK(events[1]["actor"] == json{{"type", "admin"}, {"id", "admin"}});
  CHECK(events[2]["data"]["reason"] == "leaked");
  CHECK(events[1]["request_id"] == events[2]["request_id"]);
  CHECK(Validate(*admin, live.value)["code"] == "REVOKED");

  // The rotated predecessor is revoked; its successor is not.
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + old.id).Json()["status"] == "revoked");
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + successor_id).Json()["status"] == "active");
  CHECK(Validate(*admin, successor_value)["code"] == "VALID");

  // A repeat report of a revoked key is recorded again (each sighting is audited), revokes nothing.
  auto again = admin->Post("/v1/leaks", json::array({Report(live.value, "https://gist.example/2")}));
  REQUIRE(again.status == 200);
  CHECK(again.Json()[0]["label"] == "true_positive");
  CHECK(Types(KeyEvents(*admin, "acme", live.id)) ==
        std::vector<std::string>{"KeyCreated", "KeyLeakReported", "KeyRevoked", "KeyLeakReported"});
  // The whole log still verifies and the projections equal fold(log).
  int stopped = server.Stop();
  INFO(server.Log());
  REQUIRE(stopped == 0);
  auto [code, out] = RunCli("verify --data-dir " + server.DataDir());
  INFO(out);
  CHECK(code == 0);
}

TEST_CASE("POST /v1/leaks: who may report, and what a bad body gets", "[e2e][leaks]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto full = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  auto reporter = CreateKey(*admin, "acme", {{"permission_set", "custom"}, {"permissions", {"leaks:report"}}});
  auto victim = CreateKey(*admin, "beta");

  Client as_full(server.Url(), full.value);
  auto denied = as_full.Post("/v1/leaks", json::array({Report(victim.value)}));
  CHECK(denied.status == 403);
  CHECK(denied.Json()["error"]["code"] == "permission_denied");
  CHECK(Client(server.Url()).Post("/v1/leaks", json::array()).status == 401);
  CHECK(admin->Get("/v1/orgs/beta/api-keys/" + victim.id).Json()["status"] == "active");

  // A reporter key of one org revokes a key of another: the full secret is the proof.
  Client as_reporter(server.Url(), reporter.value);
  auto ok = as_reporter.Post("/v1/leaks", json::array({Report(victim.value)}));
  REQUIRE(ok.status == 200);
  CHECK(ok.Json()[0]["label"] == "true_positive");
  CHECK(ok.body.find(victim.value) == std::string::npos);
  auto events = KeyEvents(*admin, "beta", victim.id);
  REQUIRE(events.size() == 3);
  CHECK(events[1]["actor"] == json{{"type", "api_key"}, {"id", reporter.id}});
  CHECK(events[2]["actor"] == json{{"type", "api_key"}, {"id", reporter.id}});
  CHECK(Validate(*admin, victim.value)["code"] == "REVOKED");

  auto not_array = admin->Post("/v1/leaks", Report(victim.value));
  CHECK(not_array.status == 400);
  CHECK(not_array.Json()["error"]["code"] == "validation_error");
  CHECK(not_array.Json()["error"]["details"]["fields"].contains("body"));
  CHECK(not_array.body.find(victim.value) == std::string::npos);

  auto bad_entries = admin->Post("/v1/leaks", json::array({Report(full.value), json{{"type", "t"}},
                                                           json{{"token", 42}}, json("a string")}));
  CHECK(bad_entries.status == 400);
  auto fields = bad_entries.Json()["error"]["details"]["fields"];
  CHECK(fields.contains("[1].token"));
  CHECK(fields.contains("[2].token"));
  CHECK(fields.contains("[3]"));
  CHECK_FALSE(fields.contains("[0].token"));
  // Nothing was appended for the valid entry of a refused request.
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + full.id).Json()["status"] == "active");

  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(json{{"token", "x"}});
  auto too_many = admin->Post("/v1/leaks", many);
  CHECK(too_many.status == 400);
  CHECK(too_many.Json()["error"]["details"]["fields"].contains("body"));
  CHECK(admin->Post("/v1/leaks", json::array()).Json() == json::array());
}
