// Strict input on /v1: a misspelled member or parameter is refused with 400 naming it (and the
// known name it is closest to), nothing is appended, and the target is left as it was
// (docs/api.md, "Unknown fields").
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

// The head of the log: a refused request must not move it.
uint64_t HeadSeq(Client& admin) { return admin.Get("/v1/ledger/head").Json()["seq"].get<uint64_t>(); }

void CheckUnknown(const Response& r, const std::string& field, const std::string& suggestion) {
  INFO(r.body);
  REQUIRE(r.status == 400);
  auto j = r.Json();
  CHECK(j["error"]["code"] == "validation_error");
  const auto& fields = j["error"]["details"]["fields"];
  REQUIRE(fields.contains(field));
  std::string why = fields[field];
  CHECK(why.rfind("is not a known field", 0) == 0);
  if (suggestion.empty()) {
    CHECK(why.find("did you mean") == std::string::npos);
  } else {
    CHECK(why.find("did you mean " + suggestion + "?") != std::string::npos);
    // The message repeats the first unknown name with its hint.
    if (fields.size() == 1) CHECK(j["error"]["message"] == "unknown field " + field + "; did you mean " + suggestion + "?");
  }
}

}  // namespace

TEST_CASE("a misspelled create member is refused and creates nothing", "[e2e][strict]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  uint64_t before = HeadSeq(*admin);

  auto r = admin->Post("/v1/orgs/acme/api-keys",
                       {{"name", "svc"}, {"ip_alowlist", {"10.0.0.0/8"}}, {"expires_in", 60}});
  CheckUnknown(r, "ip_alowlist", "ip_allowlist");
  CheckUnknown(r, "expires_in", "expires_at");
  CheckUnknown(admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"ip_alowlist", {"10.0.0.0/8"}}}), "ip_alowlist",
               "ip_allowlist");
  CheckUnknown(admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"colour", "red"}}), "colour", "");
  // Nested fixed shapes are checked; metadata is free-form.
  r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"credits", {{"remaining", 5}, {"refill", {{"amout", 1}, {"interval", "daily"}}}}}});
  CheckUnknown(r, "credits.refill.amout", "amount");
  r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"ratelimit", {{"limit", 5}, {"window", 1000}}}});
  CheckUnknown(r, "ratelimit.window", "");
  r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"owner", {{"type", "user"}, {"idd", "u1"}}}});
  CheckUnknown(r, "owner.idd", "id");
  // A null where the contract says string is a type error, not "absent".
  r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"prefix", nullptr}});
  REQUIRE(r.status == 400);
  CHECK(r.Json()["error"]["details"]["fields"].contains("prefix"));
  CHECK(HeadSeq(*admin) == before);
  CHECK(admin->Get("/v1/orgs/acme/api-keys").Json()["data"].empty());

  // The same body spelled right is accepted, metadata with any members included.
  r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "svc"}, {"ip_allowlist", {"10.0.0.0/8"}}, {"ttl_seconds", 60},
                                             {"metadata", {{"anything", {{"goes", 1}}}}}});
  CHECK(r.status == 201);
}

TEST_CASE("a misspelled validation member is refused, never answered VALID", "[e2e][strict]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"permissions", {"posts:write"}}});
  uint64_t before = HeadSeq(*admin);

  auto r = admin->Post("/v1/validations", {{"value", key.value}, {"required_permission", {"posts:read"}}});
  CheckUnknown(r, "required_permission", "required_permissions");
  // Through the fast reader's shape too: plain ASCII members only.
  r = admin->Send("POST", "/v1/validations", R"({"value":")" + key.value + R"(","ipp":"10.0.0.1"})",
                  {"Content-Type: application/json"});
  CheckUnknown(r, "ipp", "ip");
  r = admin->Post("/v1/validations", {{"value", key.value}, {"required_permissions", nullptr}});
  CHECK(r.status == 400);
  // Spelled right, the permission it lacks is reported.
  CHECK(Validate(*admin, key.value, {{"required_permissions", {"posts:read"}}})["code"] == "INSUFFICIENT_PERMISSIONS");
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
  (void)before;
}

