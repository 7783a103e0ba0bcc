// Fuzzes the projection codec's key-state reader, projections::DecodeKey (key_decoder.cc:
// nlohmann's SAX interface over MessagePack, straight into a KeyState). Key states are written
// only by EncodeKey, but every read of a key (listings, gets, the writer's fold) decodes whatever
// the column family holds, so a corrupted or forged value must be refused, not crash. For any
// bytes:
//
// - DecodeKey never crashes, hangs, leaks or throws;
// - what it accepts re-encodes (EncodeKey) to bytes that decode again, to a state that encodes
//   to the same bytes: encode/decode is a fixed point after one round;
// - it agrees with the DOM reading of the same bytes (json::from_msgpack): accepted bytes parse
//   to an object, and every field the decoder read equals the DOM's value for it ("id", "org",
//   "name", "status", "v", "cseq", "meta", and the others, "cr"/"rl" included); an optional field
//   that is absent or nil reads as absent. The decoder may refuse what the DOM reads (it checks
//   types), never the reverse. Bytes with a repeated key in the state or in its credits, refill
//   or rate limit map are not compared: which one wins is not part of the format (EncodeKey never
//   writes one, and nlohmann's DOM keeps the last).
//
// Each input is also used a second way, so that the fuzzer gets past the first fields at once:
// byte 0 picks a valid encoding (bits 0-1: a fixture of state_fixtures.h, or, when both are set,
// a KeyState built from the rest of the input, which must then round-trip exactly), how many
// edits to make to it (bits 2-3: 1 to 4) and of which kind (bit 4): byte edits (xor a byte,
// replace up to 16 bytes with the input's, truncate) or typed ones (a field, nested ones
// included, set to a value of any MessagePack type at its edges, or removed). The rest of the
// input says where and what; the edited bytes go through the same checks.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "projections/state_codec.h"
#include "tests/fuzz/state_fixtures.h"

using nlohmann::json;
using namespace kl;

namespace {

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 8192)) out += digits[c >> 4], out += digits[c & 15];
  if (bytes.size() > 8192) out += "...";
  return out;
}

// `bytes` are the bytes that were checked: the input itself, or the encoding derived from it.
[[noreturn]] void Fail(const std::string& what, std::string_view bytes) {
  std::fprintf(stderr, "state_codec_fuzz: %s\nchecked bytes (%zu): %s\n", what.c_str(), bytes.size(), Hex(bytes).c_str());
  std::abort();
}

// Finds a repeated key in the maps the decoder reads field by field: the state, its "cr", the
// credits' "refill" and its "rl". Metadata and unknown fields are read (or skipped) whole, by the
// same DOM builder as from_msgpack's, so their duplicates read the same way on both sides.
class DuplicateFinder {
 public:
  bool found = false;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) {
    Kind kind = Kind::kOther;
    if (frames_.empty()) {
      kind = Kind::kState;
    } else if (const Frame& parent = frames_.back(); parent.kind == Kind::kState) {
      kind = parent.last == "cr" ? Kind::kCredits : parent.last == "rl" ? Kind::kRateLimit : Kind::kOther;
    } else if (parent.kind == Kind::kCredits && parent.last == "refill") {
      kind = Kind::kRefill;
    }
    frames_.push_back(Frame{kind, {}, {}});
    return true;
  }
  bool end_object() { return frames_.pop_back(), true; }
  bool start_array(std::size_t) { return frames_.push_back(Frame{Kind::kOther, {}, {}}), true; }
  bool end_array() { return frames_.pop_back(), true; }
  bool key(json::string_t& k) {
    Frame& f = frames_.back();
    if (f.kind != Kind::kOther && !f.keys.insert(k).second) found = true;
    f.last = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  enum class Kind { kState, kCredits, kRefill, kRateLimit, kOther };
  struct Frame {
    Kind kind;
    std::set<std::string> keys;
    std::string last;
  };
  std::vector<Frame> frames_;
};

bool HasDuplicateKeys(std::string_view bytes) {
  DuplicateFinder finder;
  return !json::sax_parse(bytes.begin(), bytes.end(), &finder, json::input_format_t::msgpack) || finder.found;
}

