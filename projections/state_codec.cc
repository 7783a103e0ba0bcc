#include "projections/state_codec.h"

#include <cstdint>

#include <nlohmann/json.hpp>

namespace kl::projections {

using nlohmann::json;

namespace {
// MessagePack written straight from the state: the key state is encoded on the log's writer
// for every event of a key, and building a JSON DOM first cost more than the encoding. Integers
// take the smallest form, as nlohmann's to_msgpack (which DecodeKey reads with) writes them.
class Packer {
 public:
  Packer() { out_.reserve(512); }
  // A map whose entry count is patched in by Finish (map 16: a key state has 22 to 40 fields).
  void BeginMap() {
    out_.push_back(static_cast<char>(0xde));
    count_at_ = out_.size();
    out_.append(2, '\0');
  }
  std::string Finish() {
    out_[count_at_] = static_cast<char>(entries_ >> 8);
    out_[count_at_ + 1] = static_cast<char>(entries_ & 0xff);
    return std::move(out_);
  }
  Packer& Key(std::string_view k) {
    ++entries_;
    Str(k);
    return *this;
  }
  void Str(std::string_view s) {
    size_t n = s.size();
    if (n < 32) {
      Byte(0xa0 | n);
    } else if (n <= 0xff) {
      Byte(0xd9), Byte(n);
    } else if (n <= 0xffff) {
      Byte(0xda), Be(n, 2);
    } else {
      Byte(0xdb), Be(n, 4);
    }
    out_.append(s);
  }
  void Uint(uint64_t v) {
    if (v < 128) {
      Byte(v);
    } else if (v <= 0xff) {
      Byte(0xcc), Byte(v);
    } else if (v <= 0xffff) {
      Byte(0xcd), Be(v, 2);
    } else if (v <= 0xffffffff) {
      Byte(0xce), Be(v, 4);
    } else {
      Byte(0xcf), Be(v, 8);
    }
  }
  void Int(int64_t v) {
    if (v >= 0) return Uint(static_cast<uint64_t>(v));
    if (v >= -32) {
      Byte(static_cast<uint8_t>(v));
    } else if (v >= INT8_MIN) {
      Byte(0xd0), Byte(static_cast<uint8_t>(v));
    } else if (v >= INT16_MIN) {
      Byte(0xd1), Be(static_cast<uint16_t>(v), 2);
    } else if (v >= INT32_MIN) {
      Byte(0xd2), Be(static_cast<uint32_t>(v), 4);
    } else {
      Byte(0xd3), Be(static_cast<uint64_t>(v), 8);
    }
  }
  void Bool(bool b) { Byte(b ? 0xc3 : 0xc2); }
  void Strings(const std::vector<std::string>& v) {
    size_t n = v.size();
    if (n < 16) {
      Byte(0x90 | n);
    } else if (n <= 0xffff) {
      Byte(0xdc), Be(n, 2);
    } else {
      Byte(0xdd), Be(n, 4);
    }
    for (const auto& s : v) Str(s);
  }
  // A nested map of `n` entries (at most 15), written by the caller after this.
  void SmallMap(size_t n) { Byte(0x80 | n); }
  void Json(const json& j) {
    std::vector<uint8_t> bytes = json::to_msgpack(j);
    out_.append(bytes.begin(), bytes.end());
  }

 private:
  void Byte(uint64_t b) { out_.push_back(static_cast<char>(static_cast<uint8_t>(b))); }
  void Be(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) Byte(v >> (8 * i));
  }
  std::string out_;
  size_t count_at_ = 0;
  uint16_t entries_ = 0;
};

void OptStr(Packer& p, const char* k, const std::optional<std::string>& v) {
  if (v) p.Key(k).Str(*v);
}
void OptInt(Packer& p, const char* k, const std::optional<int64_t>& v) {
  if (v) p.Key(k).Int(*v);
}
}  // namespace

