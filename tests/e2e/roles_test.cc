// Roles and permission queries end to end (docs/access.md).
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

uint64_t LastSeq(Client& c) {
  auto r = c.Get("/v1/events?order=desc&limit=1");
  if (r.status != 200) throw std::runtime_error("events: " + r.body);
  return r.Json()["data"][0]["seq"].get<uint64_t>();
}

}  // namespace

TEST_CASE("roles: define, grant at creation and later, effective permissions follow the role", "[e2e][roles]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto created = admin->Post("/v1/orgs/acme/roles", {{"name", "editor"}, {"permissions", {"posts:write", "posts:read"}}});
  REQUIRE(created.status == 201);
  CHECK(created.Header("location") == "/v1/orgs/acme/roles/editor");
  CHECK(created.Json()["permissions"] == json{"posts:write", "posts:read"});
  CHECK(admin->Post("/v1/orgs/acme/roles", {{"name", "editor"}, {"permissions", json::array()}}).status == 409);
  auto list = admin->Get("/v1/orgs/acme/roles");
  REQUIRE(list.status == 200);
  CHECK(list.Json()["data"].size() == 1);
  CHECK(admin->Get("/v1/orgs/acme/roles/editor").Json()["name"] == "editor");
  CHECK(admin->Get("/v1/orgs/acme/roles/nope").status == 404);

  auto key = CreateKey(*admin, "acme", {{"permissions", {"own"}}, {"roles", {"editor"}}});
  CHECK(key.api_key["roles"] == json{"editor"});
  CHECK(key.api_key["permissions"] == json{"own"});
  CHECK(key.api_key["effective_permissions"] == json{"own", "posts:write", "posts:read"});
  CHECK(Validate(*admin, key.value, {{"required_permissions", {"own", "posts:write"}}})["code"] == "VALID");

  // A role change reaches every key with it at once.
  uint64_t before_update = LastSeq(*admin);
  auto patched = admin->Patch("/v1/orgs/acme/roles/editor", {{"permissions", {"posts:read"}}});
  REQUIRE(patched.status == 200);
  auto denied = Validate(*admin, key.value, {{"required_permissions", {"own", "posts:write"}}});
  CHECK(denied["code"] == "INSUFFICIENT_PERMISSIONS");
  CHECK(denied["missing"] == json{"posts:write"});
  CHECK(admin->Get("/v1/orgs/acme/api-keys/" + key.id).Json()["effective_permissions"] == json{"own", "posts:read"});

  // as_of reads see the role as it was then.
  auto then = admin->Get("/v1/orgs/acme/api-keys/" + key.id + "?as_of_seq=" + std::to_string(before_update));
  REQUIRE(then.status == 200);
  CHECK(then.Json()["effective_permissions"] == json{"own", "posts:write", "posts:read"});

  // Grant and revoke after creation; both are events on the key's stream.
  REQUIRE(admin->Post("/v1/orgs/acme/roles", {{"name", "admin"}, {"permissions", {"admin"}}}).status == 201);
  auto granted = admin->Post("/v1/orgs/acme/api-keys/" + key.id + "/roles", {{"role", "admin"}});
  REQUIRE(granted.status == 200);
  CHECK(granted.Json()["roles"] == json{"editor", "admin"});
  CHECK(Validate(*admin, key.value, {{"required_permissions", "posts:read AND (posts:write OR admin)"}})["code"] ==
        "VALID");
  auto revoked = admin->Delete("/v1/orgs/acme/api-keys/" + key.id + "/roles/admin");
  REQUIRE(revoked.status == 200);
  CHECK(revoked.Json()["roles"] == json{"editor"});
  auto types = Types(KeyEvents(*admin, "acme", key.id));
  CHECK(std::count(types.begin(), types.end(), "RoleGranted") == 1);
  CHECK(std::count(types.begin(), types.end(), "RoleRevoked") == 1);
  CHECK(admin->Post("/v1/orgs/acme/api-keys/" + key.id + "/roles", {{"role", "ghost"}}).status == 404);

  // A role held by an active key is not deleted; once no key holds it, it is.
  auto held = admin->Delete("/v1/orgs/acme/roles/editor");
  CHECK(held.status == 409);
  CHECK(held.Json()["error"]["details"]["keys"] == "1");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id + "/roles/editor").status == 200);
  auto deleted = admin->Delete("/v1/orgs/acme/roles/editor");
  REQUIRE(deleted.status == 200);
  CHECK(deleted.Json()["deleted"] == true);
  CHECK(admin->Get("/v1/orgs/acme/roles/editor").status == 404);
}

