// The validation index answers exactly what CheckKeyForUse answers, cold (through the loader) and
// warm (from its records); commits keep it current; it stays bounded; and under concurrency no
// reader sees a state older than an acknowledged commit.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "domain/crypto.h"
#include "projections/validation_index.h"

using namespace kl;
using projections::ValidationIndex;

namespace {

constexpr Millis kNow = 1'800'000'000'000;

// A read model in a map: what the loaders read, and counts of how often they are asked.
struct FakeReadModel {
  std::map<Hash32, KeyState> keys;
  std::map<std::string, OrgState> orgs;
  int key_loads = 0;

  ValidationIndex MakeIndex(size_t max_keys = 1024) {
    return ValidationIndex(
        max_keys,
        [this](const Hash32& h) -> std::optional<KeyState> {
          ++key_loads;
          auto it = keys.find(h);
          return it == keys.end() ? std::nullopt : std::optional<KeyState>(it->second);
        },
        [this](const std::string& id) -> std::optional<OrgState> {
          auto it = orgs.find(id);
          return it == orgs.end() ? std::nullopt : std::optional<OrgState>(it->second);
        });
  }
  Hash32 Add(KeyState k, const std::string& secret) {
    Hash32 h = Sha256(secret);
    k.secret_hash_hex = ToHex(h);
    keys[h] = std::move(k);
    return h;
  }
};

KeyState Key(const std::string& id, const std::string& org = "acme") {
  KeyState k;
  k.id = id;
  k.org_id = org;
  k.name = "k";
  k.permissions = {"posts:read", "posts:write"};
  k.version = 1;
  return k;
}

OrgState Org(const std::string& id, const std::string& status = "active") { return OrgState{id, "Org", status, 0, 0, 1}; }

Event KeyEvent(const std::string& key_id, uint64_t version, EventData data, const std::string& org = "acme") {
  Event e;
  e.org_id = org;
  e.key_id = key_id;
  e.stream_version = version;
  e.data = std::move(data);
  return e;
}

Event OrgEvent(const std::string& org, uint64_t version, EventData data) {
  Event e;
  e.org_id = org;
  e.stream_version = version;
  e.data = std::move(data);
  return e;
}

void Apply(ValidationIndex& index, const Event& e) { index.ApplyCommitted({&e}); }

}  // namespace

TEST_CASE("validation index: every status, expiry, gate, permission and org case matches CheckKeyForUse",
          "[projections][validation_index]") {
  std::vector<KeyState> variants;
  auto add = [&](auto change) {
    KeyState k = Key("key_" + std::to_string(variants.size()));
    change(k);
    variants.push_back(k);
  };
  add([](KeyState&) {});
  add([](KeyState& k) { k.status = "revoked"; });
  add([](KeyState& k) { k.status = "expired"; });
  add([](KeyState& k) { k.expires_at = kNow; });      // expires exactly now: expired
  add([](KeyState& k) { k.expires_at = kNow + 1; });  // not yet
  add([](KeyState& k) { k.expires_at = kNow - 1, k.status = "revoked"; });
  add([](KeyState& k) { k.enabled = false; });
  add([](KeyState& k) { k.enabled = false, k.expires_at = kNow - 5; });
  add([](KeyState& k) { k.ip_allowlist = {"10.0.0.0/8"}; });
  add([](KeyState& k) { k.ip_allowlist = {"192.168.1.0/24"}; });
  add([](KeyState& k) { k.ip_allowlist = {"10.0.0.0/8"}, k.permissions = {}; });
  add([](KeyState& k) { k.permissions = {}; });
  add([](KeyState& k) { k.permissions = {"admin"}; });
  add([](KeyState& k) { k.status = "mystery"; });  // not a status the record knows: full check
  const std::vector<std::vector<std::string>> requirements = {
      {}, {"posts:read"}, {"posts:read", "posts:write"}, {"posts:delete"}, {"never-interned"}, {"admin"}};
  const std::vector<std::string> org_statuses = {"active", "past_due", "trial_expired", "decommissioning"};
  const std::vector<std::optional<IpAddress>> ips = {ParseIp("10.1.2.3"), ParseIp("192.168.1.9"), std::nullopt};

  for (const auto& org_status : org_statuses) {
    FakeReadModel rm;
    rm.orgs["acme"] = Org("acme", org_status);
    std::vector<Hash32> hashes;
    for (size_t i = 0; i < variants.size(); ++i) hashes.push_back(rm.Add(variants[i], "secret-" + std::to_string(i)));
    ValidationIndex index = rm.MakeIndex();
    for (int pass = 0; pass < 2; ++pass) {  // cold (loader), then warm (records)
      for (size_t i = 0; i < variants.size(); ++i)
        for (const auto& required : requirements)
          for (const auto& ip : ips) {
            ValidationCode want = CheckKeyForUse(variants[i], org_status, kNow, required, ip);
            auto req = index.Require(required);
            INFO("org " << org_status << ", key variant " << i << ", pass " << pass << ", required "
                        << (required.empty() ? "" : required[0]));
            auto validated = index.Validate(hashes[i], req, kNow, ip);
            CHECK(ValidationCodeName(validated.code) == std::string(ValidationCodeName(want)));
            REQUIRE(validated.key);
            CHECK(validated.key->id == variants[i].id);
            auto decided = index.Decide(hashes[i], req, kNow, ip);
            CHECK(ValidationCodeName(decided.code) == std::string(ValidationCodeName(want)));
            REQUIRE(decided.org_id);
            CHECK(*decided.org_id == "acme");
          }
      if (pass == 0) CHECK(index.KeyCount() == variants.size());
    }
    CHECK(rm.key_loads == static_cast<int>(variants.size()));  // warm reads never load
  }
}

