#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "projections/state_codec.h"

using namespace kl;
using nlohmann::json;

namespace {
KeyState FullKey() {
  KeyState k;
  k.id = "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8C";
  k.org_id = "acme";
  k.name = std::string(300, 'n');  // str 16
  k.description = std::string(40, 'd');  // str 8
  k.secret_hash_hex = std::string(64, 'a');
  k.obfuscated_value = "sk_live_\u2026wxyz";
  k.prefix = "sk";
  k.environment = "live";
  for (int i = 0; i < 20; ++i) k.permissions.push_back("perm:" + std::to_string(i));  // array 16
  k.permission_set = "custom";
  k.owner = Owner{"user", "u_1"};
  k.project_id = "proj_9";
  k.metadata = json::parse(R"({"team":"core","n":1.5,"neg":-7,"tags":["a",null,true]})");
  k.status = "revoked";
  k.created_at = 1795356360123;
  k.created_by = Actor{"admin", "admin"};
  k.updated_at = 1795356360999;
  k.expires_at = 1795356361000;
  k.revoked_at = 1795356362000;
  k.revoke_reason = "leaked";
  k.expired_at = 1795356363000;
  k.rotated_from = "key_from";
  k.rotated_to = "key_to";
  k.last_used_at = 1795356364000;
  k.last_used_ip = "203.0.113.7";
  k.last_used_user_agent = std::string(70000, 'u');  // str 32
  k.usage_count = 70000;
  k.enabled = false;
  k.ip_allowlist = {"10.0.0.0/8", "2001:db8::/32"};
  k.credits = Credits{-3, CreditRefill{1000, "daily"}};
  k.ratelimit = RateLimit{10, 1000};
  k.credits_refilled_at = 1795356365000;
  k.credits_basis = 100;
  k.credits_low_warned = true;
  k.expiry_warned_for = 1795356361000;
  k.expiry_warned_window = "1d";
  k.version = (1ull << 40) + 5;
  k.created_seq = 200;
  return k;
}
}  // namespace

TEST_CASE("a key state encodes as a MessagePack map with every field, in its own types", "[projections][codec]") {
  KeyState k = FullKey();
  json j = json::from_msgpack(projections::EncodeKey(k));
  CHECK(j.size() == 40);
  CHECK(j["name"] == k.name);
  CHECK(j["desc"] == *k.description);
  CHECK(j["perms"].size() == 20);
  CHECK(j["perms"][19] == "perm:19");
  CHECK(j["meta"] == k.metadata);
  CHECK(j["cat"] == 1795356360123);
  CHECK(j["uses"] == 70000);
  CHECK(j["enabled"] == false);
  CHECK(j["luu"].get<std::string>().size() == 70000);
  CHECK(j["cr"] == json::parse(R"({"remaining":-3,"refill":{"amount":1000,"interval":"daily"}})"));
  CHECK(j["rl"] == json::parse(R"({"limit":10,"window_ms":1000})"));
  CHECK(j["v"].get<uint64_t>() == (1ull << 40) + 5);
  CHECK(j["clw"] == true);
  CHECK(j["eww"] == "1d");
}

TEST_CASE("a key state survives encode and decode, optional fields set or not", "[projections][codec]") {
  KeyState full = FullKey();
  auto back = projections::DecodeKey(projections::EncodeKey(full));
  REQUIRE(back);
  CHECK(back->name == full.name);
  CHECK(back->permissions == full.permissions);
  CHECK(back->metadata == full.metadata);
  CHECK(back->last_used_user_agent == full.last_used_user_agent);
  CHECK(back->credits == full.credits);
  CHECK(back->ratelimit == full.ratelimit);
  CHECK(back->version == full.version);
  CHECK(back->expiry_warned_for == full.expiry_warned_for);
  CHECK(projections::EncodeKey(*back) == projections::EncodeKey(full));

  KeyState plain;
  plain.id = "key_1";
  plain.org_id = "o";
  plain.credits = Credits{5, std::nullopt};
  auto p = projections::DecodeKey(projections::EncodeKey(plain));
  REQUIRE(p);
  CHECK(p->id == "key_1");
  CHECK_FALSE(p->description);
  CHECK_FALSE(p->expires_at);
  CHECK_FALSE(p->ratelimit);
  CHECK(p->credits == plain.credits);
  CHECK(p->enabled);
  CHECK(json::from_msgpack(projections::EncodeKey(plain)).size() == 23);
}

TEST_CASE("integers take every MessagePack width and sign", "[projections][codec]") {
  for (int64_t v : {int64_t{0}, int64_t{127}, int64_t{128}, int64_t{255}, int64_t{256}, int64_t{65535}, int64_t{65536},
                    int64_t{4294967295}, int64_t{4294967296}, INT64_MAX, int64_t{-1}, int64_t{-32}, int64_t{-33},
                    int64_t{-128}, int64_t{-129}, int64_t{-32768}, int64_t{-32769}, int64_t{INT32_MIN},
                    int64_t{INT32_MIN} - 1, INT64_MIN}) {
    KeyState k;
    k.usage_count = v;
    k.created_at = v;
    auto back = projections::DecodeKey(projections::EncodeKey(k));
    INFO(v);
    REQUIRE(back);
    CHECK(back->usage_count == v);
    CHECK(back->created_at == v);
  }
}
