#include <catch2/catch.hpp>

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <random>

#include "events/chain.h"
#include "events/codec.h"
#include "events/events.capnp.h"
#include "events/json.h"
#include "tests/unit/events/event_fixtures.h"

using namespace kl;

namespace {
Event RoundTrip(const Event& e) {
  auto back = events::Decode(events::Encode(e));
  REQUIRE(back.ok());
  return *back;
}
}  // namespace

TEST_CASE("every event type round-trips through the stored encoding", "[events][codec]") {
  for (Event e : test::AllFixtures()) {
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    std::string bytes = events::Encode(e);
    auto back = events::Decode(bytes);
    INFO(EventTypeName(e.data));
    REQUIRE(back.ok());
    CHECK(back->data.index() == e.data.index());
    CHECK(back->seq == e.seq);
    CHECK(back->recorded_at == e.recorded_at);
    CHECK(back->id == e.id);
    CHECK(back->org_id == e.org_id);
    CHECK(back->key_id == e.key_id);
    CHECK(back->stream_version == e.stream_version);
    CHECK(back->actor == e.actor);
    CHECK(back->request_id == e.request_id);
    CHECK(back->prev_hash == e.prev_hash);
    CHECK(back->hash == e.hash);
    CHECK(back->org_prev_hash == e.org_prev_hash);
    CHECK(back->org_hash == e.org_hash);
    // The rendering shows every data field but the secret hashes (and tells absent from null).
    CHECK(events::ToJson(*back) == events::ToJson(e));
    CHECK(events::VerifySeal(*back));
    // Whatever Encode wrote, Decode read back.
    CHECK(events::Encode(*back) == bytes);
    if (auto* c = std::get_if<KeyCreated>(&e.data))
      CHECK(std::get<KeyCreated>(back->data).secret_hash_hex == c->secret_hash_hex);
    if (auto* w = std::get_if<WebhookCreated>(&e.data))
      CHECK(std::get<WebhookCreated>(back->data).secret_hash_hex == w->secret_hash_hex);
  }
}

TEST_CASE("KeyUpdated keeps absent, null and a value apart for every field", "[events][codec]") {
  KeyUpdated none;
  Event e = RoundTrip(test::Fixture(none));
  const auto& n = std::get<KeyUpdated>(e.data);
  CHECK_FALSE(n.name);
  CHECK_FALSE(n.description);
  CHECK_FALSE(n.permissions);
  CHECK_FALSE(n.expires_at);
  CHECK_FALSE(n.metadata);
  CHECK_FALSE(n.ip_allowlist);
  CHECK_FALSE(n.credits);
  CHECK_FALSE(n.ratelimit);

  KeyUpdated nulls;
  nulls.description = std::optional<std::string>();
  nulls.expires_at = std::optional<Millis>();
  nulls.credits = std::optional<Credits>();
  nulls.ratelimit = std::optional<RateLimit>();
  nulls.permissions = std::vector<std::string>{};  // an empty list is a value, not absent
  nulls.ip_allowlist = std::vector<std::string>{};
  nulls.metadata = nlohmann::json::object();
  nulls.name = "";
  e = RoundTrip(test::Fixture(nulls));
  const auto& z = std::get<KeyUpdated>(e.data);
  REQUIRE(z.description);
  CHECK_FALSE(*z.description);
  REQUIRE(z.expires_at);
  CHECK_FALSE(*z.expires_at);
  REQUIRE(z.credits);
  CHECK_FALSE(*z.credits);
  REQUIRE(z.ratelimit);
  CHECK_FALSE(*z.ratelimit);
  REQUIRE(z.permissions);
  CHECK(z.permissions->empty());
  REQUIRE(z.ip_allowlist);
  CHECK(z.ip_allowlist->empty());
  REQUIRE(z.metadata);
  CHECK(*z.metadata == nlohmann::json::object());
  CHECK(z.name == std::optional<std::string>(""));

  KeyUpdated values;
  values.description = std::optional<std::string>("");  // empty text is a value, not null
  values.expires_at = std::optional<Millis>(-1);
  values.credits = std::optional<Credits>(Credits{0, CreditRefill{0, "monthly"}});
  values.ratelimit = std::optional<RateLimit>(RateLimit{0, 0});
  e = RoundTrip(test::Fixture(values));
  const auto& v = std::get<KeyUpdated>(e.data);
  CHECK(v.description == std::optional<std::optional<std::string>>(std::string("")));
  CHECK(v.expires_at == std::optional<std::optional<Millis>>(Millis{-1}));
  CHECK(v.credits == std::optional<std::optional<Credits>>(Credits{0, CreditRefill{0, "monthly"}}));
  CHECK(v.ratelimit == std::optional<std::optional<RateLimit>>(RateLimit{0, 0}));
}

