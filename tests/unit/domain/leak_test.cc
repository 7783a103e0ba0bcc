#include <catch2/catch.hpp>

#include <regex>

#include "domain/leak.h"
#include "domain/secret.h"

using namespace kl;

static CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"api_key", "key_reporter"}, "req"}; }

static KeyState LiveKey() {
  std::optional<KeyState> key;
  Event created;
  created.key_id = "key_1";
  created.org_id = "acme";
  created.stream_version = 1;
  created.data = KeyCreated{};
  EvolveKey(key, created);
  return *key;
}

TEST_CASE("a leak report of a live key records the report and revokes it, in that order", "[domain][leaks]") {
  KeyState key = LiveKey();
  auto events = DecideLeakReport(key, LeakReport{"keyledger_api_key", "https://github.com/x/y", "commit"}, Ctx());
  REQUIRE(events.size() == 2);
  const auto& reported = std::get<KeyLeakReported>(events[0].data);
  CHECK(reported.url == "https://github.com/x/y");
  CHECK(reported.source == "commit");
  CHECK(events[0].stream_version == 2);
  CHECK(std::get<KeyRevoked>(events[1].data).reason == "leaked");
  CHECK(events[1].stream_version == 3);
  for (const auto& e : events) {
    CHECK(e.key_id == "key_1");
    CHECK(e.org_id == "acme");
    CHECK(e.actor == Actor{"api_key", "key_reporter"});
  }
  std::optional<KeyState> folded = key;
  for (const auto& e : events) EvolveKey(folded, e);
  CHECK(folded->status == "revoked");
  CHECK(folded->revoke_reason == "leaked");
  CHECK(folded->version == 3);
}

TEST_CASE("a repeated leak report of a revoked key is recorded but revokes nothing", "[domain][leaks]") {
  std::optional<KeyState> key = LiveKey();
  for (auto& e : DecideLeakReport(*key, {}, Ctx())) EvolveKey(key, e);
  auto again = DecideLeakReport(*key, LeakReport{"t", "https://example.com/paste", "content"}, Ctx());
  REQUIRE(again.size() == 1);
  CHECK(std::holds_alternative<KeyLeakReported>(again[0].data));
  CHECK(again[0].stream_version == key->version + 1);
}

TEST_CASE("leak report fields are bounded and named by their index", "[domain][leaks]") {
  FieldErrors errors;
  CheckLeakReport(LeakReport{"t", "https://ok", "s"}, 0, errors);
  CHECK(errors.empty());
  CheckLeakReport(LeakReport{std::string(201, 't'), std::string(2049, 'u'), std::string(201, 's')}, 3, errors);
  CHECK(errors.count("[3].type") == 1);
  CHECK(errors.count("[3].url") == 1);
  CHECK(errors.count("[3].source") == 1);
}

TEST_CASE("the documented secret regex matches issued secrets and rejects near misses", "[domain][leaks]") {
  const std::regex re(kSecretRegex);
  for (const char* prefix : {"sk", "ab", "abcdefgh"})
    for (const char* env : {"live", "test"})
      for (int i = 0; i < 20; ++i) {
        auto s = IssueSecret(prefix, env);
        CHECK(std::regex_match(s.value, re));
      }
  std::string good = IssueSecret("sk", "live").value;
  REQUIRE(std::regex_match(good, re));
  std::string body = good.substr(8);  // after "sk_live_"
  for (const std::string& miss : {
           "sk_prod_" + body,                    // unknown environment
           "SK_live_" + body,                    // upper-case prefix
           "s_live_" + body,                     // prefix too short
           "abcdefghi_live_" + body,             // prefix too long
           "sk_live_" + body.substr(1),          // one character short
           "sk_live_" + body + "x",              // one character long
           "sk_live_" + body.substr(1) + "-",    // not base62
           "sk-live-" + body,                    // wrong separators
       })
    CHECK_FALSE(std::regex_match(miss, re));
  // The regex finds candidates in text; the checksum then tells real keys from look-alikes.
  std::smatch m;
  std::string text = "export API_KEY=" + good + "\n";
  REQUIRE(std::regex_search(text, m, re));
  CHECK(m.str() == good);
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  CHECK(std::regex_match(flipped, re));
  CHECK_FALSE(ParseSecret(flipped));
}
