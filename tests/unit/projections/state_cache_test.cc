#include <catch2/catch.hpp>

#include "projections/state_cache.h"

using namespace kl;
using projections::StateCache;

namespace {

KeyState Key(const std::string& id, const std::string& name) {
  KeyState k;
  k.id = id;
  k.org_id = "acme";
  k.name = name;
  return k;
}

Event EventOn(const std::string& key_id) {
  Event e;
  e.org_id = "acme";
  e.key_id = key_id;
  return e;
}

}  // namespace

TEST_CASE("a cached key is served from memory until an event on it commits") {
  StateCache cache;
  Hash32 h = Sha256("secret-1");
  int loads = 0;
  std::string name = "v1";
  auto load = [&]() -> std::optional<KeyState> {
    ++loads;
    return Key("key_1", name);
  };
  CHECK(cache.KeyByHash(h, load)->name == "v1");
  CHECK(cache.KeyByHash(h, load)->name == "v1");
  CHECK(loads == 1);

  name = "v2";
  cache.Invalidate(EventOn("key_other"));  // another key's event leaves this one cached
  CHECK(cache.KeyByHash(h, load)->name == "v1");
  cache.Invalidate(EventOn("key_1"));
  CHECK(cache.KeyByHash(h, load)->name == "v2");
  CHECK(loads == 2);
}

TEST_CASE("unknown secrets are not cached") {
  StateCache cache;
  int loads = 0;
  auto missing = [&]() -> std::optional<KeyState> {
    ++loads;
    return std::nullopt;
  };
  CHECK(cache.KeyByHash(Sha256("nope"), missing) == nullptr);
  CHECK(cache.KeyByHash(Sha256("nope"), missing) == nullptr);
  CHECK(loads == 2);
  CHECK(cache.KeyCount() == 0);
}

TEST_CASE("a fill that raced a commit is answered but not kept") {
  StateCache cache;
  Hash32 h = Sha256("secret-2");
  // The load read the projection before the commit below, so what it read is already stale.
  auto stale_load = [&]() -> std::optional<KeyState> {
    cache.Invalidate(EventOn("key_2"));
    return Key("key_2", "stale");
  };
  CHECK(cache.KeyByHash(h, stale_load)->name == "stale");
  int loads = 0;
  auto fresh = [&]() -> std::optional<KeyState> {
    ++loads;
    return Key("key_2", "fresh");
  };
  CHECK(cache.KeyByHash(h, fresh)->name == "fresh");
  CHECK(loads == 1);
}

TEST_CASE("orgs are cached and dropped by org-stream events") {
  StateCache cache;
  std::string status = "active";
  auto load = [&]() -> std::optional<OrgState> {
    OrgState o;
    o.id = "acme";
    o.status = status;
    return o;
  };
  CHECK(cache.Org("acme", load)->status == "active");
  status = "decommissioning";
  CHECK(cache.Org("acme", load)->status == "active");
  Event org_event;
  org_event.org_id = "acme";
  cache.Invalidate(org_event);
  CHECK(cache.Org("acme", load)->status == "decommissioning");
}

TEST_CASE("the cache holds no more keys than its bound") {
  StateCache cache(64 * 4);  // 4 per shard
  for (int i = 0; i < 2000; ++i) {
    std::string id = "key_" + std::to_string(i);
    cache.KeyByHash(Sha256(id), [&]() -> std::optional<KeyState> { return Key(id, "n"); });
  }
  CHECK(cache.KeyCount() <= 64 * 4);
  CHECK(cache.KeyCount() > 0);
  // An evicted key loads again, correctly.
  auto again = cache.KeyByHash(Sha256("key_0"), [&]() -> std::optional<KeyState> { return Key("key_0", "n"); });
  CHECK(again->id == "key_0");
}

namespace {

// A key as the API makes them: every string a typical length, three permissions, two metadata
// members, an owner, credits with a refill.
KeyState TypicalKey(int i) {
  KeyState k;
  std::string n = std::to_string(1000000 + i);
  k.id = "key_01M98PK7JTK4J6YNQV" + n;
  k.org_id = "org_payments_eu";
  k.name = "checkout service " + n;
  k.description = "issued to the checkout service";
  k.secret_hash_hex = std::string(58, 'a') + n;
  k.obfuscated_value = "sk_live_…" + n.substr(3);
  k.prefix = "sk";
  k.environment = "live";
  k.permissions = {"apikeys:read", "validations:write", "events:read"};
  k.permission_set = "custom";
  k.owner = {"organization", "org_payments_eu"};
  k.metadata = {{"team", "payments"}, {"tier", "gold"}};
  k.created_by = {"admin", "admin"};
  k.credits = Credits{100, CreditRefill{100, "daily"}};
  return k;
}

Hash32 HashOf(int i) { return Sha256("secret-" + std::to_string(i)); }

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("the footprint estimate matches what malloc counts for a cached key") {
  WARN("not under AddressSanitizer, whose allocator malloc statistics do not describe");
}
#else
#include <malloc.h>
TEST_CASE("the footprint estimate matches what malloc counts for a cached key") {
  constexpr int kKeys = 20000;
  StateCache cache(kKeys * 2);
  size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kKeys; ++i) cache.KeyByHash(HashOf(i), [i] { return std::optional<KeyState>(TypicalKey(i)); });
  size_t measured = (mallinfo2().uordblks - before) / kKeys;
  size_t estimated = cache.KeyBytes() / kKeys;
  // Printed for docs/performance.md ("Memory per cached key").
  WARN("a typical cached key: " << measured << " bytes counted by malloc, " << estimated << " estimated, sizeof(KeyState) "
                                << sizeof(KeyState));
  CHECK(cache.KeyCount() == kKeys);
  CHECK(estimated >= measured * 8 / 10);
  CHECK(estimated <= measured * 12 / 10);
}
#endif

TEST_CASE("the cache keeps within its byte bound, and a dropped key gives its bytes back") {
  constexpr size_t kBound = 1 << 20;
  StateCache cache(1000000, kBound);
  for (int i = 0; i < 10000; ++i) cache.KeyByHash(HashOf(i), [i] { return std::optional<KeyState>(TypicalKey(i)); });
  CHECK(cache.KeyBytes() <= kBound);
  CHECK(cache.KeyCount() > 100);
  CHECK(cache.KeyCount() < 10000);
  // The latest fill is cached; invalidating it gives its bytes back.
  size_t bytes = cache.KeyBytes();
  int loads = 0;
  cache.KeyByHash(HashOf(9999), [&] {
    ++loads;
    return std::optional<KeyState>(TypicalKey(9999));
  });
  CHECK(loads == 0);
  Event e;
  e.org_id = "org_payments_eu";
  e.key_id = TypicalKey(9999).id;
  cache.Invalidate(e);
  CHECK(cache.KeyBytes() == bytes - projections::KeyFootprint(TypicalKey(9999)));
}
