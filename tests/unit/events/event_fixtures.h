// One fixed, fully populated event of every type: the inputs of the golden and codec tests.
#pragma once
#include <vector>

#include "domain/event.h"

namespace kl::test {

inline Event Fixture(EventData data, bool key_stream = true) {
  Event e;
  e.seq = 42;
  e.recorded_at = 1795356360123;  // 2026-11-22T14:06:00.123Z
  e.id = "evt_01JDXK7Z8Q6N2V3W4X5Y6Z7A8B";
  e.org_id = "acme";
  if (key_stream) e.key_id = "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8C";
  e.stream_version = 3;
  e.actor = Actor{"api_key", "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8D"};
  e.request_id = "req-1";
  e.data = std::move(data);
  for (size_t i = 0; i < 32; ++i) {
    e.prev_hash[i] = static_cast<uint8_t>(i);
    e.org_prev_hash[i] = static_cast<uint8_t>(255 - i);
  }
  return e;
}

// A ledger-level event: no org (a global export by the admin).
inline Event GlobalFixture(EventData data) {
  Event e = Fixture(std::move(data), false);
  e.org_id.clear();
  e.actor = Actor{"admin", "admin"};
  return e;
}

inline std::vector<Event> AllFixtures() {
  KeyCreated created;
  created.name = "ci \"deploy\"\n";
  created.description = "für dich €";
  created.secret_hash_hex = std::string(64, 'a');
  created.obfuscated_value = "sk_live_\u2026wxyz";
  created.prefix = "sk";
  created.environment = "live";
  created.permissions = {"posts:read", "apikeys:write"};
  created.permission_set = "custom";
  created.owner = Owner{"user", "u_1"};
  created.project_id = "proj_9";
  created.metadata = nlohmann::json::parse(R"({"team":"core","n":1.5,"tags":["a"]})");
  created.expires_at = 1795356361000;
  created.rotated_from = "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8E";
  created.enabled = false;
  created.ip_allowlist = {"10.0.0.0/8", "2001:db8::/32"};
  created.credits = Credits{100, CreditRefill{1000, "daily"}};
  created.ratelimit = RateLimit{10, 1000};
  created.idempotency_key_sha256 = std::string(64, 'e');
  created.request_sha256 = std::string(64, 'f');

  KeyCreated plain;  // what most keys look like: optional things unset
  plain.name = "plain";
  plain.secret_hash_hex = std::string(64, 'b');
  plain.obfuscated_value = "sk_test_\u2026abcd";
  plain.prefix = "sk";
  plain.environment = "test";
  plain.permission_set = "full_access";
  plain.owner = Owner{"organization", "acme"};

  KeyUpdated updated;
  updated.name = "renamed";
  updated.description = std::optional<std::string>();  // cleared
  updated.expires_at = std::optional<Millis>(1795356999000);
  updated.metadata = nlohmann::json::object({{"k", "v"}});
  updated.credits = std::optional<Credits>();
  updated.ratelimit = std::optional<RateLimit>(RateLimit{5, 60000});

  // The complement of `updated`: every field it leaves absent is set, and vice versa.
  KeyUpdated updated2;
  updated2.description = std::optional<std::string>("new words");
  updated2.permissions = std::vector<std::string>{"posts:write"};
  updated2.expires_at = std::optional<Millis>();  // cleared
  updated2.ip_allowlist = std::vector<std::string>{};  // set to "any", not absent
  updated2.credits = std::optional<Credits>(Credits{5, std::nullopt});
  updated2.ratelimit = std::optional<RateLimit>();  // cleared

  // Numbers and keys where RFC 8785 differs from naive JSON writers.
  KeyCreated tricky = plain;
  tricky.name = "tricky";
  tricky.secret_hash_hex = std::string(64, 'b');
  tricky.metadata = nlohmann::json::parse(R"({
    "big": 1e21, "below_big": 1e20, "small": 1e-7, "above_small": 0.000001, "third": 0.3333333333333333,
    "neg_zero": -0.0, "beyond_2_53": 9007199254740993, "max_u64": 18446744073709551615, "neg": -42,
    "\u20ac": 1, "\ud83d\ude00": 2, "\ufb33": 3, "\u00f6": 4,
    "ctl": "\u0000\u001f/\t\u00e9"
  })");

  // Bytes from outside (a User-Agent header) that are not UTF-8: rendered with U+FFFD.
  KeyUsed odd_agent{1, 1795356360000, 1795356360000, "198.51.100.7", std::string("agent\xff\xe2\x82/1\x01", 11), 0};

  ExportCreated global_export{"exp_01JDXK7Z8Q6N2V3W4X5Y6Z7A8J", "csv", std::nullopt, 1795356360000, 0, 0, 0,
                              std::string(64, '0')};

  return {
      Fixture(OrgCreated{"Acme Inc", "active"}, false),
      Fixture(OrgUpdated{std::nullopt, std::string("past_due")}, false),
      Fixture(created),
      Fixture(plain),
      Fixture(updated),
      Fixture(KeyUsed{7, 1795356360000, 1795356360999, "203.0.113.9", "curl/8", 2}),
      Fixture(KeyUseRejected{"REVOKED", 1, 1795356360000, 1795356360000, "::1", ""}),
      Fixture(KeyRevoked{std::string("leaked")}),
      Fixture(KeyRevoked{std::nullopt}),
      Fixture(KeyExpired{1795356361000}),
      Fixture(KeyRotated{"key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8F", 1795357360123}),
      Fixture(KeyDisabled{std::string("billing")}),
      Fixture(KeyEnabled{std::nullopt}),
      Fixture(KeyCreditsRefilled{1000, 1000}),
      Fixture(KeyExpiringSoon{1795961160123, "7d"}),
      Fixture(KeyCreditsLow{10, 100}),
      Fixture(KeyLeakReported{"https://github.com/x/y/blob/main/.env", "github"}),
      Fixture(WebhookCreated{"whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G", "https://siem.example/hook", {"*"}, std::nullopt,
                             std::string(64, 'c')},
              false),
      Fixture(WebhookDeleted{"whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G"}, false),
      Fixture(WebhookDisabled{"whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G", "24h of failed deliveries"}, false),
      Fixture(ExportCreated{"exp_01JDXK7Z8Q6N2V3W4X5Y6Z7A8H", "ndjson", 1795356000000, std::nullopt, 12, 1, 40,
                            std::string(64, 'd')},
              false),
      // ---- appended later: edge cases (keep appending; never reorder) ----
      Fixture(updated2),
      Fixture(KeyUpdated{}),  // nothing changed: data is {}
      Fixture(OrgUpdated{std::string("Acme Corp"), std::nullopt}, false),
      Fixture(tricky),
      Fixture(odd_agent),
      Fixture(WebhookCreated{"whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8K", "https://a.example/h", {"KeyRevoked", "KeyCreated"},
                             std::string("SIEM"), std::string(64, 'c')},
              false),
      GlobalFixture(global_export),
      Fixture(WebhookEnabled{"whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G"}, false),
      Fixture(WidgetTokenMinted{"wtk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8K", std::string("user_01ABC"),
                                {"widgets:api-keys:manage"}, 1795359600000},
              false),
  };
}

}  // namespace kl::test
