// The API key secret format (domain/secret.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "domain/crypto.h"
#include "domain/secret.h"

using namespace kl;

TEST_CASE("secrets: format, checksum, uniqueness; only the hash is kept", "[domain]") {
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    auto s = IssueSecret("sk", "live");
    REQUIRE(s.value.size() == 8 + 49);
    CHECK(s.value.rfind("sk_live_", 0) == 0);
    CHECK(ParseSecret(s.value));
    CHECK(s.hash == Sha256(s.value));
    CHECK(s.obfuscated_value == "sk_live_\u2026" + s.value.substr(s.value.size() - 4));
    CHECK(seen.insert(s.value).second);
  }
  auto s = IssueSecret("acme", "test");
  for (size_t i = 0; i < s.value.size(); ++i) {
    std::string flipped = s.value;
    flipped[i] = flipped[i] == 'a' ? 'b' : 'a';
    INFO(i);
    CHECK_FALSE(ParseSecret(flipped));  // any single change breaks the shape or the checksum
  }
  for (const std::string& bad : std::vector<std::string>{"", "sk_live_", "s_live_" + std::string(49, 'a'), "sk_prod_" + std::string(49, 'a'),
                          "toolongprefix_live_" + std::string(49, 'a'), "sk_live_" + std::string(48, 'a'),
                          "SK_live_" + std::string(49, 'a'), std::string(57, '\0')})
    CHECK_FALSE(ParseSecret(bad));
}
