#include "http/render.h"

#include "domain/time.h"

namespace kl::http {

using nlohmann::json;

static json OptTime(const std::optional<Millis>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }
static json OptStr(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json RenderKey(const KeyState& k, Millis now) {
  json credits = nullptr;
  if (k.credits) {
    credits = {{"remaining", k.credits->remaining}, {"refill", nullptr}};
    if (k.credits->refill)
      credits["refill"] = {{"amount", k.credits->refill->amount}, {"interval", k.credits->refill->interval}};
  }
  json ratelimit = nullptr;
  if (k.ratelimit) ratelimit = {{"limit", k.ratelimit->limit}, {"window_ms", k.ratelimit->window_ms}};
  return json{{"id", k.id},
              {"org_id", k.org_id},
              {"name", k.name},
              {"description", OptStr(k.description)},
              {"obfuscated_value", k.obfuscated_value},
              {"prefix", k.prefix},
              {"environment", k.environment},
              {"permissions", k.permissions},
              {"permission_set", k.permission_set},
              {"owner", {{"type", k.owner.type}, {"id", k.owner.id}}},
              {"project_id", OptStr(k.project_id)},
              {"metadata", k.metadata},
              {"status", k.StatusAt(now)},
              {"created_at", FormatTime(k.created_at)},
              {"created_by", {{"type", k.created_by.type}, {"id", k.created_by.id}}},
              {"updated_at", FormatTime(k.updated_at)},
              {"expires_at", OptTime(k.expires_at)},
              {"revoked_at", OptTime(k.revoked_at)},
              {"revoke_reason", OptStr(k.revoke_reason)},
              {"expired_at", OptTime(k.expired_at)},
              {"rotated_from", OptStr(k.rotated_from)},
              {"rotated_to", OptStr(k.rotated_to)},
              {"last_used_at", OptTime(k.last_used_at)},
              {"last_used_ip", OptStr(k.last_used_ip)},
              {"last_used_user_agent", OptStr(k.last_used_user_agent)},
              {"usage_count", k.usage_count},
              {"enabled", k.enabled},
              {"ip_allowlist", k.ip_allowlist},
              {"credits", credits},
              {"ratelimit", ratelimit},
              {"version", k.version}};
}

json RenderOrg(const OrgState& o) {
  return json{{"id", o.id},
              {"name", o.name},
              {"status", o.status},
              {"created_at", FormatTime(o.created_at)},
              {"updated_at", FormatTime(o.updated_at)}};
}

}  // namespace kl::http
