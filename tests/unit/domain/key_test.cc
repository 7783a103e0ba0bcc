#include <catch2/catch.hpp>

#include "domain/key.h"
#include "domain/org.h"
#include "domain/secret.h"
#include "domain/time.h"

using namespace kl;

static CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"admin", "admin"}, "req"}; }
static OrgState Org(const std::string& status = "active") { return OrgState{"acme", "Acme", status, 0, 0, 1}; }

TEST_CASE("creating a key reports every violated rule at once", "[domain]") {
  CreateKeyInput in;
  in.name = std::string(201, 'x');
  in.permissions = std::vector<std::string>{"OK NOT"};
  in.prefix = "X";
  in.environment = "prod";
  in.ttl_seconds = 10;
  in.expires_at = "2030-01-01T00:00:00Z";
  in.metadata = nlohmann::json::array();
  auto r = DecideCreateKey(Org(), "acme", in, {}, Ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kValidation);
  for (const char* f : {"name", "permissions", "prefix", "environment", "ttl_seconds", "expires_at", "metadata"})
    CHECK(r.status().fields().count(f) == 1);
}

TEST_CASE("a key is created only in an existing, active org", "[domain]") {
  CreateKeyInput in;
  in.name = "ci";
  CHECK(DecideCreateKey(std::nullopt, "acme", in, {}, Ctx()).status().code() == Code::kNotFound);
  auto inactive = DecideCreateKey(Org("past_due"), "acme", in, {}, Ctx());
  CHECK(inactive.status().code() == Code::kTenantInactive);
  CHECK(inactive.status().details().at("status") == "past_due");

  in.permission_set = "read_only";
  in.permissions = std::vector<std::string>{"posts:read"};
  in.ttl_seconds = 60;
  auto ok = DecideCreateKey(Org(), "acme", in, {}, Ctx());
  REQUIRE(ok.ok());
  REQUIRE(ok->events.size() == 1);
  const auto& c = std::get<KeyCreated>(ok->events[0].data);
  CHECK(c.permissions == std::vector<std::string>{"apikeys:read", "events:read", "posts:read"});
  CHECK(c.expires_at == Ctx().now + 60'000);
  CHECK(ParseSecret(ok->secret_value));
  CHECK(c.secret_hash_hex.find(ok->secret_value) == std::string::npos);
}

TEST_CASE("validation checks run in the documented order (docs/spec.md, Validation)", "[domain]") {
  std::optional<KeyState> key;
  Event created;
  created.key_id = "key_1";
  created.org_id = "acme";
  created.stream_version = 1;
  KeyCreated c;
  c.permissions = {"posts:read"};
  c.expires_at = 2000;
  created.data = c;
  EvolveKey(key, created);
  REQUIRE(key);
  CHECK(CheckKeyForUse(*key, "active", 1000, {}) == ValidationCode::kValid);
  CHECK(CheckKeyForUse(*key, "past_due", 1000, {}) == ValidationCode::kValid);
  CHECK(CheckKeyForUse(*key, "decommissioning", 1000, {}) == ValidationCode::kTenantInactive);
  CHECK(CheckKeyForUse(*key, "active", 2000, {}) == ValidationCode::kExpired);
  CHECK(CheckKeyForUse(*key, "active", 1000, {"posts:write"}) == ValidationCode::kInsufficientPermissions);
  key->status = "revoked";
  CHECK(CheckKeyForUse(*key, "active", 3000, {}) == ValidationCode::kRevoked);
  CHECK(CheckKeyForUse(*key, "decommissioning", 3000, {}) == ValidationCode::kTenantInactive);
}

TEST_CASE("org updates carry only what changed", "[domain]") {
  UpdateOrgInput same{std::string("Acme"), std::string("active")};
  CHECK(DecideUpdateOrg(Org(), same, {}, Ctx())->empty());
  UpdateOrgInput status{std::nullopt, std::string("past_due")};
  auto ev = DecideUpdateOrg(Org(), status, {}, Ctx());
  REQUIRE(ev->size() == 1);
  const auto& u = std::get<OrgUpdated>(ev->at(0).data);
  CHECK_FALSE(u.name);
  CHECK(u.status == "past_due");
  CHECK(ev->at(0).stream_version == 2);
  UpdateOrgInput bad{std::nullopt, std::string("gone")};
  CHECK(DecideUpdateOrg(Org(), bad, {}, Ctx()).status().fields().count("status") == 1);
}

TEST_CASE("usage from several nodes merges: counts add up, last_used_at is the latest in any order",
          "[domain][cluster]") {
  std::optional<KeyState> key;
  Event created;
  created.key_id = "key_1";
  created.org_id = "acme";
  created.stream_version = 1;
  created.data = KeyCreated{};
  EvolveKey(key, created);
  REQUIRE(key);
  auto used = [](uint64_t version, Millis last_at, const std::string& ip) {
    Event e;
    e.key_id = "key_1";
    e.org_id = "acme";
    e.stream_version = version;
    e.data = KeyUsed{2, last_at - 10, last_at, ip, "agent", 0};
    return e;
  };
  // Node B's newer use reaches the log before node A's older one (A flushed later).
  EvolveKey(key, used(2, 5000, "10.0.0.2"));
  EvolveKey(key, used(3, 4000, "10.0.0.1"));
  CHECK(key->usage_count == 4);
  CHECK(key->last_used_at == 5000);
  CHECK(key->last_used_ip == "10.0.0.2");
  EvolveKey(key, used(4, 6000, "10.0.0.1"));
  CHECK(key->last_used_at == 6000);
  CHECK(key->last_used_ip == "10.0.0.1");
}

TEST_CASE("a rotation's successor keeps the old expiry only when asked to", "[domain]") {
  CreateKeyInput in;
  in.name = "ci";
  in.ttl_seconds = 3600;
  auto created = DecideCreateKey(Org(), "acme", in, {}, Ctx());
  REQUIRE(created.ok());
  std::optional<KeyState> key;
  for (const Event& e : created->events) EvolveKey(key, e);
  REQUIRE(key->expires_at);

  auto successor_expiry = [&](bool keep) {
    auto rotated = DecideRotateKey(*key, Org(), 60, {}, Ctx(), keep);
    REQUIRE(rotated.ok());
    std::optional<KeyState> successor;
    EvolveKey(successor, rotated->events.front());
    return successor->expires_at;
  };
  CHECK_FALSE(successor_expiry(false));  // /v1's rotate: docs/spec.md, Rotation
  CHECK(successor_expiry(true) == key->expires_at);
}

TEST_CASE("WorkOS's organization and user ids are keyledger ids as they are", "[domain]") {
  // docs/compat.md, WorkOS: a team that moves keeps its ids, on /v1 too.
  const std::string org_id = "org_01EHZNVPK3SFK441A1RGBFSHRT";
  CreateOrgInput org_in{org_id, "Acme", std::nullopt};
  auto org = DecideCreateOrg(std::nullopt, org_in, {}, Ctx());
  REQUIRE(org.ok());

  CreateKeyInput in;
  in.name = "cli";
  in.owner = Owner{"user", "user_01EHZNVPK3SFK441A1RGBFSHRX"};
  OrgState state{org_id, "Acme", "active", 0, 0, 1};
  auto key = DecideCreateKey(state, org_id, in, {}, Ctx());
  REQUIRE(key.ok());
  std::optional<KeyState> k;
  for (const Event& e : key->events) EvolveKey(k, e);
  REQUIRE(k);
  CHECK(k->org_id == org_id);
  CHECK(k->owner == Owner{"user", "user_01EHZNVPK3SFK441A1RGBFSHRX"});
}
TEST_CASE("credit refills fall on the next UTC day or month boundary", "[domain]") {
  KeyState k;
  k.id = "key_1";
  k.org_id = "acme";
  k.version = 4;
  k.credits = Credits{0, CreditRefill{50, "daily"}};
  k.credits_refilled_at = *ParseTime("2026-11-22T14:06:00Z");
  CHECK(NextCreditRefill(k) == ParseTime("2026-11-23T00:00:00Z"));
  k.credits->refill->interval = "monthly";
  CHECK(NextCreditRefill(k) == ParseTime("2026-12-01T00:00:00Z"));
  k.credits_refilled_at = *ParseTime("2026-12-31T23:59:59Z");
  CHECK(NextCreditRefill(k) == ParseTime("2027-01-01T00:00:00Z"));
  CommandContext early{*ParseTime("2026-12-31T23:59:59.500Z"), Actor{"system", "sweeper"}, "r"};
  CHECK(DecideRefillCredits(k, early).empty());
  CommandContext due{*ParseTime("2027-01-01T00:00:00Z"), Actor{"system", "sweeper"}, "r"};
  auto ev = DecideRefillCredits(k, due);
  REQUIRE(ev.size() == 1);
  CHECK(std::get<KeyCreditsRefilled>(ev[0].data).remaining == 50);
  CHECK(ev[0].stream_version == 5);
}