TEST_CASE("a misspelled PATCH member is refused and the key is left as it was", "[e2e][strict]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  std::string path = "/v1/orgs/acme/api-keys/" + key.id;
  uint64_t before = HeadSeq(*admin);

  CheckUnknown(admin->Patch(path, {{"enabld", false}}), "enabld", "enabled");
  CheckUnknown(admin->Patch(path, {{"name", "new"}, {"credits", {{"remainig", 3}}}}), "credits.remainig", "remaining");
  CheckUnknown(admin->Post(path + "/rotate", {{"grace_second", 10}}), "grace_second", "grace_seconds");
  CheckUnknown(admin->Delete(path, {{"reson", "x"}}), "reson", "reason");
  CHECK(HeadSeq(*admin) == before);
  auto now = admin->Get(path).Json();
  CHECK(now["enabled"] == true);
  CHECK(now["name"] == "key");
  CHECK(now["status"] == "active");
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
}

TEST_CASE("organization bodies, leak reports and every query string are checked", "[e2e][strict]") {
  Server server;
  auto admin = server.Admin();
  uint64_t before = HeadSeq(*admin);
  CheckUnknown(admin->Post("/v1/orgs", {{"name", "Acme"}, {"idd", "acme"}}), "idd", "id");
  CHECK(HeadSeq(*admin) == before);
  CreateOrg(*admin, "acme");
  before = HeadSeq(*admin);
  CheckUnknown(admin->Patch("/v1/orgs/acme", {{"stauts", "suspended"}}), "stauts", "status");
  CheckUnknown(admin->Post("/v1/leaks", json::array({{{"token", "x"}, {"tpye", "t"}}})), "[0].tpye", "type");
  auto leak_null = admin->Post("/v1/leaks", json::array({{{"token", "x"}, {"type", nullptr}}}));
  CHECK(leak_null.status == 400);
  CHECK(leak_null.Json()["error"]["details"]["fields"].contains("[0].type"));
  CheckUnknown(admin->Post("/v1/exports", {{"fromat", "csv"}}), "fromat", "format");
  CHECK(HeadSeq(*admin) == before);
  CHECK(admin->Get("/v1/orgs/acme").Json()["status"] == "active");

  CheckUnknown(admin->Get("/v1/orgs/acme/api-keys?limt=1"), "limt", "limit");
  CheckUnknown(admin->Get("/v1/orgs?curser=x"), "curser", "cursor");
  CheckUnknown(admin->Get("/v1/events?org=acme"), "org", "");
  CheckUnknown(admin->Get("/v1/ledger/head?x=1"), "x", "");
  CheckUnknown(Client(server.Url()).Get("/v1/ledger/public-key?format=pem"), "format", "");
  CHECK(admin->Get("/v1/orgs/acme/api-keys?limit=1").status == 200);
  // Unauthenticated callers learn nothing about a route's parameters.
  CHECK(Client(server.Url()).Get("/v1/orgs?curser=x").status == 401);
}

TEST_CASE("the feed reads newest first with order=desc", "[e2e][strict]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  for (int i = 0; i < 3; ++i) CreateKey(*admin, "acme");
  uint64_t head = HeadSeq(*admin);
  auto page = admin->Get("/v1/events?order=desc&limit=2").Json();
  REQUIRE(page["data"].size() == 2);
  CHECK(page["data"][0]["seq"] == head);
  CHECK(page["data"][1]["seq"] == head - 1);
  CHECK(page["next_before_seq"] == head - 1);
  auto older = admin->Get("/v1/events?order=desc&before_seq=" + std::to_string(head - 1)).Json();
  REQUIRE(older["data"].size() == head - 2);
  CHECK(older["data"][0]["seq"] == head - 2);
  CHECK(older["next_before_seq"].is_null());
  CHECK(admin->Get("/v1/events?order=desc&wait_ms=10").status == 400);
  CHECK(admin->Get("/v1/events?before_seq=3").status == 400);
}

TEST_CASE("keyledger help lists the subcommands and describes one", "[e2e][strict]") {
  auto [help_code, help] = RunCli("help");
  auto [dash_code, dash] = RunCli("--help");
  CHECK(help_code == 0);
  CHECK(help == dash);
  for (const char* sub : {"serve", "replay", "verify", "export", "verify-export"}) CHECK(help.find(sub) != std::string::npos);
  auto [serve_code, serve] = RunCli("help serve");
  CHECK(serve_code == 0);
  CHECK(serve.find("--data-dir") != std::string::npos);
  CHECK(serve.find("--listen") != std::string::npos);
  CHECK(RunCli("help nonsense").first == 2);
}