TEST_CASE("validation index: a miss asks the loader; unknown secrets and orgs are NOT_FOUND and not kept",
          "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  ValidationIndex index = rm.MakeIndex();
  projections::Requirement none;
  CHECK(index.Decide(Sha256("nobody"), none, kNow).code == ValidationCode::kNotFound);
  CHECK(index.Validate(Sha256("nobody"), none, kNow).key == nullptr);
  CHECK(rm.key_loads == 2);
  Hash32 orphan = rm.Add(Key("key_o", "gone-org"), "orphan");
  CHECK(index.Validate(orphan, none, kNow).code == ValidationCode::kNotFound);
  CHECK(index.KeyCount() == 0);

  Hash32 h = rm.Add(Key("key_1"), "s1");
  index.Prefetch(h);  // a hint only: changes no answer
  CHECK(index.Validate(h, none, kNow).code == ValidationCode::kValid);
  CHECK(index.Validate(h, none, kNow).code == ValidationCode::kValid);
  CHECK(rm.key_loads == 4);  // two misses, the orphan, then one fill
  CHECK(index.KeyCount() == 1);
}

TEST_CASE("validation index: committed events update held keys without a load", "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  Hash32 h = rm.Add(Key("key_1"), "s1");
  ValidationIndex index = rm.MakeIndex();
  std::vector<std::string> write = {"posts:write"}, admin = {"admin"};
  CHECK(index.Decide(h, index.Require(write), kNow).code == ValidationCode::kValid);
  CHECK(rm.key_loads == 1);

  Apply(index, KeyEvent("key_1", 2, KeyDisabled{}));
  CHECK(index.Decide(h, index.Require(write), kNow).code == ValidationCode::kDisabled);
  Apply(index, KeyEvent("key_1", 3, KeyEnabled{}));
  CHECK(index.Decide(h, index.Require(write), kNow).code == ValidationCode::kValid);
  KeyUpdated perms;
  perms.permissions = std::vector<std::string>{"admin"};
  Apply(index, KeyEvent("key_1", 4, perms));
  CHECK(index.Decide(h, index.Require(write), kNow).code == ValidationCode::kInsufficientPermissions);
  CHECK(index.Decide(h, index.Require(admin), kNow).code == ValidationCode::kValid);
  Apply(index, KeyEvent("key_1", 5, KeyRotated{"key_2", kNow + 10}));
  CHECK(index.Decide(h, index.Require(admin), kNow).code == ValidationCode::kValid);
  CHECK(index.Decide(h, index.Require(admin), kNow + 10).code == ValidationCode::kExpired);
  Apply(index, KeyEvent("key_1", 6, KeyUsed{3, kNow, kNow, "10.0.0.1", "ua", 0}));
  CHECK(index.Validate(h, index.Require(admin), kNow).key->usage_count == 3);
  Apply(index, KeyEvent("key_1", 7, KeyRevoked{"leaked"}));
  auto v = index.Validate(h, index.Require(admin), kNow);
  CHECK(v.code == ValidationCode::kRevoked);
  CHECK(v.key->version == 7);
  CHECK(rm.key_loads == 1);

  SECTION("an org suspended by a commit answers TENANT_INACTIVE at once") {
    OrgUpdated up;
    up.status = "decommissioning";
    Apply(index, OrgEvent("acme", 2, up));
    CHECK(index.Decide(h, projections::Requirement{}, kNow).code == ValidationCode::kTenantInactive);
    up.status = "active";
    Apply(index, OrgEvent("acme", 3, up));
    CHECK(index.Decide(h, projections::Requirement{}, kNow).code == ValidationCode::kRevoked);
  }
  SECTION("an event the index cannot follow (a version gap) drops the key: the loader answers") {
    rm.keys[h].status = "revoked";
    rm.keys[h].version = 9;
    Apply(index, KeyEvent("key_1", 9, KeyEnabled{}));
    CHECK(index.KeyCount() == 0);
    CHECK(index.Validate(h, projections::Requirement{}, kNow).key->version == 9);
    CHECK(rm.key_loads == 2);
  }
  SECTION("an org event after a gap makes the org unknown until reloaded") {
    rm.orgs["acme"].status = "decommissioning";
    rm.orgs["acme"].version = 5;
    Apply(index, OrgEvent("acme", 5, OrgUpdated{}));
    CHECK(index.Decide(h, projections::Requirement{}, kNow).code == ValidationCode::kTenantInactive);
    CHECK(index.Decide(h, projections::Requirement{}, kNow).code == ValidationCode::kTenantInactive);
  }
}