TEST_CASE("roles: bad input is refused naming the field", "[e2e][roles]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto bad = admin->Post("/v1/orgs/acme/roles", {{"name", "Bad Name"}, {"permissions", {"ok"}}});
  CHECK(bad.status == 400);
  CHECK(bad.Json()["error"]["details"]["fields"].contains("name"));
  auto unknown = admin->Post("/v1/orgs/acme/roles", {{"name", "r"}, {"permissions", {"ok"}}, {"permisions", 1}});
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["error"]["details"]["fields"].contains("permisions"));
  auto no_role = admin->Post("/v1/orgs/acme/api-keys", {{"name", "k"}, {"roles", {"ghost"}}});
  CHECK(no_role.status == 400);
  CHECK(no_role.Json()["error"]["details"]["fields"]["roles"] == "names no role of the organization: ghost");
  auto key = CreateKey(*admin, "acme");
  auto grant_typo = admin->Post("/v1/orgs/acme/api-keys/" + key.id + "/roles", {{"rol", "x"}});
  CHECK(grant_typo.status == 400);
  CHECK(grant_typo.Json()["error"]["details"]["fields"].contains("rol"));
  CHECK(admin->Patch("/v1/orgs/acme/roles/ghost", {{"permissions", {"a"}}}).status == 404);
  CHECK(admin->Delete("/v1/orgs/acme/roles/ghost").status == 404);
  CHECK(admin->Get("/v1/orgs/nope/roles").status == 404);
}

TEST_CASE("permission queries: a query string or a list, with the failed clause and syntax errors", "[e2e][roles]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"permissions", {"posts:read"}}});
  auto ok = Validate(*admin, key.value, {{"required_permissions", "posts:read AND (posts:write OR posts:read)"}});
  CHECK(ok["code"] == "VALID");
  auto failed = Validate(*admin, key.value, {{"required_permissions", "posts:read AND (posts:write OR admin)"}});
  CHECK(failed["code"] == "INSUFFICIENT_PERMISSIONS");
  CHECK(failed["failed_clause"] == "posts:write OR admin");
  CHECK(failed["missing"] == json{"posts:write", "admin"});
  auto list = Validate(*admin, key.value, {{"required_permissions", {"posts:read", "a", "b"}}});
  CHECK(list["code"] == "INSUFFICIENT_PERMISSIONS");
  CHECK(list["missing"] == json{"a", "b"});

  auto syntax = admin->Post("/v1/validations", {{"value", key.value}, {"required_permissions", "posts:read AND (a OR"}});
  CHECK(syntax.status == 400);
  auto error = syntax.Json()["error"];
  CHECK(error["details"]["fields"]["required_permissions"] == "expected a permission or '(' but found end of query at position 20");
  CHECK(error["details"]["position"] == "20");
  auto wrong = admin->Post("/v1/validations", {{"value", key.value}, {"required_permissions", 5}});
  CHECK(wrong.status == 400);
  CHECK(wrong.Json()["error"]["details"]["fields"].contains("required_permissions"));

  // The gateway route takes the same queries.
  auto gw = CreateKey(*admin, "acme", {{"permission_set", "validator"}});
  std::string auth = "X-Keyledger-Token: " + gw.value;
  Client c(server.Url(), key.value);
  auto allowed = c.Send("GET", "/v1/authz?permissions=posts:read%20AND%20(posts:write%20OR%20posts:read)", "", {auth});
  CHECK(allowed.status == 200);
  auto refused = c.Send("GET", "/v1/authz?permissions=posts:read%20AND%20(posts:write%20OR%20admin)", "", {auth});
  CHECK(refused.status == 403);
  CHECK(refused.Header("x-keyledger-missing-permissions") == "posts:write,admin");
}
