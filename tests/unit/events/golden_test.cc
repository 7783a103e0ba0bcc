// Freezes the rendering of every event type. An event's hash covers its canonical bytes, so if
// one of these fails, the change would alter the hash of events already written and break every
// chain after them: make the change additive instead (a new key absent when unset, a new field
// reading as absent from old messages), never edit these values.
//
// To add a fixture: append it to AllFixtures(), run with KEYLEDGER_PRINT_GOLDEN=1 and append
// ONLY the new lines it prints to the .inc files.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "domain/crypto.h"
#include "events/chain.h"
#include "events/codec.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;

namespace {

struct Golden {
  const char* canonical;  // C, exactly
  const char* hash;       // SHA-256(prev_hash ‖ C) with the fixture's prev_hash
};
const Golden kGolden[] = {
#include "tests/unit/events/golden_events.inc"
};

// Encode() output captured when each fixture was frozen. Decoding must keep rendering them to
// the same bytes forever: this is what catches a renumbered or retyped Cap'n Proto field.
const char* kEncodedHex[] = {
#include "tests/unit/events/golden_encoded.inc"
};

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

void PrintGolden(const std::vector<Event>& fixtures) {
  std::printf("---- golden_events.inc ----\n");
  for (Event e : fixtures) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    std::printf("{R\"golden(%s)golden\",\n \"%s\"},  // %s\n", events::CanonicalBytes(e).c_str(),
                ToHex(e.hash).c_str(), EventTypeName(e.data));
  }
  std::printf("---- golden_encoded.inc ----\n");
  for (Event e : fixtures) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    std::string bytes = events::Encode(e);
    std::printf("\"%s\",  // %s\n",
                ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()).c_str(), EventTypeName(e.data));
  }
}

}  // namespace

TEST_CASE("golden: the canonical bytes and hash of every event type never change", "[events][golden]") {
  auto fixtures = test::AllFixtures();
  if (std::getenv("KEYLEDGER_PRINT_GOLDEN")) PrintGolden(fixtures);
  REQUIRE(fixtures.size() == sizeof kGolden / sizeof kGolden[0]);

  // Every type of the catalogue is frozen at least once.
  std::set<size_t> types;
  for (const Event& e : fixtures) types.insert(e.data.index());
  CHECK(types.size() == std::variant_size_v<EventData>);

  for (size_t i = 0; i < fixtures.size(); ++i) {
    Event e = fixtures[i];
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    INFO(EventTypeName(e.data) << " #" << i);
    CHECK(events::CanonicalBytes(e) == kGolden[i].canonical);
    CHECK(ToHex(e.hash) == kGolden[i].hash);
    // The golden hash is the plain formula over the golden bytes: nothing else goes in.
    std::string prefixed(reinterpret_cast<const char*>(fixtures[i].prev_hash.data()), 32);
    CHECK(ToHex(Sha256(prefixed + kGolden[i].canonical)) == kGolden[i].hash);
  }
}

TEST_CASE("golden: events encoded by an earlier build decode and render the same", "[events][golden]") {
  REQUIRE(sizeof kEncodedHex / sizeof kEncodedHex[0] == sizeof kGolden / sizeof kGolden[0]);
  for (size_t i = 0; i < sizeof kEncodedHex / sizeof kEncodedHex[0]; ++i) {
    INFO("#" << i);
    auto e = events::Decode(FromHex(kEncodedHex[i]));
    REQUIRE(e.ok());
    CHECK(events::CanonicalBytes(*e) == kGolden[i].canonical);
    CHECK(ToHex(e->hash) == kGolden[i].hash);
    CHECK(events::VerifySeal(*e));
  }
}