TEST_CASE("validation index: a key created in a known org is held from its commit", "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  Hash32 first = rm.Add(Key("key_1"), "s1");
  ValidationIndex index = rm.MakeIndex();
  index.Decide(first, projections::Requirement{}, kNow);  // makes the org known
  KeyCreated c;
  c.name = "new";
  Hash32 h = Sha256("s2");
  c.secret_hash_hex = ToHex(h);
  c.permissions = {"posts:read"};
  c.expires_at = kNow + 1000;
  Apply(index, KeyEvent("key_2", 1, c));
  CHECK(index.KeyCount() == 2);
  std::vector<std::string> read = {"posts:read"};
  CHECK(index.Decide(h, index.Require(read), kNow).code == ValidationCode::kValid);
  CHECK(index.Decide(h, index.Require(read), kNow + 1000).code == ValidationCode::kExpired);
  CHECK(rm.key_loads == 1);
}

TEST_CASE("validation index: a fill that raced a commit is not kept", "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  Hash32 h = rm.Add(Key("key_1"), "s1");
  ValidationIndex* self = nullptr;
  bool commit_during_load = true;
  ValidationIndex index(
      16,
      [&](const Hash32& want) -> std::optional<KeyState> {
        ++rm.key_loads;
        KeyState k = rm.keys.at(want);  // read before the commit below
        if (commit_during_load) {
          commit_during_load = false;
          Event e = KeyEvent("key_1", 2, KeyRevoked{});
          self->ApplyCommitted({&e});
          rm.keys[want].status = "revoked";
          rm.keys[want].version = 2;
        }
        return k;
      },
      [&](const std::string& id) -> std::optional<OrgState> { return rm.orgs.at(id); });
  self = &index;
  CHECK(index.Validate(h, projections::Requirement{}, kNow).code == ValidationCode::kValid);  // what it read
  CHECK(index.KeyCount() == 0);
  CHECK(index.Validate(h, projections::Requirement{}, kNow).code == ValidationCode::kRevoked);
  CHECK(index.KeyCount() == 1);
}

TEST_CASE("validation index: bounded by max_keys, every key still answers", "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  std::vector<Hash32> hashes;
  for (int i = 0; i < 200; ++i) {
    KeyState k = Key("key_" + std::to_string(i));
    if (i % 3 == 0) k.status = "revoked";
    hashes.push_back(rm.Add(k, "s" + std::to_string(i)));
  }
  ValidationIndex index = rm.MakeIndex(8);
  CHECK(index.Capacity() >= 16);
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 200; ++i) {
      auto v = index.Validate(hashes[i], projections::Requirement{}, kNow);
      CHECK(v.code == (i % 3 == 0 ? ValidationCode::kRevoked : ValidationCode::kValid));
      CHECK(v.key->id == "key_" + std::to_string(i));
      CHECK(index.KeyCount() <= 8);
    }
  CHECK(index.KeyCount() == 8);
  // Evicted keys leave no stale entry behind: a commit on any key still reaches what is held.
  for (int i = 0; i < 200; ++i) Apply(index, KeyEvent("key_" + std::to_string(i), 2, KeyDisabled{}));
  for (int i = 0; i < 200; ++i) rm.keys[hashes[i]].enabled = false, rm.keys[hashes[i]].version = 2;
  for (int i = 0; i < 200; ++i)
    CHECK(index.Decide(hashes[i], projections::Requirement{}, kNow).code ==
          (i % 3 == 0 ? ValidationCode::kRevoked : ValidationCode::kDisabled));
  index.Clear();
  CHECK(index.KeyCount() == 0);
  CHECK(index.Decide(hashes[1], projections::Requirement{}, kNow).code == ValidationCode::kDisabled);
}

