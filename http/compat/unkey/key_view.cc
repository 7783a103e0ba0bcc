#include "http/compat/unkey/key_view.h"

namespace kl::http::unkey {

using nlohmann::json;

const char* VerifyCode(ValidationCode code) {
  switch (code) {
    case ValidationCode::kValid: return "VALID";
    case ValidationCode::kMalformed:
    case ValidationCode::kNotFound:
    case ValidationCode::kRevoked: return "NOT_FOUND";
    case ValidationCode::kTenantInactive:
    case ValidationCode::kIpNotAllowed: return "FORBIDDEN";
    case ValidationCode::kExpired: return "EXPIRED";
    case ValidationCode::kDisabled: return "DISABLED";
    case ValidationCode::kInsufficientPermissions: return "INSUFFICIENT_PERMISSIONS";
    case ValidationCode::kRateLimited: return "RATE_LIMITED";
    case ValidationCode::kUsageExceeded: return "USAGE_EXCEEDED";
  }
  return "NOT_FOUND";
}

json RenderCredits(const std::optional<Credits>& credits, std::optional<int64_t> live_remaining) {
  if (!credits) return {{"remaining", nullptr}};
  json out = {{"remaining", live_remaining.value_or(credits->remaining)}};
  if (credits->refill) out["refill"] = {{"interval", credits->refill->interval}, {"amount", credits->refill->amount}};
  return out;
}

json RenderRatelimits(const KeyState& key) {
  json out = json::array();
  if (key.ratelimit)
    out.push_back({{"id", "rl_" + key.id}, {"name", "default"}, {"limit", key.ratelimit->limit},
                   {"duration", key.ratelimit->window_ms}, {"autoApply", true}});
  return out;
}

json RenderPermissions(const std::vector<std::string>& permissions) {
  json out = json::array();
  for (const auto& p : permissions) out.push_back({{"id", p}, {"name", p}, {"slug", p}});
  return out;
}

json RenderKey(const KeyState& key, const projections::KeyUsageView* usage) {
  json out = {{"keyId", key.id}, {"start", key.obfuscated_value}, {"enabled", key.enabled},
              {"name", key.name}, {"createdAt", key.created_at}, {"updatedAt", key.updated_at},
              {"permissions", key.permissions}};
  if (key.metadata.is_object() && !key.metadata.empty()) out["meta"] = key.metadata;
  std::optional<Millis> last_used = usage ? usage->last_used_at : key.last_used_at;
  if (last_used) out["lastUsedAt"] = *last_used;
  if (key.expires_at) out["expires"] = *key.expires_at;
  if (key.credits) out["credits"] = RenderCredits(key.credits, usage ? usage->credits_remaining : std::nullopt);
  if (key.ratelimit) out["ratelimits"] = RenderRatelimits(key);
  return out;
}

}  // namespace kl::http::unkey