TEST_CASE("optional fields of the other types round-trip both ways", "[events][codec]") {
  KeyCreated bare;
  Event e = RoundTrip(test::Fixture(bare));
  const auto& b = std::get<KeyCreated>(e.data);
  CHECK_FALSE(b.description);
  CHECK_FALSE(b.project_id);
  CHECK_FALSE(b.expires_at);
  CHECK_FALSE(b.rotated_from);
  CHECK_FALSE(b.credits);
  CHECK_FALSE(b.ratelimit);
  CHECK_FALSE(b.idempotency_key_sha256);
  CHECK_FALSE(b.request_sha256);
  CHECK(b.enabled);  // the default survives
  CHECK(b.metadata == nlohmann::json::object());

  KeyCreated full = bare;
  full.description = "";
  full.expires_at = 0;
  full.credits = Credits{1, std::nullopt};
  full.enabled = false;
  full.metadata = nlohmann::json::parse(R"({"a":[1,2.5,"x",null,true,{"b":{}}],"big":18446744073709551615})");
  e = RoundTrip(test::Fixture(full));
  const auto& f = std::get<KeyCreated>(e.data);
  CHECK(f.description == std::optional<std::string>(""));
  CHECK(f.expires_at == std::optional<Millis>(0));
  CHECK(f.credits == std::optional<Credits>(Credits{1, std::nullopt}));
  CHECK_FALSE(f.enabled);
  CHECK(f.metadata == full.metadata);
  CHECK(f.metadata["a"][1].is_number_float());  // 2.5 stays a float, 1 an integer
  CHECK(f.metadata["a"][0].is_number_integer());

  e = RoundTrip(test::Fixture(ExportCreated{"exp", "csv", std::nullopt, 5, 0, 0, UINT64_MAX, ""}, false));
  const auto& x = std::get<ExportCreated>(e.data);
  CHECK_FALSE(x.from);
  CHECK(x.to == std::optional<Millis>(5));
  CHECK(x.last_seq == UINT64_MAX);

  Event org = test::Fixture(OrgCreated{"o", "active"}, false);
  CHECK_FALSE(RoundTrip(org).key_id);
  org.key_id = "";
  CHECK(RoundTrip(org).key_id == std::optional<std::string>(""));
}

namespace {
// Appends a NUL and a byte to every string of an event, to catch any field written through a
// conversion that stops at NUL.
void Nul(std::string& s) { s += std::string("\0z", 2); }
void Nul(std::optional<std::string>& s) {
  if (s) Nul(*s);
}
void Nul(std::vector<std::string>& v) {
  for (auto& s : v) Nul(s);
}
struct AddNuls {
  void operator()(OrgCreated& d) { Nul(d.name), Nul(d.status); }
  void operator()(OrgUpdated& d) { Nul(d.name), Nul(d.status); }
  void operator()(KeyCreated& d) {
    Nul(d.name), Nul(d.description), Nul(d.secret_hash_hex), Nul(d.obfuscated_value), Nul(d.prefix);
    Nul(d.environment), Nul(d.permissions), Nul(d.permission_set), Nul(d.owner.type), Nul(d.owner.id);
    Nul(d.project_id), Nul(d.rotated_from), Nul(d.ip_allowlist), Nul(d.idempotency_key_sha256), Nul(d.request_sha256);
    if (d.credits && d.credits->refill) Nul(d.credits->refill->interval);
    d.metadata["nul"] = std::string("\0", 1);
  }
  void operator()(KeyUpdated& d) {
    Nul(d.name);
    if (d.description) Nul(*d.description);
    if (d.permissions) Nul(*d.permissions);
    if (d.ip_allowlist) Nul(*d.ip_allowlist);
    if (d.credits && *d.credits && (*d.credits)->refill) Nul((*d.credits)->refill->interval);
  }
  void operator()(KeyUsed& d) { Nul(d.ip), Nul(d.user_agent); }
  void operator()(KeyUseRejected& d) { Nul(d.code), Nul(d.ip), Nul(d.user_agent); }
  void operator()(KeyRevoked& d) { Nul(d.reason); }
  void operator()(KeyExpired&) {}
  void operator()(KeyRotated& d) { Nul(d.new_key_id); }
  void operator()(KeyDisabled& d) { Nul(d.reason); }
  void operator()(KeyEnabled& d) { Nul(d.reason); }
  void operator()(KeyCreditsRefilled&) {}
  void operator()(KeyExpiringSoon& d) { Nul(d.window); }
  void operator()(KeyCreditsLow&) {}
  void operator()(KeyLeakReported& d) { Nul(d.url), Nul(d.source); }
  void operator()(WebhookCreated& d) {
    Nul(d.webhook_id), Nul(d.url), Nul(d.event_types), Nul(d.description), Nul(d.secret_hash_hex);
  }
  void operator()(WebhookDeleted& d) { Nul(d.webhook_id); }
  void operator()(WebhookDisabled& d) { Nul(d.webhook_id), Nul(d.reason); }
  void operator()(WebhookEnabled& d) { Nul(d.webhook_id); }
  void operator()(WidgetTokenMinted& d) { Nul(d.token_id), Nul(d.user_id), Nul(d.scopes); }
  void operator()(ExportCreated& d) { Nul(d.export_id), Nul(d.format), Nul(d.file_sha256); }
};
}  // namespace

