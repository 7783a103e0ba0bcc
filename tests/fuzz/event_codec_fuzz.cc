// Fuzzes event decoding from arbitrary bytes (events/codec.h): what a corrupted or hostile log
// value would give the replay, the feed and the exports. Properties:
//
// - Decode never crashes or throws, whatever the bytes;
// - an event that decodes can be rendered, canonicalised and hashed (the chain must be a total
//   function of the stored event: sanitize.h);
// - decode -> encode -> decode is stable: the re-encoded bytes decode to an event with the same
//   canonical bytes (the same hash), and encoding that again gives the same bytes;
// - the projector's fold accepts it: EvolveKey/EvolveOrg by stream, and the key projection's own
//   codec round-trips the folded state;
// - decoding into a used event (DecodeInto, as a replay does into recycled ones) accepts and refuses
//   what Decode does, and leaves nothing of what that event held.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "domain/key.h"
#include "domain/org.h"
#include "domain/time.h"
#include "events/canonical_json.h"
#include "events/chain.h"
#include "events/codec.h"
#include "events/json.h"
#include "projections/state_codec.h"

using namespace kl;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "event_codec_fuzz: %s\n", what.c_str());
  std::abort();
}

// How deep a JSON value nests, without recursion (the value may be deep enough to overflow it).
size_t Depth(const nlohmann::json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d);
    for (const auto& child : *v) todo.emplace_back(&child, d + 1);
  }
  return deepest;
}

size_t MetadataDepth(const Event& e) {
  if (const auto* c = std::get_if<KeyCreated>(&e.data)) return Depth(c->metadata);
  if (const auto* u = std::get_if<KeyUpdated>(&e.data); u && u->metadata) return Depth(*u->metadata);
  return 0;
}

std::string Rendered(const Event& e, const char* which) {
  try {
    (void)events::ToJson(e).dump();
    return events::CanonicalBytes(e);
  } catch (const std::exception& ex) {
    Fail(std::string("the ") + which + " event cannot be rendered or hashed: " + ex.what());
  }
}

// As Projector::Apply routes it: events naming a key fold into that key, others into the org.
void Fold(const Event& e) {
  if (e.key_id) {
    std::optional<KeyState> key;
    EvolveKey(key, e);
    if (!key) return;
    (void)NextCreditRefill(*key);
    auto stored = projections::DecodeKey(projections::EncodeKey(*key));
    if (!stored) Fail("a folded key does not survive the projection codec");
  } else {
    std::optional<OrgState> org;
    EvolveOrg(org, e);
    if (org && !projections::DecodeOrg(projections::EncodeOrg(*org))) Fail("a folded org does not survive the projection codec");
  }
}

// Events a recycled one may have held: a usage window with long strings and a key id, and an
// org event without one. Fixed, so that a finding reproduces from its input alone.
std::vector<Event> UsedEvents() {
  Event used;
  used.id = std::string(64, 'i');
  used.org_id = std::string(64, 'o');
  used.key_id = std::string(64, 'k');
  used.request_id = std::string(64, 'r');
  used.actor = Actor{std::string(40, 't'), std::string(40, 'a')};
  used.data = KeyUsed{7, 1, 2, std::string(100, 'p'), std::string(300, 'u'), 3};
  Event org;
  org.org_id = "org";
  org.data = OrgCreated{"name", "active"};
  return {used, org};
}

// The append path's canonical template, its two gaps filled, is the full rendering's bytes.
void CheckTemplate(const Event& e, const std::string& canonical) {
  events::CanonicalTemplate t;
  try {
    t = events::MakeCanonicalTemplate(e);
  } catch (const std::exception& ex) {
    Fail(std::string("the canonical template cannot be made: ") + ex.what());
  }
  std::string filled = t.before_recorded_at + events::Canonicalize(nlohmann::json(FormatTime(e.recorded_at))) +
                       t.before_seq + events::Canonicalize(nlohmann::json(e.seq)) + t.after_seq;
  if (filled != canonical) Fail("the canonical template differs from the rendering:\n" + canonical + "\n" + filled);
}

void CheckDecodeInto(std::string_view input, const Result<Event>& fresh) {
  for (Event recycled : UsedEvents()) {
    Status s = events::DecodeInto(input, &recycled);
    if (s.ok() != fresh.ok()) Fail("DecodeInto and Decode disagree on whether the bytes decode");
    if (s.ok() && events::Encode(recycled) != events::Encode(fresh.value()))
      Fail("decoding into a used event differs from a fresh decode");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = events::Decode(input);
  CheckDecodeInto(input, decoded);
  if (!decoded.ok()) {
    if (decoded.status().code() != Code::kInternal) Fail("Decode refused with an unexpected code");
    return 0;
  }
  const Event& e = *decoded;
  // Decode refuses stored metadata nested deeper than 64 (events/codec.cc): rendering, folding
  // and canonicalising recurse over it. The margin covers how the parser counts levels.
  if (size_t depth = MetadataDepth(e); depth > 66) Fail("Decode accepted metadata nested " + std::to_string(depth) + " deep");
  std::string canonical = Rendered(e, "decoded");
  CheckTemplate(e, canonical);
  (void)events::VerifySeal(e);

  std::string bytes = events::Encode(e);
  auto again = events::Decode(bytes);
  if (!again.ok()) Fail("a decoded event, re-encoded, does not decode: " + again.status().message());
  if (Rendered(*again, "re-decoded") != canonical)
    Fail("the canonical bytes change across decode/encode/decode:\n" + canonical + "\n" + Rendered(*again, "re-decoded"));
  if (events::Encode(*again) != bytes) Fail("encoding is not stable after one round trip");
  if (events::VerifySeal(*again) != events::VerifySeal(e)) Fail("the seal check changes across a round trip");
  Fold(e);
  return 0;
}
