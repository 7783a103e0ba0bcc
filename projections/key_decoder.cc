// DecodeKey (declared in state_codec.h): a key state read from its MessagePack straight into a
// KeyState through nlohmann's SAX interface. Building the JSON DOM first (a std::map node per field,
// then a lookup per field) was a quarter of a listing's CPU and is paid on every read of a key
// state: listings, gets, and the writer's fold of each key event. Only "metadata", which is free
// JSON, is built as a DOM (by nlohmann's own DOM builder).
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "projections/state_codec.h"

namespace kl::projections {

namespace {

using nlohmann::json;

// The stored field names (EncodeKey's), and the fields of the nested credits / ratelimit maps.
enum class F : uint8_t {
  kNone, kId, kOrg, kName, kHash, kObf, kPrefix, kEnv, kPerms, kPset, kOt, kOi, kMeta, kStatus, kCat, kCbt,
  kCbi, kUat, kUses, kEnabled, kIps, kV, kCseq,  // the required ones end here
  kDesc, kProj, kExp, kRat, kRr, kXat, kRf, kRt, kLua, kLui, kLuu, kCrat, kCrb, kClw, kEwf, kEww, kCr, kRl,
  kRemaining, kRefill, kAmount, kInterval, kLimit, kWindowMs, kImp, kRoles,
};
constexpr uint64_t Bit(F f) { return uint64_t{1} << static_cast<unsigned>(f); }
constexpr uint64_t kRequired = ((Bit(F::kCseq) << 1) - 1) & ~Bit(F::kNone);
constexpr uint64_t kNullable = Bit(F::kDesc) | Bit(F::kProj) | Bit(F::kExp) | Bit(F::kRat) | Bit(F::kRr) |
                               Bit(F::kXat) | Bit(F::kRf) | Bit(F::kRt) | Bit(F::kLua) | Bit(F::kLui) |
                               Bit(F::kLuu) | Bit(F::kCrat) | Bit(F::kEwf) | Bit(F::kEww);

F TopLevelField(std::string_view k) {
  static const std::unordered_map<std::string_view, F> kFields = {
      {"id", F::kId},     {"org", F::kOrg},     {"name", F::kName},   {"hash", F::kHash},   {"obf", F::kObf},
      {"prefix", F::kPrefix}, {"env", F::kEnv}, {"perms", F::kPerms}, {"pset", F::kPset},   {"ot", F::kOt},
      {"oi", F::kOi},     {"meta", F::kMeta},   {"status", F::kStatus}, {"cat", F::kCat},   {"cbt", F::kCbt},
      {"cbi", F::kCbi},   {"uat", F::kUat},     {"uses", F::kUses},   {"enabled", F::kEnabled}, {"ips", F::kIps},
      {"v", F::kV},       {"cseq", F::kCseq},   {"desc", F::kDesc},   {"proj", F::kProj},   {"exp", F::kExp},
      {"rat", F::kRat},   {"rr", F::kRr},       {"xat", F::kXat},     {"rf", F::kRf},       {"rt", F::kRt},
      {"lua", F::kLua},   {"lui", F::kLui},     {"luu", F::kLuu},     {"crat", F::kCrat},   {"crb", F::kCrb},
      {"clw", F::kClw},   {"ewf", F::kEwf},     {"eww", F::kEww},     {"cr", F::kCr},       {"rl", F::kRl},
      {"imp", F::kImp},   {"roles", F::kRoles},
  };
  auto it = kFields.find(k);
  return it == kFields.end() ? F::kNone : it->second;
}

// The maps a value can be in: the state itself, its credits, the credits' refill, its ratelimit.
enum class Map : uint8_t { kState, kCredits, kRefill, kRateLimit };

class KeyStateSax {
 public:
  explicit KeyStateSax(KeyState& k) : k_(k) {}

  // Every required field was there, and every nested map had its own.
  bool Complete() const {
    if ((seen_ & kRequired) != kRequired) return false;
    if ((seen_ & Bit(F::kCr)) && !(seen_ & Bit(F::kRemaining))) return false;
    if ((seen_ & Bit(F::kRefill)) && (~seen_ & (Bit(F::kAmount) | Bit(F::kInterval)))) return false;
    if ((seen_ & Bit(F::kRl)) && (~seen_ & (Bit(F::kLimit) | Bit(F::kWindowMs)))) return false;
    return depth_ == 0 && mode_ == Mode::kNormal;
  }