TEST_CASE("every string field keeps bytes after a NUL", "[events][codec]") {
  for (Event e : test::AllFixtures()) {
    Nul(e.id), Nul(e.org_id), Nul(e.key_id), Nul(e.actor.type), Nul(e.actor.id), Nul(e.request_id);
    std::visit(AddNuls{}, e.data);
    events::Seal(e, e.prev_hash, e.org_prev_hash);
    INFO(EventTypeName(e.data));
    Event back = RoundTrip(e);
    CHECK(events::ToJson(back) == events::ToJson(e));
    CHECK(events::VerifySeal(back));
    if (auto* c = std::get_if<KeyCreated>(&e.data))
      CHECK(std::get<KeyCreated>(back.data).secret_hash_hex == c->secret_hash_hex);
    if (auto* w = std::get_if<WebhookCreated>(&e.data))
      CHECK(std::get<WebhookCreated>(back.data).secret_hash_hex == w->secret_hash_hex);
  }
}

TEST_CASE("text keeps its exact bytes, NULs and non-UTF-8 included", "[events][codec]") {
  std::string raw("a\0b\xFF\xC0\x80", 6);
  Event e = test::Fixture(KeyLeakReported{raw, raw});
  e.actor.id = raw;
  Event back = RoundTrip(e);
  CHECK(std::get<KeyLeakReported>(back.data).url == raw);
  CHECK(back.actor.id == raw);
}

TEST_CASE("decoding refuses what is not exactly one event message", "[events][codec]") {
  std::string bytes = events::Encode(test::AllFixtures()[2]);
  CHECK_FALSE(events::Decode("").ok());
  CHECK_FALSE(events::Decode(bytes.substr(0, bytes.size() - 1)).ok());
  auto trailing = events::Decode(bytes + std::string(8, '\0'));
  CHECK_FALSE(trailing.ok());
  CHECK(trailing.status().code() == Code::kInternal);
  CHECK_FALSE(events::Decode(bytes + bytes).ok());
}

TEST_CASE("an event type this build does not know is an error, not a crash", "[events][codec]") {
  // Write a message, then point its payload union at a member a newer build might add. The
  // discriminant's place is found by diffing the data sections of two payload types.
  auto data_section = [](capnp::MallocMessageBuilder& m) { return capnp::toAny(m.getRoot<events::schema::Event>()).getDataSection(); };
  capnp::MallocMessageBuilder a, b;
  a.initRoot<events::schema::Event>().initPayload().initOrgCreated();
  b.initRoot<events::schema::Event>().initPayload().initExportCreated();
  auto da = data_section(a), db = data_section(b);
  REQUIRE(da.size() == db.size());
  size_t at = da.size();
  for (size_t i = 0; i < da.size(); ++i)
    if (da[i] != db[i]) at = std::min(at, i);
  REQUIRE(at < da.size());
  db[at] = 0xF0;  // little-endian uint16 discriminant: 0x??F0, far beyond the 19 types
  db[at + 1] = 0x7F;
  auto words = capnp::messageToFlatArray(b);
  auto result = events::Decode(std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size()));
  CHECK_FALSE(result.ok());
  CHECK(result.status().code() == Code::kInternal);
}

TEST_CASE("decoding survives misaligned, truncated and random bytes", "[events][codec]") {
  for (const Event& e : test::AllFixtures()) {
    std::string bytes = events::Encode(e);
    // A misaligned source buffer still decodes.
    std::string shifted = "x" + bytes;
    CHECK(events::Decode(std::string_view(shifted).substr(1)).ok());
    for (size_t cut = 0; cut < bytes.size(); ++cut) CHECK_FALSE(events::Decode(bytes.substr(0, cut)).ok());
  }
  std::string bytes = events::Encode(test::AllFixtures()[2]);
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string junk(8 * (1 + rng() % 64), '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 2) std::memset(junk.data(), 0, 4);  // one segment: get past the segment table
    auto r = events::Decode(junk);  // must not crash or throw; may or may not decode
    if (!r.ok()) CHECK(r.status().code() == Code::kInternal);
    std::string flipped = bytes;
    for (int k = 0; k < 1 + i % 4; ++k) flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    auto f = events::Decode(flipped);
    // Whatever decodes must still render and hash without throwing.
    if (f.ok()) CHECK_NOTHROW(events::VerifySeal(*f));
  }
}

