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
  k.imported = true;
  return k;
}
}  // namespace

TEST_CASE("a key state encodes as a MessagePack map with every field, in its own types", "[projections][codec]") {
  KeyState k = FullKey();
  json j = json::from_msgpack(projections::EncodeKey(k));
  CHECK(j.size() == 41);
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
  CHECK(j["imp"] == true);
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
  CHECK(back->imported);
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
  CHECK_FALSE(p->imported);  // absent: a state encoded before imports existed reads as not imported
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

TEST_CASE("DecodeKey reads what the DOM reads: metadata of any shape, nil options, unknown fields",
          "[projections][codec]") {
  KeyState full = FullKey();
  json j = json::from_msgpack(projections::EncodeKey(full));
  auto decode = [](const json& state) {
    auto bytes = json::to_msgpack(state);
    return projections::DecodeKey(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  };

  // Metadata is free JSON: nested objects and arrays, floats, a scalar, null.
  for (const char* meta : {R"({"a":{"b":[1,{"c":[]},2.5,"x"]},"d":{}})", "[]", "\"text\"", "null", "-1"}) {
    json state = j;
    state["meta"] = json::parse(meta);
    auto back = decode(state);
    INFO(meta);
    REQUIRE(back);
    CHECK(back->metadata == state["meta"]);
    CHECK(back->name == full.name);  // the fields after it are read as fields again
    CHECK(back->credits == full.credits);
  }

  // A field this version does not know is skipped whole, whatever its shape.
  json extra = j;
  extra["zz_future"] = json::parse(R"({"id":"not the id","perms":[1,2]})");
  extra["aa_future"] = json::array({"x", json::object({{"v", 9}})});
  auto back = decode(extra);
  REQUIRE(back);
  CHECK(back->id == full.id);
  CHECK(back->version == full.version);
  CHECK(back->permissions == full.permissions);

  // Nil reads as absent for an optional field.
  json nils = j;
  nils["desc"] = nullptr;
  nils["exp"] = nullptr;
  back = decode(nils);
  REQUIRE(back);
  CHECK_FALSE(back->description);
  CHECK_FALSE(back->expires_at);
}

TEST_CASE("DecodeKey refuses a state with a missing or mistyped field, or bytes after it", "[projections][codec]") {
  json j = json::from_msgpack(projections::EncodeKey(FullKey()));
  auto decodes = [](const json& state, const std::string& tail = "") {
    auto bytes = json::to_msgpack(state);
    std::string s(bytes.begin(), bytes.end());
    return projections::DecodeKey(s + tail).has_value();
  };
  CHECK(decodes(j));
  CHECK_FALSE(decodes(j, std::string(1, '\xc0')));  // trailing bytes
  for (const char* required : {"id", "org", "name", "hash", "perms", "meta", "status", "cat", "enabled", "ips", "v",
                               "cseq"}) {
    json missing = j;
    missing.erase(required);
    INFO(required);
    CHECK_FALSE(decodes(missing));
    json nil = j;
    nil[required] = nullptr;
    if (std::string(required) != "meta") CHECK_FALSE(decodes(nil));
  }
  auto with = [&](const char* field, json value) {
    json changed = j;
    changed[field] = std::move(value);
    return changed;
  };
  CHECK_FALSE(decodes(with("id", 7)));
  CHECK_FALSE(decodes(with("cat", "yesterday")));
  CHECK_FALSE(decodes(with("cat", 1.5)));
  CHECK_FALSE(decodes(with("enabled", 1)));
  CHECK_FALSE(decodes(with("v", -1)));
  CHECK_FALSE(decodes(with("perms", json::array({"a", 1}))));
  CHECK_FALSE(decodes(with("perms", json::array({json::array({"a"})}))));
  CHECK_FALSE(decodes(with("cr", json::object({{"refill", {{"amount", 1}, {"interval", "daily"}}}}))));
  CHECK_FALSE(decodes(with("cr", json::object({{"remaining", 1}, {"refill", {{"amount", 1}}}}))));
  CHECK_FALSE(decodes(with("rl", json::object({{"limit", 1}}))));
  CHECK_FALSE(decodes(with("cr", nullptr)));
  CHECK_FALSE(decodes(json::array({j})));
  CHECK_FALSE(projections::DecodeKey(""));
  CHECK_FALSE(projections::DecodeKey("stale"));
}

namespace {
// EncodeKey's map with one more entry appended (MessagePack bytes of a key, then of its value).
std::string WithEntry(std::string encoded, const std::string& entry) {
  REQUIRE(static_cast<uint8_t>(encoded[0]) == 0xde);  // map 16: two count bytes follow
  unsigned count = (static_cast<uint8_t>(encoded[1]) << 8 | static_cast<uint8_t>(encoded[2])) + 1;
  encoded[1] = static_cast<char>(count >> 8), encoded[2] = static_cast<char>(count & 0xff);
  return encoded + entry;
}
std::string Nested(const std::string& key, int depth) {
  std::string entry(1, static_cast<char>(0xa0 | key.size()));
  entry += key;
  entry += std::string(depth, '\x91');  // an array of one element, `depth` times
  return entry + '\xc0';                // nil at the bottom
}
}  // namespace

TEST_CASE("DecodeKey refuses a field given twice and nesting deeper than any stored state", "[projections][codec]") {
  KeyState k;
  k.id = "key_1";
  k.description = "first";
  k.credits = Credits{7, std::nullopt};
  std::string encoded = projections::EncodeKey(k);
  REQUIRE(projections::DecodeKey(encoded));
  CHECK_FALSE(projections::DecodeKey(WithEntry(encoded, "\xa4" "desc" "\xc0")));          // desc: nil
  CHECK_FALSE(projections::DecodeKey(WithEntry(encoded, "\xa2" "id" "\xa1" "x")));        // id: "x"
  CHECK_FALSE(projections::DecodeKey(WithEntry(encoded, "\xa2" "cr" "\x80")));            // cr: {}
  CHECK(projections::DecodeKey(WithEntry(encoded, "\xa6" "future" "\x01")));             // unknown: skipped
  CHECK(projections::DecodeKey(WithEntry(WithEntry(encoded, "\xa6" "future" "\x01"), "\xa6" "future" "\x02")));

  // Unknown fields and metadata may nest as deep as the API lets metadata nest, not thousands deep
  // (the reader recurses once per level: that would overflow the stack).
  json meta = nullptr;
  for (int i = 0; i < 64; ++i) meta = json::array({meta});
  k.metadata = meta;
  auto deep = projections::DecodeKey(projections::EncodeKey(k));
  REQUIRE(deep);
  CHECK(deep->metadata == meta);
  CHECK(projections::DecodeKey(WithEntry(encoded, Nested("zz", 100))));
  CHECK_FALSE(projections::DecodeKey(WithEntry(encoded, Nested("zz", 100000))));
  std::string no_meta = projections::EncodeKey(KeyState{});
  // Replace the stored metadata ({} = 0x80 after "meta") with a deep one.
  size_t at = no_meta.find("\xa4" "meta\x80");
  REQUIRE(at != std::string::npos);
  std::string deep_meta = no_meta.substr(0, at) + Nested("meta", 100000) + no_meta.substr(at + 6);
  CHECK_FALSE(projections::DecodeKey(deep_meta));
  std::string ok_meta = no_meta.substr(0, at) + Nested("meta", 100) + no_meta.substr(at + 6);
  CHECK(projections::DecodeKey(ok_meta));
}

TEST_CASE("a key created from a moved event has the state a copied event gives", "[projections][codec]") {
  // Strings past the short-string buffer, so a move hands over storage rather than copying.
  const std::string longer(40, 'z');
  Event e;
  e.seq = 77;
  e.recorded_at = 1'800'000'000'000;
  e.org_id = "org_" + longer;
  e.key_id = "key_" + longer;
  e.stream_version = 1;
  e.actor = Actor{"admin", "admin-" + longer};
  KeyCreated c;
  c.name = "name " + longer;
  c.description = "description " + longer;
  c.secret_hash_hex = std::string(64, 'a');
  c.obfuscated_value = "kl_live_…" + longer;
  c.prefix = "kl";
  c.environment = "live";
  c.permissions = {"apikeys:read", "perm:" + longer};
  c.permission_set = "custom";
  c.owner = Owner{"user", "user-" + longer};
  c.project_id = "project-" + longer;
  c.metadata = nlohmann::json{{"team", longer}, {"n", 3}};
  c.expires_at = 1'900'000'000'000;
  c.rotated_from = "key_old_" + longer;
  c.enabled = false;
  c.ip_allowlist = {"10.0.0.0/8", "2001:db8::/32"};
  c.credits = Credits{50, CreditRefill{10, "daily"}};
  c.ratelimit = RateLimit{100, 60'000};
  e.data = c;

  std::optional<KeyState> copied, moved;
  EvolveKey(copied, e);
  Event doomed = e;
  EvolveKey(moved, std::move(doomed));
  REQUIRE(copied);
  REQUIRE(moved);
  CHECK(projections::EncodeKey(*moved) == projections::EncodeKey(*copied));
  CHECK(moved->name == c.name);
  CHECK(moved->permissions == c.permissions);
  CHECK(moved->metadata == c.metadata);
  CHECK(moved->owner == c.owner);
  CHECK(moved->created_seq == 77);
  // The moved-from event gave its storage up: the state did not copy it.
  CHECK(std::get<KeyCreated>(doomed.data).name.empty());
  CHECK(std::get<KeyCreated>(doomed.data).permissions.empty());

  // Later events fold the same either way.
  Event used = e;
  used.seq = 78;
  used.stream_version = 2;
  used.data = KeyUsed{3, 1'800'000'000'100, 1'800'000'000'200, "203.0.113.7", "agent " + longer, 2};
  EvolveKey(copied, used);
  EvolveKey(moved, Event(used));
  CHECK(projections::EncodeKey(*moved) == projections::EncodeKey(*copied));
  CHECK(moved->usage_count == 3);
}

TEST_CASE("roles survive the state codec: a key's names and an org's definitions", "[projections]") {
  KeyState k;
  k.id = "key_1", k.org_id = "acme", k.name = "ci", k.status = "active";
  k.roles = {"editor", "admin"};
  auto key = projections::DecodeKey(projections::EncodeKey(k));
  REQUIRE(key);
  CHECK(key->roles == k.roles);
  // A key without roles encodes as before: no "roles" member.
  k.roles.clear();
  CHECK(projections::EncodeKey(k).find("roles") == std::string::npos);

  OrgState o{"acme", "Acme", "active", 1, 2, 3, {}};
  CHECK(projections::EncodeOrg(o).find("roles") == std::string::npos);
  o.roles["editor"] = RoleDef{{"posts:read", "posts:write"}, std::string("writes"), 10, 20};
  o.roles["viewer"] = RoleDef{{"posts:read"}, std::nullopt, 11, 11};
  auto org = projections::DecodeOrg(projections::EncodeOrg(o));
  REQUIRE(org);
  CHECK(org->roles == o.roles);
  CHECK(org->version == 3);
}