  // nlohmann's SAX interface.
  bool null() {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->null(); }, 0);
    // An optional field may be stored as nil (read as absent); nothing else may.
    return (Bit(field_) & kNullable) && Seen();
  }
  bool boolean(bool v) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->boolean(v); }, 0);
    if (field_ == F::kEnabled) return k_.enabled = v, Seen();
    if (field_ == F::kClw) return k_.credits_low_warned = v, Seen();
    if (field_ == F::kImp) return k_.imported = v, Seen();
    return false;
  }
  bool number_integer(int64_t v) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->number_integer(v); }, 0);
    return Integer(v);
  }
  bool number_unsigned(uint64_t v) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->number_unsigned(v); }, 0);
    if (field_ == F::kV) return k_.version = v, Seen();
    if (field_ == F::kCseq) return k_.created_seq = v, Seen();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    return Integer(static_cast<int64_t>(v));
  }
  bool number_float(double v, const std::string& s) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->number_float(v, s); }, 0);
    return false;  // no stored field outside metadata is a float
  }
  bool string(std::string& v) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->string(v); }, 0);
    if (array_) return array_->push_back(std::move(v)), true;
    return String(v);
  }
  bool binary(json::binary_t& v) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->binary(v); }, 0);
    return false;
  }
  bool start_object(std::size_t n) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->start_object(n); }, +1);
    if (depth_ == 0) return Push(Map::kState);
    if (map() == Map::kState && field_ == F::kCr) return k_.credits.emplace(), Seen(), Push(Map::kCredits);
    if (map() == Map::kState && field_ == F::kRl) return k_.ratelimit.emplace(), Seen(), Push(Map::kRateLimit);
    if (map() == Map::kCredits && field_ == F::kRefill)
      return k_.credits->refill.emplace(), Seen(), Push(Map::kRefill);
    return false;
  }
  bool end_object() {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->end_object(); }, -1);
    if (depth_ == 0) return false;
    --depth_;
    field_ = F::kNone;
    return true;
  }
  bool start_array(std::size_t n) {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->start_array(n); }, +1);
    if (array_ || depth_ != 1) return false;
    if (field_ == F::kPerms) array_ = &k_.permissions;
    if (field_ == F::kIps) array_ = &k_.ip_allowlist;
    if (field_ == F::kRoles) array_ = &k_.roles;
    if (!array_) return false;
    array_->clear();
    if (n != static_cast<std::size_t>(-1)) array_->reserve(std::min<std::size_t>(n, 1024));
    return Seen();
  }
  bool end_array() {
    if (mode_ != Mode::kNormal) return Nested([&] { return meta_->end_array(); }, -1);
    if (!array_) return false;
    array_ = nullptr;
    return true;
  }
  bool key(std::string& k) {
    if (mode_ != Mode::kNormal) return mode_ == Mode::kSkip || meta_->key(k);
    field_ = F::kNone;
    switch (map()) {
      case Map::kState: field_ = TopLevelField(k); break;
      case Map::kCredits: field_ = k == "remaining" ? F::kRemaining : k == "refill" ? F::kRefill : F::kNone; break;
      case Map::kRefill: field_ = k == "amount" ? F::kAmount : k == "interval" ? F::kInterval : F::kNone; break;
      case Map::kRateLimit: field_ = k == "limit" ? F::kLimit : k == "window_ms" ? F::kWindowMs : F::kNone; break;
    }
    // A field read twice is refused: which one wins is not part of the format (EncodeKey never
    // writes one), and no reading of it should be trusted.
    if (field_ != F::kNone && (seen_ & Bit(field_))) return false;
    if (field_ == F::kMeta) {
      mode_ = Mode::kMeta;
      meta_.emplace(k_.metadata, false);
      return Seen();
    }
    if (field_ == F::kNone) mode_ = Mode::kSkip;  // a field this version does not know: its value is ignored
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  // Inside "meta" (forwarded to the DOM builder) or an unknown field's value (ignored).
  enum class Mode : uint8_t { kNormal, kMeta, kSkip };
  static constexpr int kMaxNesting = 128;

  // An event of a value being forwarded or skipped; `nest` is +1 for a start, -1 for an end. When the
  // value is complete, reading goes back to the state's own fields.
  template <typename Forward>
  bool Nested(Forward forward, int nest) {
    // The reader recurses once per level: a forged value nested thousands deep would overflow the
    // stack. EncodeKey writes metadata at most 64 deep (the API's limit).
    if (nest > 0 && nest_ >= kMaxNesting) return false;
    bool ok = mode_ != Mode::kMeta || forward();
    nest_ += nest;
    if (nest_ == 0) {
      mode_ = Mode::kNormal;
      meta_.reset();
    }
    return ok;
  }
  Map map() const { return stack_[depth_ == 0 ? 0 : depth_ - 1]; }
  bool Push(Map m) {
    if (depth_ == stack_.size()) return false;
    stack_[depth_++] = m;
    field_ = F::kNone;
    return true;
  }
  bool Seen() {
    seen_ |= Bit(field_);
    return true;
  }

  bool String(std::string& v) {
    switch (field_) {
      case F::kId: k_.id = std::move(v); break;
      case F::kOrg: k_.org_id = std::move(v); break;
      case F::kName: k_.name = std::move(v); break;
      case F::kHash: k_.secret_hash_hex = std::move(v); break;
      case F::kObf: k_.obfuscated_value = std::move(v); break;
      case F::kPrefix: k_.prefix = std::move(v); break;
      case F::kEnv: k_.environment = std::move(v); break;
      case F::kPset: k_.permission_set = std::move(v); break;
      case F::kOt: k_.owner.type = std::move(v); break;
      case F::kOi: k_.owner.id = std::move(v); break;
      case F::kStatus: k_.status = std::move(v); break;
      case F::kCbt: k_.created_by.type = std::move(v); break;
      case F::kCbi: k_.created_by.id = std::move(v); break;
      case F::kDesc: k_.description = std::move(v); break;
      case F::kProj: k_.project_id = std::move(v); break;
      case F::kRr: k_.revoke_reason = std::move(v); break;
      case F::kRf: k_.rotated_from = std::move(v); break;
      case F::kRt: k_.rotated_to = std::move(v); break;
      case F::kLui: k_.last_used_ip = std::move(v); break;
      case F::kLuu: k_.last_used_user_agent = std::move(v); break;
      case F::kEww: k_.expiry_warned_window = std::move(v); break;
      case F::kInterval: k_.credits->refill->interval = std::move(v); break;
      default: return false;
    }
    return Seen();
  }

  bool Integer(int64_t v) {
    switch (field_) {
      case F::kCat: k_.created_at = v; break;
      case F::kUat: k_.updated_at = v; break;
      case F::kUses: k_.usage_count = v; break;
      case F::kExp: k_.expires_at = v; break;
      case F::kRat: k_.revoked_at = v; break;
      case F::kXat: k_.expired_at = v; break;
      case F::kLua: k_.last_used_at = v; break;
      case F::kCrat: k_.credits_refilled_at = v; break;
      case F::kCrb: k_.credits_basis = v; break;
      case F::kEwf: k_.expiry_warned_for = v; break;
      case F::kRemaining: k_.credits->remaining = v; break;
      case F::kAmount: k_.credits->refill->amount = v; break;
      case F::kLimit: k_.ratelimit->limit = v; break;
      case F::kWindowMs: k_.ratelimit->window_ms = v; break;
      case F::kV:
      case F::kCseq:
        if (v < 0) return false;
        (field_ == F::kV ? k_.version : k_.created_seq) = static_cast<uint64_t>(v);
        break;
      default: return false;
    }
    return Seen();
  }

  KeyState& k_;
  std::array<Map, 3> stack_{};
  size_t depth_ = 0;
  F field_ = F::kNone;
  uint64_t seen_ = 0;
  std::vector<std::string>* array_ = nullptr;
  Mode mode_ = Mode::kNormal;
  int nest_ = 0;
  std::optional<nlohmann::detail::json_sax_dom_parser<json>> meta_;
};

}  // namespace

std::optional<KeyState> DecodeKey(std::string_view bytes) {
  KeyState k;
  KeyStateSax sax(k);
  try {
    if (!json::sax_parse(bytes.begin(), bytes.end(), &sax, json::input_format_t::msgpack)) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!sax.Complete()) return std::nullopt;
  return k;
}

}  // namespace kl::projections
