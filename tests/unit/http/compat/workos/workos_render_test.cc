// The WorkOS dialect's objects as the @workos-inc/node deserializers read them
// (docs/compat.md, WorkOS).
#include <catch2/catch.hpp>

#include "http/compat/workos/workos_render.h"

using namespace kl;
using namespace kl::http::workos;
using kl::http::Reply;
using nlohmann::json;

namespace {

KeyState OrgKey() {
  KeyState k;
  k.id = "key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z";
  k.org_id = "org_01EHZNVPK3SFK441A1RGBFSHRT";
  k.name = "Production API Key";
  k.obfuscated_value = "sk_live_…Wq1x";
  k.permissions = {"posts:read", "posts:write"};
  k.owner = {"organization", k.org_id};
  k.created_at = 1700000000000;
  k.updated_at = 1700000000500;
  return k;
}

}  // namespace

TEST_CASE("an organization's ApiKey has WorkOS's members and no others", "[http][workos]") {
  json k = json::parse(SerializeApiKey(OrgKey()));
  CHECK(k == json{{"object", "api_key"},
                  {"id", "key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z"},
                  {"owner", {{"type", "organization"}, {"id", "org_01EHZNVPK3SFK441A1RGBFSHRT"}}},
                  {"name", "Production API Key"},
                  {"obfuscated_value", "sk_live_…Wq1x"},
                  {"last_used_at", nullptr},
                  {"permissions", {"posts:read", "posts:write"}},
                  {"created_at", "2023-11-14T22:13:20.000Z"},
                  {"updated_at", "2023-11-14T22:13:20.500Z"}});
}

TEST_CASE("a user's key names its organization in owner; expires_at and last_used_at when set", "[http][workos]") {
  KeyState key = OrgKey();
  key.owner = {"user", "user_01EHZNVPK3SFK441A1RGBFSHRX"};
  key.expires_at = 1700000060000;
  key.last_used_at = 1700000030000;
  json k = json::parse(SerializeApiKey(key));
  CHECK(k.at("owner") == json{{"type", "user"},
                              {"id", "user_01EHZNVPK3SFK441A1RGBFSHRX"},
                              {"organization_id", "org_01EHZNVPK3SFK441A1RGBFSHRT"}});
  CHECK(k.at("expires_at") == "2023-11-14T22:14:20.000Z");
  CHECK(k.at("last_used_at") == "2023-11-14T22:13:50.000Z");
}

TEST_CASE("client text is escaped in the bytes written", "[http][workos]") {
  KeyState key = OrgKey();
  key.name = "quote \" backslash \\ newline \n";
  key.owner = {"user", "user_\"1"};
  json k = json::parse(SerializeApiKey(key));
  CHECK(k.at("name") == key.name);
  CHECK(k.at("owner").at("id") == "user_\"1");
}

TEST_CASE("only a create's answer carries the value", "[http][workos]") {
  json created = json::parse(SerializeCreatedApiKey(OrgKey(), "sk_live_secret"));
  CHECK(created.at("value") == "sk_live_secret");
  CHECK(created.at("id") == "key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z");
  CHECK_FALSE(json::parse(SerializeApiKey(OrgKey())).contains("value"));
}

TEST_CASE("a validation answers the key, with this use's last_used_at, or null", "[http][workos]") {
  auto key = std::make_shared<const KeyState>(OrgKey());
  json first = json::parse(SerializeValidation(key, std::nullopt));
  CHECK(first == json{{"api_key", json::parse(SerializeApiKey(*key))}});
  // The same key object again (a cached template) with a use recorded: only last_used_at differs.
  json used = json::parse(SerializeValidation(key, Millis{1700000030000}));
  CHECK(used.at("api_key").at("last_used_at") == "2023-11-14T22:13:50.000Z");
  used["api_key"]["last_used_at"] = nullptr;
  CHECK(used == first);
  CHECK(json::parse(SerializeValidation(nullptr, std::nullopt)) == json{{"api_key", nullptr}});
}

TEST_CASE("a list is WorkOS's envelope, with null at either end", "[http][workos]") {
  json empty = json::parse(SerializeList({}, {}));
  CHECK(empty == json{{"object", "list"}, {"data", json::array()},
                      {"list_metadata", {{"before", nullptr}, {"after", nullptr}}}});
  json page = json::parse(SerializeList({OrgKey()}, {std::nullopt, std::string("key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z")}));
  CHECK(page.at("data").size() == 1);
  CHECK(page.at("list_metadata").at("before") == nullptr);
  CHECK(page.at("list_metadata").at("after") == "key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z");
}

TEST_CASE("errors take the statuses the SDK maps to its exception classes", "[http][workos]") {
  auto status_of = [](Code c) { return ErrorReply(Status(c, "m"), "req_1").status; };
  CHECK(status_of(Code::kUnauthenticated) == 401);
  CHECK(status_of(Code::kNotFound) == 404);
  CHECK(status_of(Code::kConflict) == 409);
  CHECK(status_of(Code::kValidation) == 422);
  CHECK(status_of(Code::kMalformedJson) == 400);
  CHECK(status_of(Code::kInternal) == 500);

  Reply unauthorized = ErrorReply(Status(Code::kUnauthenticated, "a valid bearer token is required"), "req_1");
  CHECK(unauthorized.content_type == "application/json");
  CHECK(json::parse(unauthorized.body) == json{{"code", "unauthorized"}, {"message", "a valid bearer token is required"}});

  Reply invalid = ErrorReply(Status::Validation({{"name", "must be 1..200 characters"}, {"organization_id", "is required"}}),
                             "req_1");
  json body = json::parse(invalid.body);
  CHECK(body.at("code") == "invalid_request_parameters");
  REQUIRE(body.at("errors").size() == 2);
  CHECK(body.at("errors")[0] == json{{"field", "name"}, {"code", "invalid"}, {"message", "must be 1..200 characters"}});
  CHECK(body.at("errors")[1].at("code") == "required");
}
