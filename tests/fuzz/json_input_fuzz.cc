// Fuzzes request bodies end to end below the HTTP layer: the bytes are a JSON body, parsed by
// http::ParseJsonBody, checked against each route's BodyShape, read by the routes' own readers
// (http/key_request.h, http/org_request.h, http/validation_body.h), and handed to every domain
// decide function that takes a body (create/update/rotate/revoke key, create/update org) and to
// the validation checks. Properties:
//
// - http::UnknownMembers names exactly the members a shape does not list (at the top level and
//   in the nested fixed shapes), so a misspelled member can never reach a reader unseen;
// - ParseJsonBody answers only malformed_json or payload_too_large, and nothing it accepts nests
//   deeper than its guard (nlohmann recurses on dump and compare, so depth is a crash risk);
// - every accepted body canonicalises (the create route hashes it for Idempotency-Key: a throw
//   there is a 500);
// - a decide function refuses input only with a 4xx status, never kInternal, and a validation
//   error names at least one field;
// - every event a decide function produces seals, encodes, decodes to the same canonical bytes
//   (so the same hash), and folds; a created key's secret parses;
// - an expiry decide accepts survives FormatTime -> ParseTime (it is served in that form).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "domain/cidr.h"
#include "domain/key.h"
#include "domain/org.h"
#include "domain/secret.h"
#include "domain/time.h"
#include "events/canonical_json.h"
#include "events/chain.h"
#include "events/codec.h"
#include "events/json.h"
#include "http/input_shape.h"
#include "http/json_input.h"
#include "http/key_request.h"
#include "http/org_request.h"
#include "http/validation_body.h"
#include "tests/support/validation_body_oracle.h"

using namespace kl;
using nlohmann::json;

namespace {

constexpr Millis kNow = 1795356360123;  // fixed, so a reproducer replays the same decision

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "json_input_fuzz: %s\n", what.c_str());
  std::abort();
}

// Depth without unbounded recursion: stops counting past `limit`.
int Depth(const json& v, int limit) {
  if (limit < 0 || !v.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : v) deepest = std::max(deepest, Depth(child, limit - 1));
  return deepest + 1;
}

void CheckRefusal(const Status& s, const char* decide) {
  if (s.ok()) return;
  if (s.code() == Code::kInternal || s.code() == Code::kUnavailable)
    Fail(std::string(decide) + " answered a server error: " + s.message());
  if (s.code() == Code::kValidation && s.fields().empty() && s.message() != "the body must be a JSON object")
    Fail(std::string(decide) + " refused without naming a field");
}

// What the log does on append, then what a reader does with the stored bytes.
void CheckEventsRoundTrip(std::vector<Event> events) {
  Hash32 prev{};
  uint64_t seq = 1;
  for (Event& e : events) {
    e.seq = seq++;
    e.recorded_at = kNow;
    events::Seal(e, prev, prev);
    prev = e.hash;
    if (!events::VerifySeal(e)) Fail("a freshly sealed event does not verify");
    std::string bytes = events::Encode(e);
    auto decoded = events::Decode(bytes);
    if (!decoded.ok()) Fail("an encoded event does not decode: " + decoded.status().message());
    if (events::CanonicalBytes(*decoded) != events::CanonicalBytes(e))
      Fail("the canonical bytes change across encode/decode:\n" + events::CanonicalBytes(e) + "\n" +
           events::CanonicalBytes(*decoded));
    if (!events::VerifySeal(*decoded)) Fail("a decoded event no longer verifies");
    (void)events::ToJson(*decoded).dump();
  }
}

void CheckTime(const std::optional<std::string>& text) {
  if (!text) return;
  auto t = ParseTime(*text);
  if (!t || *t <= kNow) return;  // only what decide accepts as an expiry is ever rendered
  std::string formatted = FormatTime(*t);
  if (ParseTime(formatted) != t) Fail("time does not survive FormatTime/ParseTime: " + *text + " -> " + formatted);
}