TEST_CASE("validation index: more than 64 distinct permissions fall back to the full check",
          "[projections][validation_index]") {
  FakeReadModel rm;
  rm.orgs["acme"] = Org("acme");
  std::vector<Hash32> hashes;
  for (int i = 0; i < 70; ++i) {
    KeyState k = Key("key_" + std::to_string(i));
    k.permissions = {"p" + std::to_string(i)};
    hashes.push_back(rm.Add(k, "s" + std::to_string(i)));
  }
  ValidationIndex index = rm.MakeIndex();
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < 70; ++i) {
      std::vector<std::string> own = {"p" + std::to_string(i)}, other = {"p" + std::to_string((i + 1) % 70)};
      CHECK(index.Decide(hashes[i], index.Require(own), kNow).code == ValidationCode::kValid);
      CHECK(index.Decide(hashes[i], index.Require(other), kNow).code == ValidationCode::kInsufficientPermissions);
    }
}

// As the state cache's test: a commit is acknowledged after the commit hook ran, and from then on
// no read may see an older version. Here the writer also flips the key between enabled and
// disabled, so a reader also checks that the code it got belongs to the state it got.
TEST_CASE("validation index: once a commit is acknowledged, no reader sees an older version",
          "[projections][validation_index][concurrency]") {
  std::atomic<uint64_t> committed{1};
  std::atomic<uint64_t> acknowledged{1};
  Hash32 h = Sha256("secret");
  auto state_at = [&](uint64_t v) {
    KeyState k = Key("key_1");
    k.secret_hash_hex = ToHex(h);
    k.version = v;
    k.enabled = v % 2 == 1;  // odd versions enabled
    return k;
  };
  ValidationIndex index(
      64, [&](const Hash32&) -> std::optional<KeyState> { return state_at(committed.load()); },
      [&](const std::string& id) -> std::optional<OrgState> { return Org(id); });
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0}, torn{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      const std::vector<std::string> required = {"posts:read"};
      auto req = index.Require(required);
      while (!stop) {
        uint64_t floor = acknowledged.load();
        if (t == 0) {  // the lock-free path: the code alone
          auto code = index.Decide(h, req, kNow).code;
          if (code != ValidationCode::kValid && code != ValidationCode::kDisabled) ++torn;
          // Both codes are possible while a commit is in flight; once acknowledged, the newer one.
          uint64_t after = acknowledged.load();
          if (after == floor && floor % 2 == 0 && code == ValidationCode::kValid && committed.load() == floor) ++stale;
        } else {
          auto v = index.Validate(h, req, kNow);
          if (v.key->version < floor) ++stale;
          bool enabled_code = v.code == ValidationCode::kValid;
          if (enabled_code != v.key->enabled) ++torn;
        }
        ++reads;
      }
    });
  // The writer waits (yielding, no sleep) until the readers are reading, and again now and then,
  // so commits and reads interleave even on a busy machine.
  auto wait_for_reads = [&](int n) {
    int target = reads.load() + n;
    while (reads.load() < target) std::this_thread::yield();
  };
  wait_for_reads(3);
  for (uint64_t v = 2; v < 4000; ++v) {
    if (v % 128 == 0) wait_for_reads(3);
    committed.store(v);                                        // the projection is written...
    Event e = KeyEvent("key_1", v, v % 2 ? EventData(KeyEnabled{}) : EventData(KeyDisabled{}));
    index.ApplyCommitted({&e});                                // ...the commit hook runs...
    acknowledged.store(v);                                     // ...and only then is the writer answered
  }
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(stale == 0);
  CHECK(torn == 0);
  CHECK(reads > 0);
}
