// Key states shared by the state_codec fuzz target: fuzz_state_seeds (state_seeds.cc) writes
// their encodings as the seed corpus, and state_codec_fuzz.cc mutates the same encodings. Small
// on purpose (a seed raises libFuzzer's max_len to its size), but every field is set in the full
// one and every MessagePack width the codec writes appears somewhere: str 8 and str 16, array 16,
// int 8/16/32/64 of both signs, uint 64, nested metadata of every JSON type.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/key.h"

namespace kl::fuzz {

// What a fresh KeyState encodes to, with the two strings a key always has.
inline KeyState MinimalKeyState() {
  KeyState k;
  k.id = "key_1";
  k.org_id = "acme";
  return k;
}

// Every field set, optional ones included.
inline KeyState FullKeyState() {
  KeyState k;
  k.id = "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8C";
  k.org_id = "acme";
  k.name = "checkout service, production (eu-west-1)";  // str 8
  k.description = std::string(260, 'd');               // str 16
  k.secret_hash_hex = std::string(64, 'a');
  k.obfuscated_value = "sk_live_\u2026wxyz";
  k.prefix = "sk";
  k.environment = "live";
  for (int i = 0; i < 17; ++i) k.permissions.push_back("p:" + std::to_string(i));  // array 16
  k.permission_set = "custom";
  k.owner = Owner{"user", "u_1"};
  k.project_id = "proj_9";
  k.metadata = nlohmann::json::parse(R"({
    "team": "core",
    "limits": {"daily": [1, 300, {"x": null, "y": []}], "ratio": 0.25, "off": false},
    "tags": ["a", null, true, -7, -200, -40000, 1e300, {}],
    "big": 18446744073709551615,
    "small": -9223372036854775808,
    "deep": {"a": {"b": {"c": [[["leaf"]]]}}}
  })");
  k.status = "revoked";
  k.created_at = 1795356360123;  // uint 64 (as MessagePack writes a positive int64)
  k.created_by = Actor{"admin", "admin"};
  k.updated_at = 1795356360999;
  k.expires_at = -1;           // negative fixint
  k.revoked_at = -100;         // int 8
  k.revoke_reason = "leaked";
  k.expired_at = -30000;       // int 16
  k.rotated_from = "key_from";
  k.rotated_to = "key_to";
  k.last_used_at = -3000000000;  // int 64
  k.last_used_ip = "203.0.113.7";
  k.last_used_user_agent = "curl/8.4.0";
  k.usage_count = 70000;  // uint 32
  k.enabled = false;
  k.ip_allowlist = {"10.0.0.0/8", "2001:db8::/32"};
  k.credits = Credits{-3, CreditRefill{1000, "daily"}};
  k.ratelimit = RateLimit{10, 60000};
  k.credits_refilled_at = -70000;  // int 32
  k.credits_basis = 100;
  k.credits_low_warned = true;
  k.expiry_warned_for = 1795356361000;
  k.expiry_warned_window = "1d";
  k.version = (uint64_t{1} << 63) + 5;  // above INT64_MAX: only "v" and "cseq" may be
  k.created_seq = 200;                  // uint 8
  return k;
}

// The gates without a refill, metadata that is not an object, a rotated key.
inline KeyState GatedKeyState() {
  KeyState k = MinimalKeyState();
  k.name = "gated";
  k.permissions = {"keys:read", "keys:write"};
  k.permission_set = "custom";
  k.metadata = nlohmann::json::array({"x", 1, nlohmann::json::object({{"k", "v"}})});
  k.created_at = 1;
  k.updated_at = 2;
  k.rotated_to = "key_2";
  k.credits = Credits{5, std::nullopt};
  k.ratelimit = RateLimit{1, 1};
  k.credits_refilled_at = 1;
  k.version = 3;
  k.created_seq = 1;
  return k;
}

inline std::vector<KeyState> AllKeyStates() { return {MinimalKeyState(), FullKeyState(), GatedKeyState()}; }

}  // namespace kl::fuzz
