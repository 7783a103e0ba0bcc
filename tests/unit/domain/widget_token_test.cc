// Minting a widget token is one WidgetTokenMinted on the org's stream (domain/widget_token.h).
#include <catch2/catch.hpp>

#include "domain/widget_token.h"

using namespace kl;

TEST_CASE("minting a widget token appends WidgetTokenMinted on an active org", "[domain][widgets]") {
  OrgState org{"acme", "Acme", "active", 0, 0, 3};
  CommandContext cc{1000, Actor{"admin", "admin"}, "req_1"};
  WidgetTokenMinted minted{"wtk_1", std::string("u1"), {"widgets:api-keys:manage"}, 5000};
  auto r = DecideMintWidgetToken(org, minted, cc);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].org_id == "acme");
  CHECK_FALSE((*r)[0].key_id);
  CHECK((*r)[0].stream_version == 4);
  CHECK(std::get<WidgetTokenMinted>((*r)[0].data).token_id == "wtk_1");

  CHECK(DecideMintWidgetToken(std::nullopt, minted, cc).status().code() == Code::kNotFound);
  org.status = "past_due";
  CHECK(DecideMintWidgetToken(org, minted, cc).status().code() == Code::kTenantInactive);
}
