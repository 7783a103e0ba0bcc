#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "domain/crypto.h"
#include "events/canonical_json.h"
#include "events/chain.h"
#include "events/codec.h"
#include "events/json.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;

TEST_CASE("Seal computes both chains over the canonical bytes", "[events][chain]") {
  Event e = test::AllFixtures()[2];
  Hash32 prev{}, org_prev{};
  prev[31] = 1;
  org_prev[0] = 2;
  events::Seal(e, prev, org_prev);
  CHECK(e.prev_hash == prev);
  CHECK(e.org_prev_hash == org_prev);
  std::string c = events::CanonicalBytes(e);
  CHECK(c == events::Canonicalize(events::ToJsonUnsealed(e)));
  std::string p(reinterpret_cast<const char*>(prev.data()), 32), o(reinterpret_cast<const char*>(org_prev.data()), 32);
  CHECK(e.hash == Sha256(p + c));
  CHECK(e.org_hash == Sha256(o + c));
  CHECK(e.hash != e.org_hash);
  CHECK(events::VerifySeal(e));
}

TEST_CASE("the first event of the log and of an org chains from 32 zero bytes", "[events][chain]") {
  Event e = test::AllFixtures()[0];
  events::Seal(e, Hash32{}, Hash32{});
  std::string c = events::CanonicalBytes(e);
  CHECK(e.hash == Sha256(std::string(32, '\0') + c));
  CHECK(e.hash == e.org_hash);  // same previous hash, same content
}

TEST_CASE("the canonical bytes do not depend on the hash fields", "[events][chain]") {
  Event a = test::AllFixtures()[5];
  Event b = a;
  events::Seal(a, Hash32{}, Hash32{});
  Hash32 other{};
  other.fill(0x5a);
  events::Seal(b, other, other);
  CHECK(events::CanonicalBytes(a) == events::CanonicalBytes(b));
  CHECK(a.hash != b.hash);
}

TEST_CASE("changing any part of a sealed event breaks its seal", "[events][chain]") {
  Event sealed = test::AllFixtures()[2];  // the fully populated KeyCreated
  events::Seal(sealed, sealed.prev_hash, sealed.org_prev_hash);
  REQUIRE(events::VerifySeal(sealed));
  const std::vector<std::pair<const char*, std::function<void(Event&)>>> tampers = {
      {"seq", [](Event& e) { e.seq++; }},
      {"recorded_at", [](Event& e) { e.recorded_at++; }},
      {"id", [](Event& e) { e.id.back() = 'Z'; }},
      {"org_id", [](Event& e) { e.org_id = "acme2"; }},
      {"key_id", [](Event& e) { e.key_id.reset(); }},
      {"stream_version", [](Event& e) { e.stream_version++; }},
      {"actor.type", [](Event& e) { e.actor.type = "admin"; }},
      {"actor.id", [](Event& e) { e.actor.id = "admin"; }},
      {"request_id", [](Event& e) { e.request_id = "req-2"; }},
      {"data.name", [](Event& e) { std::get<KeyCreated>(e.data).name = "x"; }},
      {"data.metadata", [](Event& e) { std::get<KeyCreated>(e.data).metadata["n"] = 1.25; }},
      {"data.enabled", [](Event& e) { std::get<KeyCreated>(e.data).enabled = true; }},
      {"data.credits", [](Event& e) { std::get<KeyCreated>(e.data).credits->refill.reset(); }},
      {"data.type", [](Event& e) { e.data = KeyRevoked{}; }},
      {"prev_hash", [](Event& e) { e.prev_hash[0] ^= 1; }},
      {"hash", [](Event& e) { e.hash[31] ^= 0x80; }},
      {"org_prev_hash", [](Event& e) { e.org_prev_hash[7] ^= 4; }},
      {"org_hash", [](Event& e) { e.org_hash[0] ^= 1; }},
  };
  for (const auto& [what, tamper] : tampers) {
    Event e = sealed;
    tamper(e);
    INFO(what);
    CHECK_FALSE(events::VerifySeal(e));
  }
}

TEST_CASE("events chain: each hash is the next event's previous hash", "[events][chain]") {
  auto fixtures = test::AllFixtures();
  Hash32 head{}, org_head{};
  std::vector<Event> log;
  for (Event e : fixtures) {
    events::Seal(e, head, org_head);
    head = e.hash;
    org_head = e.org_hash;
    log.push_back(e);
  }
  for (size_t i = 0; i < log.size(); ++i) {
    // What keyledger verify does: decode the stored bytes, re-check the seal and the link.
    auto back = events::Decode(events::Encode(log[i]));
    REQUIRE(back.ok());
    CHECK(events::VerifySeal(*back));
    if (i > 0) CHECK(back->prev_hash == log[i - 1].hash);
  }
  // Dropping an event breaks the link of the one after it.
  CHECK(log[3].prev_hash != log[1].hash);
}

TEST_CASE("sealing never throws, whatever bytes the event's text holds", "[events][chain]") {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  Event e = test::Fixture(KeyUseRejected{all_bytes, 1, 0, 0, all_bytes, all_bytes});
  e.request_id = all_bytes;
  REQUIRE_NOTHROW(events::Seal(e, Hash32{}, Hash32{}));
  CHECK(events::VerifySeal(e));
  // The raw bytes are stored as they are, and the decoded event still verifies.
  auto back = events::Decode(events::Encode(e));
  REQUIRE(back.ok());
  CHECK(std::get<KeyUseRejected>(back->data).ip == all_bytes);
  CHECK(events::VerifySeal(*back));
}

TEST_CASE("sealing from a canonical template gives the hashes sealing the event gives", "[events][chain]") {
  // Metadata with names outside ASCII and text outside the BMP: the general sort path inside data.
  KeyCreated odd;
  odd.name = "\xf0\x9f\x98\x80 key";
  odd.secret_hash_hex = std::string(64, 'c');
  odd.obfuscated_value = "sk_\u2026abcd";
  odd.metadata = nlohmann::json::parse(R"({"\u20ac":1,"\ud83d\ude00":2,"z":{"b":1,"a":[true,null]}})");
  std::vector<Event> events = test::AllFixtures();
  events.push_back(test::Fixture(odd));
  events.push_back(test::GlobalFixture(odd));
  // Values of the two open fields the template must render exactly as the full path does.
  const std::vector<std::pair<uint64_t, Millis>> opens = {
      {1, 0}, {42, 1795356360123}, {(1ull << 53), 253402300799999}, {(1ull << 53) + 3, 1}};
  Hash32 prev{}, org_prev{};
  prev[0] = 7;
  org_prev[5] = 9;
  for (const Event& fixture : events) {
    Event unsealed = fixture;
    unsealed.seq = 0;
    unsealed.recorded_at = 0;
    events::CanonicalTemplate t = events::MakeCanonicalTemplate(unsealed);
    for (auto [seq, at] : opens) {
      Event a = unsealed, b = unsealed;
      a.seq = b.seq = seq;
      a.recorded_at = b.recorded_at = at;
      events::Seal(a, prev, org_prev);
      events::Seal(b, t, prev, org_prev);
      INFO(events::CanonicalBytes(a));
      CHECK(b.hash == a.hash);
      CHECK(b.org_hash == a.org_hash);
      CHECK(b.prev_hash == prev);
      CHECK(b.org_prev_hash == org_prev);
      CHECK(events::VerifySeal(b));
    }
  }
}