const json* Field(const json& map, const char* key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &*it;
}
bool Absent(const json* v) { return !v || v->is_null(); }
bool SameString(const json* v, const std::string& s) { return v && v->is_string() && v->get_ref<const std::string&>() == s; }
bool SameInt(const json* v, int64_t i) {
  if (v && v->is_number_unsigned())
    return v->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) && v->get<int64_t>() == i;
  return v && v->is_number_integer() && v->get<int64_t>() == i;
}
bool SameUint(const json* v, uint64_t u) {
  if (v && v->is_number_unsigned()) return v->get<uint64_t>() == u;
  return v && v->is_number_integer() && v->get<int64_t>() >= 0 && static_cast<uint64_t>(v->get<int64_t>()) == u;
}
bool SameBool(const json* v, bool b) { return v && v->is_boolean() && v->get<bool>() == b; }
bool SameStrings(const json* v, const std::vector<std::string>& s) {
  if (!v || !v->is_array() || v->size() != s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (!SameString(&(*v)[i], s[i])) return false;
  return true;
}
// Compared as MessagePack: equal values (a NaN read twice included) encode the same.
bool SameJson(const json* v, const json& j) { return v && json::to_msgpack(*v) == json::to_msgpack(j); }
bool SameOptString(const json* v, const std::optional<std::string>& s) { return s ? SameString(v, *s) : Absent(v); }
bool SameOptInt(const json* v, const std::optional<int64_t>& i) { return i ? SameInt(v, *i) : Absent(v); }

// The DOM reading of accepted bytes, field by field (see the top of the file).
void AgreesWithDom(std::string_view bytes, const KeyState& k) {
  json dom;
  try {
    dom = json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
  } catch (const std::exception& e) {
    Fail(std::string("DecodeKey accepts bytes on which from_msgpack throws: ") + e.what(), bytes);
  }
  if (dom.is_discarded() || !dom.is_object()) Fail("DecodeKey accepts bytes that from_msgpack does not read as a map", bytes);
  if (HasDuplicateKeys(bytes)) return;

  std::string wrong;
  auto check = [&](const char* field, bool same) {
    if (!same) wrong += std::string(wrong.empty() ? "" : ", ") + field;
  };
  const json* f = nullptr;
  auto at = [&](const char* key) { return f = Field(dom, key); };
  check("id", SameString(at("id"), k.id));
  check("org", SameString(at("org"), k.org_id));
  check("name", SameString(at("name"), k.name));
  check("hash", SameString(at("hash"), k.secret_hash_hex));
  check("obf", SameString(at("obf"), k.obfuscated_value));
  check("prefix", SameString(at("prefix"), k.prefix));
  check("env", SameString(at("env"), k.environment));
  check("perms", SameStrings(at("perms"), k.permissions));
  check("pset", SameString(at("pset"), k.permission_set));
  check("ot", SameString(at("ot"), k.owner.type));
  check("oi", SameString(at("oi"), k.owner.id));
  check("meta", SameJson(at("meta"), k.metadata));
  check("status", SameString(at("status"), k.status));
  check("cat", SameInt(at("cat"), k.created_at));
  check("cbt", SameString(at("cbt"), k.created_by.type));
  check("cbi", SameString(at("cbi"), k.created_by.id));
  check("uat", SameInt(at("uat"), k.updated_at));
  check("uses", SameInt(at("uses"), k.usage_count));
  check("enabled", SameBool(at("enabled"), k.enabled));
  check("ips", SameStrings(at("ips"), k.ip_allowlist));
  check("v", SameUint(at("v"), k.version));
  check("cseq", SameUint(at("cseq"), k.created_seq));
  check("desc", SameOptString(at("desc"), k.description));
  check("proj", SameOptString(at("proj"), k.project_id));
  check("exp", SameOptInt(at("exp"), k.expires_at));
  check("rat", SameOptInt(at("rat"), k.revoked_at));
  check("rr", SameOptString(at("rr"), k.revoke_reason));
  check("xat", SameOptInt(at("xat"), k.expired_at));
  check("rf", SameOptString(at("rf"), k.rotated_from));
  check("rt", SameOptString(at("rt"), k.rotated_to));
  check("lua", SameOptInt(at("lua"), k.last_used_at));
  check("lui", SameOptString(at("lui"), k.last_used_ip));
  check("luu", SameOptString(at("luu"), k.last_used_user_agent));
  check("crat", SameOptInt(at("crat"), k.credits_refilled_at));
  check("crb", at("crb") ? SameInt(f, k.credits_basis) : k.credits_basis == 0);
  check("clw", at("clw") ? SameBool(f, k.credits_low_warned) : !k.credits_low_warned);
  check("ewf", SameOptInt(at("ewf"), k.expiry_warned_for));
  check("eww", SameOptString(at("eww"), k.expiry_warned_window));
  if (const json* cr = Field(dom, "cr"); !k.credits || !cr || !cr->is_object()) {
    check("cr", !k.credits && !cr);
  } else {
    check("cr.remaining", SameInt(Field(*cr, "remaining"), k.credits->remaining));
    const json* refill = Field(*cr, "refill");
    if (!k.credits->refill || !refill || !refill->is_object()) {
      check("cr.refill", !k.credits->refill && !refill);
    } else {
      check("cr.refill.amount", SameInt(Field(*refill, "amount"), k.credits->refill->amount));
      check("cr.refill.interval", SameString(Field(*refill, "interval"), k.credits->refill->interval));
    }
  }
  if (const json* rl = Field(dom, "rl"); !k.ratelimit || !rl || !rl->is_object()) {
    check("rl", !k.ratelimit && !rl);
  } else {
    check("rl.limit", SameInt(Field(*rl, "limit"), k.ratelimit->limit));
    check("rl.window_ms", SameInt(Field(*rl, "window_ms"), k.ratelimit->window_ms));
  }
  if (!wrong.empty()) {
    Fail("DecodeKey's reading differs from the DOM's in: " + wrong + "\nDOM: " +
             dom.dump(-1, ' ', false, json::error_handler_t::replace) + "\ndecoded, re-encoded: " +
             json::from_msgpack(projections::EncodeKey(k)).dump(-1, ' ', false, json::error_handler_t::replace),
         bytes);
  }
}

// Every property on `bytes`. With `canonical` (bytes EncodeKey wrote), DecodeKey must also accept
// them, and give back a state that encodes to the very same bytes.
void Check(std::string_view bytes, bool canonical) {
  std::optional<KeyState> got;
  try {
    got = projections::DecodeKey(bytes);
  } catch (const std::exception& e) {
    Fail(std::string("DecodeKey threw: ") + e.what(), bytes);
  }
  if (!got) {
    if (canonical) Fail("DecodeKey refuses what EncodeKey wrote", bytes);
    return;
  }
  std::string once = projections::EncodeKey(*got);
  if (canonical && once != bytes) Fail("a state written by EncodeKey decodes to one that encodes differently", bytes);
  auto again = projections::DecodeKey(once);
  if (!again) Fail("an accepted state, re-encoded, does not decode:\n" + Hex(once), bytes);
  std::string twice = projections::EncodeKey(*again);
  if (twice != once) Fail("encoding is not a fixed point after one round:\n" + Hex(once) + "\n" + Hex(twice), bytes);
  AgreesWithDom(bytes, *got);
}

// ---- A KeyState built from the input's bytes --------------------------------------------------

// Long strings (str 16 at its limit, str 32) make every check of the state slow (ASan, and
// coverage callbacks per byte): at most one per built state, which BuiltState resets.
bool g_long_string_left = false;

std::string BuiltString(FuzzedDataProvider& in) {
  // Mostly short; sometimes exactly at a MessagePack length boundary (fixstr/str 8/16/32).
  static constexpr size_t kWidths[] = {31, 32, 255, 256, 65535, 65536};
  uint8_t how = in.ConsumeIntegral<uint8_t>();
  if (how < 0xe0) return in.ConsumeRandomLengthString(48);
  size_t width = kWidths[how % 6];
  if (width > 256 && !std::exchange(g_long_string_left, false)) width = kWidths[how % 4];
  return std::string(width, static_cast<char>('a' + how % 26));
}
int64_t BuiltInt(FuzzedDataProvider& in) {
  // Every width boundary of MessagePack's integers, both signs.
  static constexpr int64_t kEdges[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
                                        std::numeric_limits<int64_t>::max(), -1, -32, -33, -128, -129,
                                        -32768, -32769, -2147483648LL, -2147483649LL,
                                        std::numeric_limits<int64_t>::min()};
  if (in.ConsumeBool()) return kEdges[in.ConsumeIntegralInRange<size_t>(0, std::size(kEdges) - 1)];
  return in.ConsumeIntegral<int64_t>();
}
std::optional<int64_t> MaybeInt(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? std::optional<int64_t>(BuiltInt(in)) : std::nullopt;
}
std::optional<std::string> MaybeString(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? std::optional<std::string>(BuiltString(in)) : std::nullopt;
}
std::vector<std::string> BuiltStrings(FuzzedDataProvider& in) {
  std::vector<std::string> out(in.ConsumeIntegralInRange<size_t>(0, 20));
  for (auto& s : out) s = in.ConsumeRandomLengthString(16);
  return out;
}
// How deep a JSON value nests, without recursion.
size_t Depth(const json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const json*, size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d);
    for (const auto& child : *v) todo.emplace_back(&child, d + 1);
  }
  return deepest;
}
json BuiltMetadata(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: {  // any JSON text; stored metadata nests at most 64 deep (events' codec refuses more)
      json j = json::parse(in.ConsumeRandomLengthString(256), nullptr, /*allow_exceptions=*/false);
      return j.is_discarded() || Depth(j) > 64 ? json::object() : j;
    }
    case 1: {
      json j = json::object();
      for (size_t n = in.ConsumeIntegralInRange(0, 4); n > 0; --n) j[in.ConsumeRandomLengthString(8)] = BuiltInt(in);
      return j;
    }
    default:
      return json::object();
  }
}
KeyState BuiltState(FuzzedDataProvider& in) {
  g_long_string_left = true;
  KeyState k;
  k.id = BuiltString(in);
  k.org_id = BuiltString(in);
  k.name = BuiltString(in);
  k.description = MaybeString(in);
  k.secret_hash_hex = BuiltString(in);
  k.obfuscated_value = BuiltString(in);
  k.prefix = BuiltString(in);
  k.environment = BuiltString(in);
  k.permissions = BuiltStrings(in);
  k.permission_set = BuiltString(in);
  k.owner = Owner{BuiltString(in), BuiltString(in)};
  k.project_id = MaybeString(in);
  k.metadata = BuiltMetadata(in);
  k.status = BuiltString(in);
  k.created_at = BuiltInt(in);
  k.created_by = Actor{BuiltString(in), BuiltString(in)};
  k.updated_at = BuiltInt(in);
  k.expires_at = MaybeInt(in);
  k.revoked_at = MaybeInt(in);
  k.revoke_reason = MaybeString(in);
  k.expired_at = MaybeInt(in);
  k.rotated_from = MaybeString(in);
  k.rotated_to = MaybeString(in);
  k.last_used_at = MaybeInt(in);
  k.last_used_ip = MaybeString(in);
  k.last_used_user_agent = MaybeString(in);
  k.usage_count = BuiltInt(in);
  k.enabled = in.ConsumeBool();
  k.ip_allowlist = BuiltStrings(in);
  if (in.ConsumeBool()) {
    k.credits = Credits{BuiltInt(in), std::nullopt};
    if (in.ConsumeBool()) k.credits->refill = CreditRefill{BuiltInt(in), BuiltString(in)};
  }
  if (in.ConsumeBool()) k.ratelimit = RateLimit{BuiltInt(in), BuiltInt(in)};
  k.credits_refilled_at = MaybeInt(in);
  k.credits_basis = in.ConsumeBool() ? BuiltInt(in) : 0;
  k.credits_low_warned = in.ConsumeBool();
  k.expiry_warned_for = MaybeInt(in);
  k.expiry_warned_window = MaybeString(in);
  k.version = in.ConsumeIntegral<uint64_t>();
  k.created_seq = in.ConsumeBool() ? in.ConsumeIntegral<uint64_t>() : in.ConsumeIntegral<uint8_t>();
  return k;
}

