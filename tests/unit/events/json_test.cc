#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "domain/crypto.h"
#include "events/canonical_json.h"
#include "events/chain.h"
#include "events/json.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;
using nlohmann::json;

namespace {
std::set<std::string> Keys(const json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}
// Every key at any depth, to look for names that must never appear.
void AllKeys(const json& j, std::set<std::string>& out) {
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key()), AllKeys(it.value(), out);
  if (j.is_array())
    for (const auto& e : j) AllKeys(e, out);
}
}  // namespace

TEST_CASE("an event renders as the object docs/spec.md (Event JSON) describes", "[events][json]") {
  for (Event e : test::AllFixtures()) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    INFO(EventTypeName(e.data));
    json j = events::ToJson(e);
    CHECK(Keys(j) == std::set<std::string>{"seq", "id", "type", "org_id", "key_id", "stream_version", "recorded_at",
                                           "actor", "request_id", "data", "prev_hash", "hash", "org_prev_hash",
                                           "org_hash"});
    CHECK(j["type"] == EventTypeName(e.data));
    CHECK(j["seq"].is_number_unsigned());
    CHECK(j["stream_version"].is_number_unsigned());
    CHECK(j["recorded_at"] == "2026-11-22T14:06:00.123Z");
    CHECK(Keys(j["actor"]) == std::set<std::string>{"type", "id"});
    CHECK(j["hash"] == ToHex(e.hash));
    CHECK(j["prev_hash"] == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    if (e.key_id) CHECK(j["key_id"] == *e.key_id);
    else CHECK(j["key_id"].is_null());
    CHECK(j["data"] == events::DataToJson(e.data));

    json unsealed = events::ToJsonUnsealed(e);
    for (const char* k : {"prev_hash", "hash", "org_prev_hash", "org_hash"}) {
      CHECK_FALSE(unsealed.contains(k));
      j.erase(k);
    }
    CHECK(j == unsealed);
  }
}

TEST_CASE("no secret hash ever reaches the rendering", "[events][json]") {
  for (const Event& e : test::AllFixtures()) {
    std::string dumped = events::ToJson(e).dump();
    INFO(dumped);
    for (char c : {'a', 'b', 'c'}) CHECK(dumped.find(std::string(64, c)) == std::string::npos);
    std::set<std::string> keys;
    AllKeys(events::ToJson(e), keys);
    CHECK(keys.count("secret_hash_hex") == 0);
    CHECK(keys.count("secret") == 0);
  }
}

TEST_CASE("KeyUpdated and OrgUpdated carry only what changed; null means cleared", "[events][json]") {
  KeyUpdated u;
  CHECK(events::DataToJson(u) == json::object());
  u.description = std::optional<std::string>();
  u.expires_at = std::optional<Millis>();
  u.credits = std::optional<Credits>();
  u.ratelimit = std::optional<RateLimit>();
  CHECK(events::DataToJson(u) == json::parse(R"({"description":null,"expires_at":null,"credits":null,"ratelimit":null})"));
  u.description = std::optional<std::string>("d");
  u.expires_at = std::optional<Millis>(0);
  u.credits = std::optional<Credits>(Credits{3, CreditRefill{10, "monthly"}});
  u.ratelimit = std::optional<RateLimit>(RateLimit{100, 1000});
  u.permissions = std::vector<std::string>{};
  u.ip_allowlist = std::vector<std::string>{"::1/128"};
  u.metadata = json::object();
  u.name = "n";
  CHECK(events::DataToJson(u) == json::parse(R"({"name":"n","description":"d","expires_at":"1970-01-01T00:00:00.000Z",
      "credits":{"remaining":3,"refill":{"amount":10,"interval":"monthly"}},"ratelimit":{"limit":100,"window_ms":1000},
      "permissions":[],"ip_allowlist":["::1/128"],"metadata":{}})"));

  CHECK(events::DataToJson(OrgUpdated{}) == json::object());
  CHECK(events::DataToJson(OrgUpdated{std::string("x"), std::nullopt}) == json{{"name", "x"}});
}

TEST_CASE("other types render an unset optional as null", "[events][json]") {
  CHECK(events::DataToJson(KeyRevoked{}) == json{{"reason", nullptr}});
  CHECK(events::DataToJson(KeyDisabled{}) == json{{"reason", nullptr}});
  CHECK(events::DataToJson(KeyEnabled{std::string("ok")}) == json{{"reason", "ok"}});
  json created = events::DataToJson(KeyCreated{});
  for (const char* k : {"description", "project_id", "expires_at", "rotated_from", "credits", "ratelimit",
                        "idempotency_key_sha256", "request_sha256"}) {
    INFO(k);
    REQUIRE(created.contains(k));
    CHECK(created[k].is_null());
  }
  json exported = events::DataToJson(ExportCreated{});
  CHECK(exported["from"].is_null());
  CHECK(exported["to"].is_null());
  CHECK(exported["first_seq"].is_number_unsigned());
  CHECK(exported["event_count"].is_number_integer());
}

TEST_CASE("times render as RFC 3339 UTC with milliseconds", "[events][json]") {
  json used = events::DataToJson(KeyUsed{2, 0, 1795356360123, "ip", "ua", 0});
  CHECK(used["first_at"] == "1970-01-01T00:00:00.000Z");
  CHECK(used["last_at"] == "2026-11-22T14:06:00.123Z");
  CHECK(used["count"] == 2);
  CHECK(used["count"].is_number_integer());
}

TEST_CASE("text that is not UTF-8 and non-finite numbers still render, servably", "[events][json]") {
  Event e = test::Fixture(KeyUsed{1, 0, 0, std::string("\xC0\x80"), std::string("a\xFF", 2), 0});
  e.request_id = "r\xE2\x82";
  json j = events::ToJson(e);
  CHECK(j["data"]["ip"] == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(j["data"]["user_agent"] == "a\xEF\xBF\xBD");
  CHECK(j["request_id"] == "r\xEF\xBF\xBD");
  CHECK_NOTHROW(j.dump());
  CHECK_NOTHROW(events::CanonicalBytes(e));

  KeyUpdated u;
  u.metadata = json{{"nan", std::nan("")},
                    {"inf", std::numeric_limits<double>::infinity()},
                    {std::string("k\xFF"), std::string("v\xFF")},
                    {"ok", 1.25}};
  json data = events::DataToJson(u);
  CHECK(data["metadata"] == json::parse(R"({"nan":null,"inf":null,"k\ufffd":"v\ufffd","ok":1.25})"));
  CHECK_NOTHROW(events::Canonicalize(data));
}

// What keyledger verify-export (and an auditor's script) does: parse the served JSON, drop the
// four hash fields, canonicalise. It must give back exactly the bytes that were hashed.
TEST_CASE("the served JSON re-canonicalises to the hashed bytes", "[events][json]") {
  for (Event e : test::AllFixtures()) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    INFO(EventTypeName(e.data));
    json served = json::parse(events::ToJson(e).dump());
    for (const char* k : {"prev_hash", "hash", "org_prev_hash", "org_hash"}) served.erase(k);
    CHECK(events::Canonicalize(served) == events::CanonicalBytes(e));
    CHECK(ToHex(Sha256Concat(e.prev_hash, events::Canonicalize(served))) == ToHex(e.hash));
  }
}
