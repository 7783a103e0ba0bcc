#include <catch2/catch.hpp>

#include "domain/time.h"
#include "http/compat/unkey/key_requests.h"

using namespace kl;
using namespace kl::http::unkey;
using nlohmann::json;

TEST_CASE("createKey's body becomes /v1's create input", "[http][unkey]") {
  json body = {{"apiId", "acme"}, {"name", "ci"}, {"prefix", "pay"}, {"byteLength", 16}, {"meta", {{"a", 1}}},
               {"permissions", {"x.y"}}, {"expires", 1'900'000'000'000}, {"enabled", true}, {"recoverable", false},
               {"credits", {{"remaining", 5}, {"refill", {{"interval", "daily"}, {"amount", 5}}}}},
               {"ratelimits", {{{"name", "r"}, {"limit", 10}, {"duration", 1000}, {"autoApply", false}}}}};
  FieldErrors errors;
  CreateKeyRequest req = ReadCreateKey(body, errors);
  CHECK(errors.empty());
  CHECK(req.api_id == "acme");
  CHECK(req.input.name == "ci");
  CHECK(req.input.prefix == "pay");
  CHECK(req.input.metadata == json{{"a", 1}});
  CHECK(req.input.expires_at == FormatTime(1'900'000'000'000));
  CHECK(req.input.credits == Credits{5, CreditRefill{5, "daily"}});
  CHECK(req.input.ratelimit == RateLimit{10, 1000});
}

TEST_CASE("createKey refuses what keyledger cannot honour, naming each member", "[http][unkey]") {
  json body = {{"roles", {"admin"}}, {"externalId", "u1"}, {"recoverable", true},
               {"ratelimits", json::array({{{"name", "a"}, {"limit", 1}, {"duration", 1000}},
                                           {{"name", "b"}, {"limit", 1}, {"duration", 1000}}})},
               {"credits", {{"remaining", 1}, {"refill", {{"interval", "monthly"}, {"amount", 1}, {"refillDay", 15}}}}}};
  FieldErrors errors;
  (void)ReadCreateKey(body, errors);
  for (const char* f : {"apiId", "roles", "externalId", "recoverable", "ratelimits", "credits.refill.refillDay"})
    CHECK(errors.count(f) == 1);
}

TEST_CASE("an absent name defaults; unlimited credits make no gate", "[http][unkey]") {
  FieldErrors errors;
  CreateKeyRequest req = ReadCreateKey({{"apiId", "acme"}, {"credits", {{"remaining", nullptr}}}}, errors);
  CHECK(errors.empty());
  CHECK(req.input.name == "unnamed");
  CHECK_FALSE(req.input.credits);
}

TEST_CASE("updateKey distinguishes absent from null", "[http][unkey]") {
  FieldErrors errors;
  UpdateKeyRequest req = ReadUpdateKey({{"keyId", "k"}, {"expires", nullptr}, {"meta", nullptr}, {"ratelimits", json::array()}}, errors);
  CHECK(errors.empty());
  REQUIRE(req.input.expires_at);
  CHECK_FALSE(*req.input.expires_at);  // cleared
  CHECK(req.input.metadata == json::object());
  REQUIRE(req.input.ratelimit);
  CHECK_FALSE(*req.input.ratelimit);  // removed
  CHECK_FALSE(req.input.name);
  CHECK_FALSE(req.credits);

  FieldErrors name_null;
  (void)ReadUpdateKey({{"keyId", "k"}, {"name", nullptr}}, name_null);
  CHECK(name_null.count("name") == 1);
}

TEST_CASE("a credits patch keeps what it does not name", "[http][unkey]") {
  KeyState key;
  key.credits = Credits{7, CreditRefill{10, "daily"}};
  FieldErrors errors;
  auto req = ReadUpdateKey({{"keyId", "k"}, {"credits", {{"remaining", 3}}}}, errors);
  REQUIRE(req.credits);
  auto c = ApplyCreditsPatch(key, *req.credits);
  REQUIRE(c.ok());
  CHECK(**c == Credits{3, CreditRefill{10, "daily"}});

  req = ReadUpdateKey({{"keyId", "k"}, {"credits", {{"refill", nullptr}}}}, errors);
  CHECK(**ApplyCreditsPatch(key, *req.credits) == Credits{7, std::nullopt});

  req = ReadUpdateKey({{"keyId", "k"}, {"credits", nullptr}}, errors);
  CHECK_FALSE(*ApplyCreditsPatch(key, *req.credits));

  KeyState unlimited;
  req = ReadUpdateKey({{"keyId", "k"}, {"credits", {{"refill", nullptr}}}}, errors);
  CHECK(ApplyCreditsPatch(unlimited, *req.credits).status().code() == Code::kValidation);
}

TEST_CASE("decrypt and permanent are accepted only as false", "[http][unkey]") {
  FieldErrors errors;
  RequireFalse({{"decrypt", false}}, "decrypt", "why", errors);
  CHECK(errors.empty());
  RequireFalse({{"decrypt", true}}, "decrypt", "why", errors);
  CHECK(errors.at("decrypt") == "why");
  RequireFalse({{"permanent", 1}}, "permanent", "why", errors);
  CHECK(errors.at("permanent") == "must be a boolean");
}
