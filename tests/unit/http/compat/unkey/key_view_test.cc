#include <catch2/catch.hpp>

#include "http/compat/unkey/key_view.h"

using namespace kl;
using namespace kl::http::unkey;
using nlohmann::json;

static KeyState Key() {
  KeyState k;
  k.id = "key_1";
  k.name = "ci";
  k.obfuscated_value = "sk_live_…abcd";
  k.created_at = 1000;
  k.updated_at = 2000;
  k.permissions = {"a.b"};
  return k;
}

TEST_CASE("a key renders with its optional members omitted, never null", "[http][unkey]") {
  json out = RenderKey(Key(), nullptr);
  CHECK(out == json{{"keyId", "key_1"}, {"start", "sk_live_…abcd"}, {"enabled", true}, {"name", "ci"},
                    {"createdAt", 1000}, {"updatedAt", 2000}, {"permissions", {"a.b"}}});
  for (const auto& [k, v] : out.items()) CHECK_FALSE(v.is_null());
}

TEST_CASE("a key's gates, expiry, metadata and live usage render in Unkey's shapes", "[http][unkey]") {
  KeyState k = Key();
  k.expires_at = 5000;
  k.metadata = {{"team", "ops"}};
  k.credits = Credits{10, CreditRefill{100, "monthly"}};
  k.ratelimit = RateLimit{5, 60000};
  projections::KeyUsageView usage;
  usage.last_used_at = 4000;
  usage.credits_remaining = 7;
  json out = RenderKey(k, &usage);
  CHECK(out.at("expires") == 5000);
  CHECK(out.at("lastUsedAt") == 4000);
  CHECK(out.at("meta") == json{{"team", "ops"}});
  CHECK(out.at("credits") == json{{"remaining", 7}, {"refill", {{"interval", "monthly"}, {"amount", 100}}}});
  CHECK(out.at("ratelimits") == json::array({{{"id", "rl_key_1"}, {"name", "default"}, {"limit", 5},
                                              {"duration", 60000}, {"autoApply", true}}}));
}

TEST_CASE("unlimited credits render remaining null, as Unkey's schema allows", "[http][unkey]") {
  CHECK(RenderCredits(std::nullopt, std::nullopt) == json{{"remaining", nullptr}});
}

TEST_CASE("every validation code maps onto one of Unkey's verification codes", "[http][unkey]") {
  CHECK(std::string(VerifyCode(ValidationCode::kValid)) == "VALID");
  CHECK(std::string(VerifyCode(ValidationCode::kMalformed)) == "NOT_FOUND");
  CHECK(std::string(VerifyCode(ValidationCode::kRevoked)) == "NOT_FOUND");
  CHECK(std::string(VerifyCode(ValidationCode::kTenantInactive)) == "FORBIDDEN");
  CHECK(std::string(VerifyCode(ValidationCode::kIpNotAllowed)) == "FORBIDDEN");
  CHECK(std::string(VerifyCode(ValidationCode::kExpired)) == "EXPIRED");
  CHECK(std::string(VerifyCode(ValidationCode::kDisabled)) == "DISABLED");
  CHECK(std::string(VerifyCode(ValidationCode::kInsufficientPermissions)) == "INSUFFICIENT_PERMISSIONS");
  CHECK(std::string(VerifyCode(ValidationCode::kRateLimited)) == "RATE_LIMITED");
  CHECK(std::string(VerifyCode(ValidationCode::kUsageExceeded)) == "USAGE_EXCEEDED");
}

TEST_CASE("permissions render as Unkey permission objects", "[http][unkey]") {
  CHECK(RenderPermissions({"a.b"}) == json::array({{{"id", "a.b"}, {"name", "a.b"}, {"slug", "a.b"}}}));
}