std::string EncodeKey(const KeyState& k) {
  Packer p;
  p.BeginMap();
  p.Key("id").Str(k.id);
  p.Key("org").Str(k.org_id);
  p.Key("name").Str(k.name);
  p.Key("hash").Str(k.secret_hash_hex);
  p.Key("obf").Str(k.obfuscated_value);
  p.Key("prefix").Str(k.prefix);
  p.Key("env").Str(k.environment);
  p.Key("perms").Strings(k.permissions);
  p.Key("pset").Str(k.permission_set);
  p.Key("ot").Str(k.owner.type);
  p.Key("oi").Str(k.owner.id);
  p.Key("meta").Json(k.metadata);
  p.Key("status").Str(k.status);
  p.Key("cat").Int(k.created_at);
  p.Key("cbt").Str(k.created_by.type);
  p.Key("cbi").Str(k.created_by.id);
  p.Key("uat").Int(k.updated_at);
  p.Key("uses").Int(k.usage_count);
  p.Key("enabled").Bool(k.enabled);
  p.Key("ips").Strings(k.ip_allowlist);
  p.Key("v").Uint(k.version);
  p.Key("cseq").Uint(k.created_seq);
  OptStr(p, "desc", k.description);
  OptStr(p, "proj", k.project_id);
  OptInt(p, "exp", k.expires_at);
  OptInt(p, "rat", k.revoked_at);
  OptStr(p, "rr", k.revoke_reason);
  OptInt(p, "xat", k.expired_at);
  OptStr(p, "rf", k.rotated_from);
  OptStr(p, "rt", k.rotated_to);
  OptInt(p, "lua", k.last_used_at);
  OptStr(p, "lui", k.last_used_ip);
  OptStr(p, "luu", k.last_used_user_agent);
  OptInt(p, "crat", k.credits_refilled_at);
  // The warning bookkeeping only when set: a state without warnings encodes as before it existed.
  if (k.credits_basis != 0) p.Key("crb").Int(k.credits_basis);
  if (k.credits_low_warned) p.Key("clw").Bool(true);
  if (k.imported) p.Key("imp").Bool(true);  // only when set: other states encode as before
  if (!k.roles.empty()) p.Key("roles").Strings(k.roles);  // likewise
  OptInt(p, "ewf", k.expiry_warned_for);
  OptStr(p, "eww", k.expiry_warned_window);
  if (k.credits) {
    p.Key("cr").SmallMap(k.credits->refill ? 2 : 1);
    p.Str("remaining"), p.Int(k.credits->remaining);
    if (k.credits->refill) {
      p.Str("refill"), p.SmallMap(2);
      p.Str("amount"), p.Int(k.credits->refill->amount);
      p.Str("interval"), p.Str(k.credits->refill->interval);
    }
  }
  if (k.ratelimit) {
    p.Key("rl").SmallMap(2);
    p.Str("limit"), p.Int(k.ratelimit->limit);
    p.Str("window_ms"), p.Int(k.ratelimit->window_ms);
  }
  return p.Finish();
}

// DecodeKey is in key_decoder.cc.

std::string EncodeOrg(const OrgState& o) {
  json j = {{"id", o.id}, {"name", o.name}, {"status", o.status}, {"cat", o.created_at}, {"uat", o.updated_at},
            {"v", o.version}};
  // Roles only when there are some: an org without them encodes as before.
  if (!o.roles.empty()) {
    json roles = json::object();
    for (const auto& [name, r] : o.roles) {
      json def = {{"p", r.permissions}, {"cat", r.created_at}, {"uat", r.updated_at}};
      if (r.description) def["d"] = *r.description;
      roles[name] = std::move(def);
    }
    j["roles"] = std::move(roles);
  }
  auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

std::optional<OrgState> DecodeOrg(std::string_view bytes) {
  try {
    json j = json::from_msgpack(bytes.begin(), bytes.end());
    OrgState o{j.at("id"), j.at("name"), j.at("status"), j.at("cat"), j.at("uat"), j.at("v"), {}};
    if (auto it = j.find("roles"); it != j.end())
      for (const auto& [name, def] : it->items()) {
        RoleDef r{def.at("p").get<std::vector<std::string>>(), std::nullopt, def.at("cat"), def.at("uat")};
        if (auto d = def.find("d"); d != def.end()) r.description = d->get<std::string>();
        o.roles.emplace(name, std::move(r));
      }
    return o;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace kl::projections
