// The usage tracker's record of gates decided elsewhere (a cluster node's shared counters,
// docs/cluster.md "Credits and rate limits across nodes"): recorded as its own TryUse records them.
#include "projections/usage_tracker.h"

#include <catch2/catch.hpp>

using namespace kl;

namespace {

KeyState CreditKey(int64_t remaining) {
  KeyState k;
  k.id = "key_1";
  k.org_id = "acme";
  k.credits = Credits{remaining, std::nullopt};
  k.credits_basis = remaining;
  return k;
}

}  // namespace

TEST_CASE("usage tracker: a decided use spends from the live credits and is flushed with them", "[projections]") {
  projections::UsageTracker usage;
  const KeyState key = CreditKey(3);
  CHECK(usage.LiveCredits(key) == 3);
  usage.RecordDecided(key, ValidationCode::kValid, 1, 1000, "10.0.0.1", "ua");
  usage.RecordDecided(key, ValidationCode::kValid, 1, 1001, "10.0.0.2", "ua");
  usage.RecordDecided(key, ValidationCode::kUsageExceeded, 0, 1002, "10.0.0.3", "ua");
  CHECK(usage.LiveCredits(key) == 1);
  auto view = usage.View(key);
  CHECK(view.usage_count == 2);
  CHECK(view.credits_remaining == 1);
  CHECK(view.last_used_ip == "10.0.0.2");
  // The local gate agrees with what was recorded: one credit left, then none.
  CHECK(usage.TryUse(key, 1003, "ip", "ua").code == ValidationCode::kValid);
  CHECK(usage.TryUse(key, 1004, "ip", "ua").code == ValidationCode::kUsageExceeded);

  auto flushed = usage.BeginFlush();
  REQUIRE(flushed.size() == 1);
  REQUIRE(flushed[0].used);
  CHECK(flushed[0].used->count == 3);
  CHECK(flushed[0].used->credits_spent == 3);
  CHECK(flushed[0].rejected.at("USAGE_EXCEEDED").count == 2);
}

TEST_CASE("usage tracker: a key without credits has no live credits", "[projections]") {
  projections::UsageTracker usage;
  KeyState key = CreditKey(1);
  key.credits.reset();
  CHECK_FALSE(usage.LiveCredits(key));
  usage.RecordDecided(key, ValidationCode::kValid, 0, 1000, "ip", "ua");
  CHECK(usage.View(key).usage_count == 1);
  CHECK_FALSE(usage.LiveCredits(key));
}