// A key and its org as a PATCH, rotate or revoke would find them.
const KeyState& ExistingKey() {
  static const KeyState key = [] {
    KeyState k;
    k.id = "key_01JDXK7Z8Q6N2V3W4X5Y6Z7A8C";
    k.org_id = "acme";
    k.name = "ci";
    k.prefix = "sk";
    k.environment = "live";
    k.permissions = {"posts:read"};
    k.permission_set = "custom";
    k.owner = Owner{"organization", "acme"};
    k.created_at = k.updated_at = kNow - 1000;
    k.version = 1;
    return k;
  }();
  return key;
}
const OrgState kOrg{"acme", "Acme", "active", kNow - 5000, kNow - 5000, 1};

void FuzzCreateKey(const json& body, const CommandContext& cc) {
  FieldErrors errors;
  CreateKeyInput in = http::ReadCreateKey(body, errors);
  CheckTime(in.expires_at);

  auto created = DecideCreateKey(kOrg, "acme", in, errors, cc);
  CheckRefusal(created.status(), "DecideCreateKey");
  if (!created.ok()) return;
  auto parts = ParseSecret(created->secret_value);
  if (!parts || parts->prefix != in.prefix.value_or("sk")) Fail("a created key's secret does not parse");
  std::optional<KeyState> key;
  for (const Event& e : created->events) EvolveKey(key, e);
  if (!key || key->id != created->key_id) Fail("KeyCreated does not fold into the key");
  CheckEventsRoundTrip(created->events);
}

void FuzzUpdateKey(const json& body, const CommandContext& cc) {
  FieldErrors errors;
  UpdateKeyInput in = http::ReadUpdateKey(body, errors);
  http::FieldReader f(body);
  if (auto v = f.Integer("if_match"); v && *v >= 0) in.if_match = static_cast<uint64_t>(*v);  // If-Match, here from the body

  auto updated = DecideUpdateKey(ExistingKey(), kOrg, in, errors, cc);
  CheckRefusal(updated.status(), "DecideUpdateKey");
  if (!updated.ok()) return;
  std::optional<KeyState> key = ExistingKey();
  for (const Event& e : *updated) EvolveKey(key, e);
  if (key->version != ExistingKey().version + updated->size()) Fail("an update does not bump the version per event");
  CheckEventsRoundTrip(*updated);
}

void FuzzOtherCommands(const json& body, const CommandContext& cc) {
  FieldErrors rotate_errors;
  auto grace = http::ReadRotateKey(body, rotate_errors);
  bool keep_expiry = http::ReadRotateKeepExpiry(body, rotate_errors);
  auto rotated = DecideRotateKey(ExistingKey(), kOrg, grace, rotate_errors, cc, keep_expiry);
  CheckRefusal(rotated.status(), "DecideRotateKey");
  if (rotated.ok()) CheckEventsRoundTrip(rotated->events);

  FieldErrors revoke_errors;
  auto reason = http::ReadRevokeKey(body, revoke_errors);
  auto revoked = DecideRevokeKey(ExistingKey(), reason, cc);
  CheckRefusal(revoked.status(), "DecideRevokeKey");
  if (revoked.ok()) CheckEventsRoundTrip(*revoked);

  FieldErrors org_errors, org_update_errors;
  CreateOrgInput org_in = http::ReadCreateOrg(body, org_errors);
  auto org = DecideCreateOrg(std::nullopt, org_in, org_errors, cc);
  CheckRefusal(org.status(), "DecideCreateOrg");
  if (org.ok()) CheckEventsRoundTrip(*org);
  UpdateOrgInput org_update_in = http::ReadUpdateOrg(body, org_update_errors);
  auto org_update = DecideUpdateOrg(kOrg, org_update_in, org_update_errors, cc);
  CheckRefusal(org_update.status(), "DecideUpdateOrg");
  if (org_update.ok()) CheckEventsRoundTrip(*org_update);
}