const std::vector<std::string>& FixtureEncodings() {
  static const std::vector<std::string> encodings = [] {
    std::vector<std::string> out;
    for (const KeyState& k : fuzz::AllKeyStates()) out.push_back(projections::EncodeKey(k));
    return out;
  }();
  return encodings;
}

// ---- Edits of a valid encoding ---------------------------------------------------------------

// Byte edits: each xors a byte, replaces up to 16 bytes with up to 16 of the input's (a value's
// type byte and length, say), or truncates.
void EditBytes(std::string& bytes, int edits, FuzzedDataProvider& in) {
  for (; edits > 0; --edits) {
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 3:
        bytes.resize(in.ConsumeIntegralInRange<size_t>(0, bytes.size()));
        break;
      case 2: {
        size_t at = in.ConsumeIntegralInRange<size_t>(0, bytes.size());
        size_t erase = in.ConsumeIntegralInRange<size_t>(0, 16);
        bytes.replace(at, erase, in.ConsumeRandomLengthString(16));
        break;
      }
      default: {
        if (bytes.empty()) break;
        size_t at = in.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1);
        uint8_t x = in.ConsumeIntegral<uint8_t>();
        bytes[at] = static_cast<char>(bytes[at] ^ (x ? x : 0x01));
      }
    }
  }
}