TEST_CASE("stored metadata nested deeper than the API allows does not decode", "[events][codec]") {
  auto nested = [](int depth) {
    return nlohmann::json::parse(std::string(depth, '[') + std::string(depth, ']'));
  };
  for (Event e : test::AllFixtures()) {
    auto* created = std::get_if<KeyCreated>(&e.data);
    if (!created) continue;
    created->metadata = {{"deep", nested(40)}};
    CHECK(events::Decode(events::Encode(e)).ok());
    created->metadata = {{"deep", nested(200)}};
    auto back = events::Decode(events::Encode(e));
    CHECK_FALSE(back.ok());
  }
}

TEST_CASE("decoding into a used event leaves nothing of what it held", "[events][codec]") {
  // A replay decodes into recycled events: every pair of types, in both orders, and a usage
  // window into a usage window (whose strings are reused in place).
  std::vector<Event> all = test::AllFixtures();
  Event long_used = test::Fixture(KeyUsed{3, 10, 20, std::string(100, 'i'), std::string(300, 'u'), 7});
  Event short_used = test::Fixture(KeyUsed{1, 1, 2, "ip", "", 0});
  short_used.key_id.reset();  // and a key id that goes away
  all.push_back(long_used);
  all.push_back(short_used);
  // Envelopes that differ too, so that a field left as the recycled event had it shows.
  for (size_t i = 0; i < all.size(); ++i) {
    Event& e = all[i];
    e.seq = 100 + i;
    e.recorded_at = 1700000000000 + static_cast<Millis>(i);
    e.id = "evt_" + std::string(i + 1, 'x');
    e.org_id = "org_" + std::to_string(i);
    e.stream_version = 1 + i;
    e.actor = Actor{i % 2 ? "admin" : "api_key", "actor" + std::to_string(i)};
    e.request_id = "req_" + std::string(2 * i + 1, 'r');
    e.prev_hash.fill(static_cast<uint8_t>(i));
    e.org_prev_hash.fill(static_cast<uint8_t>(i + 1));
    events::Seal(e, e.prev_hash, e.org_prev_hash);
  }
  for (const Event& before : all) {
    for (const Event& after : all) {
      Event reused = *events::Decode(events::Encode(before));
      std::string bytes = events::Encode(after);
      INFO(EventTypeName(before.data) << " then " << EventTypeName(after.data));
      REQUIRE(events::DecodeInto(bytes, &reused).ok());
      CHECK(events::Encode(reused) == bytes);
      CHECK(events::ToJson(reused) == events::ToJson(after));
      CHECK(reused.key_id == after.key_id);
      CHECK(reused.seq == after.seq);
      CHECK(reused.recorded_at == after.recorded_at);
      CHECK(reused.id == after.id);
      CHECK(reused.request_id == after.request_id);
      CHECK(reused.actor == after.actor);
      CHECK(reused.prev_hash == after.prev_hash);
      CHECK(reused.hash == after.hash);
      CHECK(reused.org_hash == after.org_hash);
    }
  }
}

TEST_CASE("an imported KeyCreated round-trips, and only it renders imported and migration_id", "[events][codec]") {
  KeyCreated c;
  c.name = "from unkey";
  c.secret_hash_hex = std::string(64, 'c');
  c.obfuscated_value = "sk_live_\u2026";
  c.prefix = "sk";
  c.environment = "live";
  c.permission_set = "custom";
  c.owner = Owner{"organization", "acme"};
  c.imported = true;
  c.migration_id = "unkey-2026";
  Event e = test::Fixture(c);
  events::Seal(e, e.prev_hash, e.org_prev_hash);
  Event back = RoundTrip(e);
  const auto& d = std::get<KeyCreated>(back.data);
  CHECK(d.imported);
  CHECK(d.migration_id == "unkey-2026");
  auto data = events::DataToJson(back.data);
  CHECK(data.at("imported") == true);
  CHECK(data.at("migration_id") == "unkey-2026");
  CHECK_FALSE(data.contains("secret_hash_hex"));
  // The writer's template (written straight from the event) seals it as the JSON object does.
  Event templated = back;
  events::Seal(templated, events::MakeCanonicalTemplate(templated), e.prev_hash, e.org_prev_hash);
  CHECK(templated.hash == e.hash);

  c.imported = false;
  c.migration_id.reset();
  auto plain = events::DataToJson(RoundTrip(test::Fixture(c)).data);
  CHECK_FALSE(plain.contains("imported"));
  CHECK_FALSE(plain.contains("migration_id"));
}
