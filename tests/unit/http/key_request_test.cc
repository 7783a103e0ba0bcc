#include "http/key_request.h"

#include <catch2/catch.hpp>

#include "http/org_request.h"
#include "http/validation_body.h"

using namespace kl;
using namespace kl::http;
using nlohmann::json;

TEST_CASE("key requests: a create body is read member by member, nested gates included", "[http][strict]") {
  FieldErrors errors;
  auto in = ReadCreateKey(json{{"name", "svc"},
                               {"ip_allowlist", {"10.0.0.0/8"}},
                               {"ttl_seconds", 60},
                               {"owner", {{"type", "user"}, {"id", "u1"}}},
                               {"credits", {{"remaining", 5}, {"refill", {{"amount", 5}, {"interval", "daily"}}}}},
                               {"ratelimit", {{"limit", 10}, {"window_ms", 1000}}},
                               {"metadata", {{"free", {{"form", true}}}}}},
                          errors);
  CHECK(errors.empty());
  CHECK(in.name == "svc");
  CHECK(in.ip_allowlist == std::vector<std::string>{"10.0.0.0/8"});
  CHECK(in.ttl_seconds == 60);
  REQUIRE(in.owner);
  CHECK(in.owner->id == "u1");
  REQUIRE(in.credits);
  CHECK(in.credits->remaining == 5);
  REQUIRE(in.credits->refill);
  CHECK(in.credits->refill->interval == "daily");
  REQUIRE(in.ratelimit);
  CHECK(in.ratelimit->window_ms == 1000);
  CHECK(in.metadata == json{{"free", {{"form", true}}}});
}

TEST_CASE("key requests: null is a type error where the contract does not allow it", "[http][strict]") {
  FieldErrors errors;
  (void)ReadCreateKey(json{{"name", nullptr}, {"prefix", nullptr}, {"metadata", nullptr}, {"credits", nullptr},
                           {"ratelimit", nullptr}, {"ttl_seconds", nullptr}, {"enabled", nullptr}, {"owner", nullptr}},
                      errors);
  for (const char* field : {"name", "prefix", "metadata", "credits", "ratelimit", "ttl_seconds", "enabled", "owner"}) {
    INFO(field);
    CHECK(errors.count(field));
  }
  // A refill may be null: no refill.
  errors.clear();
  auto in = ReadCreateKey(json{{"credits", {{"remaining", 1}, {"refill", nullptr}}}}, errors);
  CHECK(errors.empty());
  REQUIRE(in.credits);
  CHECK_FALSE(in.credits->refill);
}

TEST_CASE("key requests: nested mistakes are named by their path", "[http][strict]") {
  FieldErrors errors;
  (void)ReadCreateKey(json{{"credits", {{"remaining", "5"}, {"refill", {{"amount", 1}}}}},
                           {"owner", {{"type", 1}}},
                           {"ratelimit", {{"limit", 1.5}}}},
                      errors);
  CHECK(errors.at("credits.remaining") == "must be an integer");
  CHECK(errors.at("credits.refill.interval") == "is required");
  CHECK(errors.at("owner.type") == "must be a string");
  CHECK(errors.at("owner.id") == "is required");
  CHECK(errors.at("ratelimit.limit") == "must be an integer");
  CHECK(errors.at("ratelimit.window_ms") == "is required");
}

TEST_CASE("key requests: PATCH tells absent from null from a value", "[http][strict]") {
  FieldErrors errors;
  auto absent = ReadUpdateKey(json::object(), errors);
  CHECK_FALSE(absent.description);
  CHECK_FALSE(absent.credits);
  auto cleared = ReadUpdateKey(json{{"description", nullptr}, {"expires_at", nullptr}, {"credits", nullptr},
                                    {"ratelimit", nullptr}},
                               errors);
  CHECK(errors.empty());
  REQUIRE(cleared.description);
  CHECK_FALSE(*cleared.description);
  REQUIRE(cleared.credits);
  CHECK_FALSE(*cleared.credits);
  REQUIRE(cleared.ratelimit);
  CHECK_FALSE(*cleared.ratelimit);
  (void)ReadUpdateKey(json{{"name", nullptr}, {"enabled", nullptr}, {"credits", 3}}, errors);
  CHECK(errors.at("name") == "must be a string");
  CHECK(errors.at("enabled") == "must be a boolean");
  CHECK(errors.at("credits") == "must be an object or null");
}

TEST_CASE("key requests: rotate, revoke, organizations and validations", "[http][strict]") {
  FieldErrors errors;
  CHECK(ReadRotateKey(json{{"grace_seconds", 30}}, errors) == 30);
  CHECK(ReadRotateKeepExpiry(json{{"keep_expiry", true}}, errors));
  CHECK_FALSE(ReadRotateKeepExpiry(json::object(), errors));
  CHECK(ReadRevokeKey(json{{"reason", "gone"}}, errors) == "gone");
  CHECK(errors.empty());
  (void)ReadRevokeKey(json{{"reason", nullptr}}, errors);
  CHECK(errors.count("reason"));

  errors.clear();
  auto org = ReadCreateOrg(json{{"id", "acme"}, {"name", "Acme"}}, errors);
  CHECK(org.id == "acme");
  (void)ReadUpdateOrg(json{{"status", 1}}, errors);
  CHECK(errors.at("status") == "must be a string");

  errors.clear();
  auto v = ReadValidationBody(json{{"value", "sk_x"}, {"required_permissions", {"a"}}}, errors);
  CHECK(errors.empty());
  CHECK(v.value == "sk_x");
  CHECK(v.required_permissions == std::vector<std::string>{"a"});
  (void)ReadValidationBody(json{{"ip", nullptr}, {"required_permissions", 5}}, errors);
  CHECK(errors.count("ip"));
  CHECK(errors.count("required_permissions"));
  // A string is a permission query (docs/access.md), read as such and parsed by the route.
  errors.clear();
  auto q = ReadValidationBody(json{{"value", "sk_x"}, {"required_permissions", "a AND (b OR c)"}}, errors);
  CHECK(errors.empty());
  CHECK(q.permission_query == "a AND (b OR c)");
  CHECK_FALSE(q.required_permissions);
}

TEST_CASE("key requests: an import reads each key as a create body plus its hash", "[http][strict]") {
  const std::string hex(64, 'a');
  FieldErrors errors;
  auto req = ReadImportKeys(json{{"migration_id", "m1"},
                                 {"keys", json::array({{{"hash", {{"value", hex}, {"variant", "sha256_hex"}}},
                                                        {"name", "k"}, {"ttl_seconds", 60}},
                                                       {{"hash", {{"value", hex}, {"variant", "md5"}}}, {"name", 3}},
                                                       {{"name", "no hash"}}})}},
                            errors);
  CHECK(errors.empty());
  CHECK(req.migration_id == "m1");
  REQUIRE(req.items.size() == 3);
  CHECK(req.items[0].hash);
  CHECK(req.items[0].hash_text == hex);
  CHECK(req.items[0].input.name == "k");
  CHECK(req.items[0].type_errors.empty());
  CHECK_FALSE(req.items[1].hash);
  CHECK(req.items[1].type_errors.count("hash.variant") == 1);
  CHECK(req.items[1].type_errors.count("name") == 1);
  CHECK(req.items[2].type_errors.count("hash") == 1);

  FieldErrors whole;
  ReadImportKeys(json{{"keys", json::array()}}, whole);
  CHECK(whole.count("keys") == 1);
  FieldErrors bad_label;
  ReadImportKeys(json{{"keys", json::array()}, {"migration_id", 5}}, bad_label);
  CHECK(bad_label.count("migration_id") == 1);
}