// Every field the decoder reads (and one it does not know), as JSON pointers into the state.
constexpr const char* kFieldPaths[] = {
    "/id", "/org", "/name", "/hash", "/obf", "/prefix", "/env", "/perms", "/pset", "/ot", "/oi", "/meta",
    "/status", "/cat", "/cbt", "/cbi", "/uat", "/uses", "/enabled", "/ips", "/v", "/cseq", "/desc", "/proj",
    "/exp", "/rat", "/rr", "/xat", "/rf", "/rt", "/lua", "/lui", "/luu", "/crat", "/crb", "/clw", "/ewf",
    "/eww", "/cr", "/rl", "/cr/remaining", "/cr/refill", "/cr/refill/amount", "/cr/refill/interval",
    "/rl/limit", "/rl/window_ms", "/future", "/cr/future", "/perms/0", "/ips/0", "/meta/x"};

// A value of every MessagePack type, at its edges.
json EdgeValue(size_t i) {
  switch (i) {
    case 0: return nullptr;
    case 1: return true;
    case 2: return false;
    case 3: return 0;
    case 4: return -1;
    case 5: return std::numeric_limits<int64_t>::min();
    case 6: return std::numeric_limits<int64_t>::max();
    case 7: return uint64_t{1} << 63;
    case 8: return std::numeric_limits<uint64_t>::max();
    case 9: return 1.5;
    case 10: return std::numeric_limits<double>::quiet_NaN();
    case 11: return "";
    case 12: return "daily";
    case 13: return json::array();
    case 14: return json::array({"a", "b"});
    case 15: return json::array({1, nullptr});
    case 16: return json::object();
    case 17: return json::object({{"remaining", 1}});
    case 18: return json::object({{"amount", 1}, {"interval", "daily"}});
    case 19: return json::object({{"limit", 1}, {"window_ms", 1000}});
    case 20: return json::binary({1, 2, 3});
    default: return json::binary({1}, 7);
  }
}
constexpr size_t kEdgeValues = 22;