// POST /v1/validations up to the store lookup.
void FuzzValidation(const json& body) {
  FieldErrors errors;
  http::ValidationBody in = http::ReadValidationBody(body, errors);
  if (in.value) (void)ParseSecret(*in.value);
  std::optional<IpAddress> addr = in.ip ? ParseIp(*in.ip) : std::nullopt;
  KeyState key = ExistingKey();
  http::FieldReader f(body);
  if (auto allow = f.StringArray("ip_allowlist")) key.ip_allowlist = *allow;
  (void)CheckKeyForUse(key, "active", kNow, in.required_permissions.value_or(std::vector<std::string>{}), addr);
}

// The names a shape does not list, found the plain way (at most the 32 the answer names).
void ExpectUnknown(const json& value, const http::BodyShape& shape, const std::string& path, FieldErrors& out) {
  for (const auto& [name, member] : value.items()) {
    const http::BodyShape::Member* known = nullptr;
    for (const auto& m : shape.members)
      if (m.name == name) known = &m;
    if (!known) out[path + name] = "";
    else if (known->nested && member.is_object()) ExpectUnknown(member, *known->nested, path + name + ".", out);
  }
}

// Every route shape names exactly the unknown members, and the route's readers never see one.
void CheckShapes(const json& body) {
  for (const http::BodyShape* shape : {&http::kCreateKeyBody, &http::kUpdateKeyBody, &http::kRotateKeyBody,
                                       &http::kRevokeKeyBody, &http::kCreateOrgBody, &http::kUpdateOrgBody,
                                       &http::kValidationBody}) {
    FieldErrors got = http::UnknownMembers(body, *shape);
    FieldErrors want;
    ExpectUnknown(body, *shape, "", want);
    if (got.size() > 32) Fail("UnknownMembers named more than 32 members");
    bool long_name = false;
    for (const auto& [name, why] : want) long_name |= name.size() > 64;
    if (long_name) continue;  // such names are cut in the answer
    if (want.size() <= 32 && got.size() != want.size()) Fail("UnknownMembers missed or invented a member");
    for (const auto& [name, why] : got) {
      if (want.size() <= 32 && !want.count(name)) Fail("UnknownMembers named a known member: " + name);
      if (why.rfind("is not a known field", 0) != 0) Fail("UnknownMembers gave another reason: " + why);
    }
  }
}

// The validation route's plain scanner answers only what the DOM reads the same way.
void CheckPlainValidationScan(const std::string& body, const Result<json>& parsed) {
  auto plain = http::ScanPlainValidationBody(body);
  if (!plain) return;
  if (!parsed.ok()) {
    if (parsed.status().code() == Code::kPayloadTooLarge) return;
    Fail("ScanPlainValidationBody accepted a body the JSON parser refuses");
  }
  auto expected = kl::testing::ValidationBodyFromDom(parsed.value());
  if (!expected || !kl::testing::SameValidationBody(*plain, *expected))
    Fail("ScanPlainValidationBody read a body differently from the DOM");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto parsed = http::ParseJsonBody(body, std::string("application/json"), /*allow_empty=*/false);
  CheckPlainValidationScan(body, parsed);
  if (!parsed.ok()) {
    Code c = parsed.status().code();
    if (c != Code::kMalformedJson && c != Code::kPayloadTooLarge) Fail("ParseJsonBody: unexpected refusal");
    return 0;
  }
  if (Depth(*parsed, 40) > 33) Fail("ParseJsonBody accepted JSON nested deeper than its guard");
  try {
    (void)events::Canonicalize(*parsed);  // as the create route does with an Idempotency-Key
  } catch (const std::exception& e) {
    Fail(std::string("an accepted body does not canonicalise: ") + e.what());
  }
  if (!parsed->is_object()) return 0;
  CheckShapes(*parsed);
  CommandContext cc{kNow, Actor{"admin", "admin"}, "req-fuzz"};
  FuzzCreateKey(*parsed, cc);
  FuzzUpdateKey(*parsed, cc);
  FuzzOtherCommands(*parsed, cc);
  FuzzValidation(*parsed);
  return 0;
}
