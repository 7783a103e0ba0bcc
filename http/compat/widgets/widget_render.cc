#include "http/compat/widgets/widget_render.h"

#include "domain/time.h"

namespace kl::http::widgets {

namespace {
nlohmann::json OptTime(const std::optional<Millis>& t) {
  return t ? nlohmann::json(FormatTime(*t)) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json KeyJson(const KeyState& key, bool user_owned) {
  nlohmann::json j = {{"id", key.id},
                      {"name", key.name},
                      {"obfuscatedValue", key.obfuscated_value},
                      {"createdAt", FormatTime(key.created_at)},
                      {"lastUsedAt", OptTime(key.last_used_at)},
                      {"expiresAt", OptTime(key.expires_at)},
                      {"permissions", key.permissions}};
  // keyledger knows a user by id only: no email or names (docs/compat.md, Widget).
  if (user_owned)
    j["owner"] = {{"type", "user"}, {"id", key.owner.id}, {"email", ""}, {"displayName", key.owner.id}};
  return j;
}

nlohmann::json CreatedKeyJson(const KeyState& key, const std::string& value) {
  return {{"id", key.id},
          {"value", value},
          {"obfuscatedValue", key.obfuscated_value},
          {"createdAt", FormatTime(key.created_at)},
          {"name", key.name},
          {"permissions", key.permissions},
          {"expiresAt", OptTime(key.expires_at)}};
}

nlohmann::json ListJson(nlohmann::json data, const PageLinks& links) {
  nlohmann::json meta = nlohmann::json::object();
  if (links.before) meta["before"] = *links.before;
  if (links.after) meta["after"] = *links.after;
  return {{"data", std::move(data)}, {"list_metadata", std::move(meta)}};
}

nlohmann::json PermissionJson(const std::string& permission) {
  return {{"id", permission}, {"slug", permission}, {"name", permission}, {"description", nullptr}};
}

Reply WidgetError(const Status& status) {
  nlohmann::json body = {{"message", status.message()}, {"code", ErrorCodeName(status.code())}};
  if (!status.fields().empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& [field, why] : status.fields()) errors.push_back({{"field", field}, {"code", why}});
    body["errors"] = std::move(errors);
  }
  for (const auto& [k, v] : status.details()) body[k] = v;
  Reply r = Reply::Json(HttpStatusOf(status.code()), body);
  if (status.code() == Code::kUnavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace kl::http::widgets
