#include "http/compat/workos/workos_input.h"

namespace kl::http::workos {

using nlohmann::json;

const BodyShape kValidationBody{{{"value"}}};
const BodyShape kCreateOrgKeyBody{{{"name"}, {"permissions"}}};
const BodyShape kCreateUserKeyBody{{{"name"}, {"organization_id"}, {"permissions"}, {"expires_at"}}};
const QueryShape kListQuery{"limit", "before", "after", "order"};
const QueryShape kListUserKeysQuery{"limit", "before", "after", "order", "organization_id"};

namespace {

// The members both dialects name alike, passed through untouched: /v1's reader reports a wrong
// type under the same field name.
void CopyMembers(const json& from, json& to, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (from.contains(name)) to[name] = from.at(name);
}

}  // namespace

json OrgKeyCreateBody(const json& body) {
  json out = json::object();
  CopyMembers(body, out, {"name", "permissions"});
  return out;
}

Result<UserKeyCreate> UserKeyCreateBody(const json& body, const std::string& user_id) {
  auto org = body.find("organization_id");
  if (org == body.end()) return Status::Validation({{"organization_id", "is required"}});
  if (!org->is_string() || org->get_ref<const std::string&>().empty())
    return Status::Validation({{"organization_id", "must be a non-empty string"}});
  json out = json::object();
  CopyMembers(body, out, {"name", "permissions", "expires_at"});
  out["owner"] = {{"type", "user"}, {"id", user_id}};
  return UserKeyCreate{org->get<std::string>(), std::move(out)};
}

}  // namespace kl::http::workos
