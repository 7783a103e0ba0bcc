#include "projections/state_codec.h"

#include <nlohmann/json.hpp>

namespace kl::projections {

using nlohmann::json;

namespace {
template <typename T>
void PutOpt(json& j, const char* k, const std::optional<T>& v) {
  if (v) j[k] = *v;
}
template <typename T>
void GetOpt(const json& j, const char* k, std::optional<T>& v) {
  if (auto it = j.find(k); it != j.end() && !it->is_null()) v = it->get<T>();
}
json CreditsJson(const Credits& c) {
  json j = {{"remaining", c.remaining}};
  if (c.refill) j["refill"] = {{"amount", c.refill->amount}, {"interval", c.refill->interval}};
  return j;
}
Credits CreditsFrom(const json& j) {
  Credits c;
  c.remaining = j.at("remaining").get<int64_t>();
  if (j.contains("refill")) c.refill = CreditRefill{j["refill"].at("amount"), j["refill"].at("interval")};
  return c;
}
}  // namespace

std::string EncodeKey(const KeyState& k) {
  json j = {{"id", k.id}, {"org", k.org_id}, {"name", k.name}, {"hash", k.secret_hash_hex},
            {"obf", k.obfuscated_value}, {"prefix", k.prefix}, {"env", k.environment},
            {"perms", k.permissions}, {"pset", k.permission_set}, {"ot", k.owner.type}, {"oi", k.owner.id},
            {"meta", k.metadata}, {"status", k.status}, {"cat", k.created_at}, {"cbt", k.created_by.type},
            {"cbi", k.created_by.id}, {"uat", k.updated_at}, {"uses", k.usage_count}, {"enabled", k.enabled},
            {"ips", k.ip_allowlist}, {"v", k.version}, {"cseq", k.created_seq}};
  PutOpt(j, "desc", k.description);
  PutOpt(j, "proj", k.project_id);
  PutOpt(j, "exp", k.expires_at);
  PutOpt(j, "rat", k.revoked_at);
  PutOpt(j, "rr", k.revoke_reason);
  PutOpt(j, "xat", k.expired_at);
  PutOpt(j, "rf", k.rotated_from);
  PutOpt(j, "rt", k.rotated_to);
  PutOpt(j, "lua", k.last_used_at);
  PutOpt(j, "lui", k.last_used_ip);
  PutOpt(j, "luu", k.last_used_user_agent);
  PutOpt(j, "crat", k.credits_refilled_at);
  // The warning bookkeeping only when set: a state without warnings encodes as before it existed.
  if (k.credits_basis != 0) j["crb"] = k.credits_basis;
  if (k.credits_low_warned) j["clw"] = true;
  PutOpt(j, "ewf", k.expiry_warned_for);
  PutOpt(j, "eww", k.expiry_warned_window);
  if (k.credits) j["cr"] = CreditsJson(*k.credits);
  if (k.ratelimit) j["rl"] = {{"limit", k.ratelimit->limit}, {"window_ms", k.ratelimit->window_ms}};
  auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

std::optional<KeyState> DecodeKey(std::string_view bytes) {
  try {
    json j = json::from_msgpack(bytes.begin(), bytes.end());
    KeyState k;
    k.id = j.at("id");
    k.org_id = j.at("org");
    k.name = j.at("name");
    k.secret_hash_hex = j.at("hash");
    k.obfuscated_value = j.at("obf");
    k.prefix = j.at("prefix");
    k.environment = j.at("env");
    k.permissions = j.at("perms").get<std::vector<std::string>>();
    k.permission_set = j.at("pset");
    k.owner = Owner{j.at("ot"), j.at("oi")};
    k.metadata = j.at("meta");
    k.status = j.at("status");
    k.created_at = j.at("cat");
    k.created_by = Actor{j.at("cbt"), j.at("cbi")};
    k.updated_at = j.at("uat");
    k.usage_count = j.at("uses");
    k.enabled = j.at("enabled");
    k.ip_allowlist = j.at("ips").get<std::vector<std::string>>();
    k.version = j.at("v");
    k.created_seq = j.at("cseq");
    GetOpt(j, "desc", k.description);
    GetOpt(j, "proj", k.project_id);
    GetOpt(j, "exp", k.expires_at);
    GetOpt(j, "rat", k.revoked_at);
    GetOpt(j, "rr", k.revoke_reason);
    GetOpt(j, "xat", k.expired_at);
    GetOpt(j, "rf", k.rotated_from);
    GetOpt(j, "rt", k.rotated_to);
    GetOpt(j, "lua", k.last_used_at);
    GetOpt(j, "lui", k.last_used_ip);
    GetOpt(j, "luu", k.last_used_user_agent);
    GetOpt(j, "crat", k.credits_refilled_at);
    k.credits_basis = j.value("crb", int64_t{0});
    k.credits_low_warned = j.value("clw", false);
    GetOpt(j, "ewf", k.expiry_warned_for);
    GetOpt(j, "eww", k.expiry_warned_window);
    if (j.contains("cr")) k.credits = CreditsFrom(j["cr"]);
    if (j.contains("rl")) k.ratelimit = RateLimit{j["rl"].at("limit"), j["rl"].at("window_ms")};
    return k;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string EncodeOrg(const OrgState& o) {
  json j = {{"id", o.id}, {"name", o.name}, {"status", o.status}, {"cat", o.created_at}, {"uat", o.updated_at},
            {"v", o.version}};
  auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

std::optional<OrgState> DecodeOrg(std::string_view bytes) {
  try {
    json j = json::from_msgpack(bytes.begin(), bytes.end());
    return OrgState{j.at("id"), j.at("name"), j.at("status"), j.at("cat"), j.at("uat"), j.at("v")};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace kl::projections
