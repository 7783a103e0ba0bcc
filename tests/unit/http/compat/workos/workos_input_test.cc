// The WorkOS bodies translated into /v1 create bodies (docs/compat.md, WorkOS).
#include <catch2/catch.hpp>

#include "http/compat/workos/workos_input.h"
#include "http/key_request.h"

using namespace kl;
using namespace kl::http;
using nlohmann::json;

TEST_CASE("an organization key's body passes name and permissions through", "[http][workos]") {
  json v1 = workos::OrgKeyCreateBody({{"name", "Production"}, {"permissions", {"posts:read"}}});
  CHECK(v1 == json{{"name", "Production"}, {"permissions", {"posts:read"}}});
  CHECK(workos::OrgKeyCreateBody({{"name", "only"}}) == json{{"name", "only"}});
  // What /v1 reads from it is a /v1 create: its own checks apply unchanged.
  CHECK(UnknownMembers(v1, kCreateKeyBody).empty());
}

TEST_CASE("a user key's body becomes an owner and names its organization", "[http][workos]") {
  auto made = workos::UserKeyCreateBody({{"name", "CLI"},
                                         {"organization_id", "org_01EHZNVPK3SFK441A1RGBFSHRT"},
                                         {"expires_at", "2099-01-01T00:00:00.000Z"}},
                                        "user_01EHZNVPK3SFK441A1RGBFSHRX");
  REQUIRE(made.ok());
  CHECK(made->org_id == "org_01EHZNVPK3SFK441A1RGBFSHRT");
  CHECK(made->body == json{{"name", "CLI"},
                           {"expires_at", "2099-01-01T00:00:00.000Z"},
                           {"owner", {{"type", "user"}, {"id", "user_01EHZNVPK3SFK441A1RGBFSHRX"}}}});
  CHECK(UnknownMembers(made->body, kCreateKeyBody).empty());
  FieldErrors errors;
  CreateKeyInput in = ReadCreateKey(made->body, errors);
  CHECK(errors.empty());
  REQUIRE(in.owner);
  CHECK(in.owner->type == "user");
}

TEST_CASE("a user key's body without a usable organization_id is refused on that member", "[http][workos]") {
  auto missing = workos::UserKeyCreateBody({{"name", "CLI"}}, "user_1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().fields().at("organization_id") == "is required");
  auto wrong = workos::UserKeyCreateBody({{"name", "CLI"}, {"organization_id", 7}}, "user_1");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().fields().count("organization_id") == 1);
}

TEST_CASE("the declared shapes name exactly what the SDK sends", "[http][workos]") {
  CHECK(UnknownMembers({{"value", "x"}}, workos::kValidationBody).empty());
  CHECK(UnknownMembers({{"value", "x"}, {"ip", "1.2.3.4"}}, workos::kValidationBody).count("ip") == 1);
  CHECK(UnknownMembers({{"name", "x"}, {"organization_id", "o"}, {"permissions", json::array()},
                        {"expires_at", "2099-01-01T00:00:00Z"}},
                       workos::kCreateUserKeyBody)
            .empty());
  CHECK(UnknownMembers({{"name", "x"}, {"expires_at", "2099-01-01T00:00:00Z"}}, workos::kCreateOrgKeyBody).size() == 1);
}