// Typed edits, on the DOM of a valid encoding: each sets a field (nested ones included) to one of
// the edge values, or removes it. What no DOM can write (a repeated key, an integer in a wider
// form than needed) is left to the byte edits.
std::string EditFields(std::string_view bytes, int edits, FuzzedDataProvider& in) {
  json dom = json::from_msgpack(bytes.begin(), bytes.end());
  for (; edits > 0; --edits) {
    json::json_pointer path(kFieldPaths[in.ConsumeIntegralInRange<size_t>(0, std::size(kFieldPaths) - 1)]);
    size_t what = in.ConsumeIntegralInRange<size_t>(0, kEdgeValues);
    try {
      if (what < kEdgeValues) {
        dom[path] = EdgeValue(what);
      } else if (json& parent = dom[path.parent_pointer()]; parent.is_object()) {
        parent.erase(path.back());
      }
    } catch (const json::exception&) {
      // the path goes through a value that is not an object or array: no edit
    }
  }
  std::vector<uint8_t> out = json::to_msgpack(dom);
  return std::string(out.begin(), out.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Check(std::string_view(reinterpret_cast<const char*>(data), size), /*canonical=*/false);
  if (size == 0) return 0;

  const uint8_t mode = data[0];
  FuzzedDataProvider in(data + 1, size - 1);
  std::string bytes;
  if ((mode & 3) == 3) {
    bytes = projections::EncodeKey(BuiltState(in));
    Check(bytes, /*canonical=*/true);
  } else {
    bytes = FixtureEncodings()[(mode & 3) % FixtureEncodings().size()];
  }
  const int edits = 1 + ((mode >> 2) & 3);
  std::string edited = bytes;
  if (mode & 0x10) {
    edited = EditFields(bytes, edits, in);
  } else {
    EditBytes(edited, edits, in);
  }
  if (edited != bytes) Check(edited, /*canonical=*/false);
  return 0;
}
