// Widget tokens (docs/widgets.md): what is minted, what the browser can decode, and every token
// the parser must refuse.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/compat/widgets/widget_claim_text.h"
#include "http/compat/widgets/widget_token.h"

using namespace kl;
using namespace kl::http::widgets;

namespace {

std::shared_ptr<const WidgetTokenKey> NewKey() {
  auto pem = WidgetTokenKey::GeneratePrivatePem();
  REQUIRE(pem.ok());
  auto key = WidgetTokenKey::FromPrivatePem(*pem);
  REQUIRE(key.ok());
  return *key;
}

WidgetClaims Sample() {
  WidgetClaims c;
  c.org_id = "acme";
  c.user_id = "user_01ABC";
  c.scopes = {std::string(kScopeApiKeysManage)};
  c.expires_at_s = 2000000000;
  return c;
}

std::string Segment(const std::string& token, int i) {
  size_t a = token.find('.'), b = token.find('.', a + 1);
  return i == 0 ? token.substr(0, a) : i == 1 ? token.substr(a + 1, b - a - 1) : token.substr(b + 1);
}

}  // namespace

TEST_CASE("a minted widget token verifies and carries its claims", "[http][widgets]") {
  auto key = NewKey();
  std::string id;
  auto token = key->Mint(Sample(), 1000, &id);
  REQUIRE(token.ok());
  CHECK(id.rfind("wtk_", 0) == 0);
  auto claims = key->Verify(*token, 1000);
  REQUIRE(claims.ok());
  CHECK(claims->token_id == id);
  CHECK(claims->org_id == "acme");
  CHECK(claims->user_id == std::optional<std::string>("user_01ABC"));
  CHECK(claims->scopes == std::vector<std::string>{"widgets:api-keys:manage"});
  CHECK(claims->expires_at_s == 2000000000);
  CHECK(claims->HasScope(kScopeApiKeysManage));
  CHECK_FALSE(claims->HasScope(kScopeUserKeysManageAll));
}

TEST_CASE("every minted payload decodes with the browser's atob", "[http][widgets]") {
  auto key = NewKey();
  // Ids of every length mod 3, with the other base64-adjacent characters.
  for (const char* user : {"a", "ab", "abc", "user_+/=", "a}b|c{", "ZZZZ", "user_01ABC"}) {
    WidgetClaims c = Sample();
    c.user_id = user;
    for (int i = 0; i < 10; ++i) {
      auto token = key->Mint(c, 1000, nullptr);
      REQUIRE(token.ok());
      CHECK(PayloadIsAtobSafe(*token));
      CHECK(Segment(*token, 1).find_first_of("-_") == std::string::npos);
    }
  }
  // '>', '?' and '~' are refused: at offset 2 of a base64 group they encode to '_' or '-'.
  for (const char* user : {"?", ">", "~", "a?b"}) {
    WidgetClaims c = Sample();
    c.user_id = user;
    auto token = key->Mint(c, 1000, nullptr);
    REQUIRE_FALSE(token.ok());
    CHECK(token.status().code() == Code::kValidation);
  }
  CHECK_FALSE(IsClaimText("caf\xc3\xa9"));
  CHECK(IsClaimText("user_01ABC"));
  CHECK_FALSE(PayloadIsAtobSafe("a.b-c.d"));
  CHECK_FALSE(PayloadIsAtobSafe("a.b_c.d"));
  CHECK_FALSE(PayloadIsAtobSafe("no-dots"));
}

TEST_CASE("an expired widget token is a 403, a bad one a 401", "[http][widgets]") {
  auto key = NewKey();
  auto token = key->Mint(Sample(), 1000, nullptr);
  REQUIRE(token.ok());
  auto expired = key->Verify(*token, 2000000000);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.status().code() == Code::kPermissionDenied);
  for (std::string bad : {std::string(), std::string("x"), std::string("a.b.c"), *token + "x",
                          std::string(kMaxWidgetTokenSize + 1, 'a')}) {
    auto r = key->Verify(bad, 1000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUnauthenticated);
  }
}

TEST_CASE("the parser refuses another key, alg none, HS256 and an edited payload", "[http][widgets]") {
  auto key = NewKey();
  auto other = NewKey();
  auto token = other->Mint(Sample(), 1000, nullptr);
  REQUIRE(token.ok());
  CHECK(key->Verify(*token, 1000).status().code() == Code::kUnauthenticated);

  auto mine = key->Mint(Sample(), 1000, nullptr);
  REQUIRE(mine.ok());
  std::string payload = Segment(*mine, 1), sig = Segment(*mine, 2);
  // {"alg":"none","typ":"JWT"} and {"alg":"HS256","typ":"JWT"}, base64url.
  CHECK_FALSE(key->Verify("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + ".", 1000).ok());
  CHECK_FALSE(key->Verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + payload + "." + sig, 1000).ok());
  // The same payload with one character changed keeps its signature: refused.
  std::string edited = payload;
  edited[edited.size() / 2] = edited[edited.size() / 2] == 'A' ? 'B' : 'A';
  CHECK_FALSE(key->Verify(Segment(*mine, 0) + "." + edited + "." + sig, 1000).ok());
  // The public key alone verifies (ParseWidgetToken); it never signs.
  CHECK(ParseWidgetToken(*mine, key->public_pem()).ok());
  CHECK_FALSE(ParseWidgetToken(*mine, other->public_pem()).ok());
}

TEST_CASE("only a P-256 private key makes a widget key", "[http][widgets]") {
  CHECK_FALSE(WidgetTokenKey::FromPrivatePem("").ok());
  CHECK_FALSE(WidgetTokenKey::FromPrivatePem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
  CHECK(IsWidgetScope("widgets:api-keys:manage"));
  CHECK(IsWidgetScope("widgets:user-api-keys:manage-self"));
  CHECK_FALSE(IsWidgetScope("apikeys:write"));
}
