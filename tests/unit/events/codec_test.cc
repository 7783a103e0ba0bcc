#include <catch2/catch.hpp>

#include <random>

#include "events/chain.h"
#include "events/codec.h"
#include "events/json.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;

TEST_CASE("every event type round-trips through the stored encoding", "[events]") {
  for (Event e : test::AllFixtures()) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    std::string bytes = events::Encode(e);
    auto back = events::Decode(bytes);
    INFO(EventTypeName(e.data));
    REQUIRE(back.ok());
    CHECK(back->data.index() == e.data.index());
    CHECK(events::ToJson(*back) == events::ToJson(e));
    CHECK(back->hash == e.hash);
    CHECK(events::VerifySeal(*back));
    // Fields that JSON does not show survive too.
    if (auto* c = std::get_if<KeyCreated>(&e.data))
      CHECK(std::get<KeyCreated>(back->data).secret_hash_hex == c->secret_hash_hex);
  }
}

TEST_CASE("decoding survives misaligned, truncated and random bytes", "[events]") {
  Event e = test::AllFixtures()[2];
  std::string bytes = events::Encode(e);
  // Misaligned source buffer.
  std::string shifted = "x" + bytes;
  CHECK(events::Decode(std::string_view(shifted).substr(1)).ok());
  for (size_t cut = 0; cut < bytes.size(); cut += 8) CHECK_FALSE(events::Decode(bytes.substr(0, cut)).ok());
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(8 * (1 + rng() % 64), '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    auto r = events::Decode(junk);  // must not crash; may or may not decode
    (void)r;
    std::string flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)events::Decode(flipped);
  }
}

TEST_CASE("the chains detect any change to an event", "[events]") {
  Event e = test::AllFixtures()[7];
  events::Seal(e, Hash32{}, Hash32{});
  CHECK(events::VerifySeal(e));
  Event changed = e;
  changed.request_id = "req-2";
  CHECK_FALSE(events::VerifySeal(changed));
  changed = e;
  changed.prev_hash[0] ^= 1;
  CHECK_FALSE(events::VerifySeal(changed));
}

TEST_CASE("no secret hash ever reaches the JSON rendering", "[events]") {
  for (const Event& e : test::AllFixtures()) {
    std::string j = events::ToJson(e).dump();
    CHECK(j.find(std::string(64, 'a')) == std::string::npos);
    CHECK(j.find(std::string(64, 'b')) == std::string::npos);
    CHECK(j.find(std::string(64, 'c')) == std::string::npos);
  }
}
