// Freezes the canonical rendering of every event type. An event's hash covers this rendering,
// so if one of these fails, a change would alter the hash of events already written: make the
// change additive instead (a new key absent when unset), never edit these values.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "domain/crypto.h"
#include "events/chain.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;

static const char* kGolden[] = {
#include "tests/unit/events/golden_hashes.inc"
};

TEST_CASE("golden: the canonical bytes of every event type never change", "[events][golden]") {
  auto fixtures = test::AllFixtures();
  // KEYLEDGER_PRINT_GOLDEN=1 prints the lines of golden_hashes.inc, for appending a NEW type.
  if (std::getenv("KEYLEDGER_PRINT_GOLDEN")) {
    for (Event e : fixtures) {
      events::Seal(e, e.prev_hash, e.org_prev_hash);
      std::printf("\"%s\",  // %s\n", ToHex(e.hash).c_str(), EventTypeName(e.data));
    }
  }
  REQUIRE(fixtures.size() == sizeof kGolden / sizeof kGolden[0]);
  for (size_t i = 0; i < fixtures.size(); ++i) {
    Event e = fixtures[i];
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    INFO(EventTypeName(e.data) << " #" << i << ": " << events::CanonicalBytes(e));
    CHECK(ToHex(e.hash) == kGolden[i]);
  }
}
