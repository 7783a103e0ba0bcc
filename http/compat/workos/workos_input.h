// What the WorkOS API keys routes read: each body's shape (declared to the router, so a member
// the SDK never sends is refused like on /v1) and its translation into the /v1 create body, which
// keyledger's own create path then checks (http/key_create.h). docs/compat.md, WorkOS.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "http/input_shape.h"

namespace kl::http::workos {

extern const BodyShape kValidationBody;     // {value}
extern const BodyShape kCreateOrgKeyBody;   // {name, permissions}
extern const BodyShape kCreateUserKeyBody;  // {name, organization_id, permissions, expires_at}
extern const QueryShape kListQuery;         // limit, before, after, order
extern const QueryShape kListUserKeysQuery;  // the same and organization_id

// The /v1 create body for an organization-owned key.
nlohmann::json OrgKeyCreateBody(const nlohmann::json& body);

// The /v1 create body for a user-owned key (owner {type: "user", id: user_id}) and the
// organization it belongs to, which the body must name (organization_id, a string).
struct UserKeyCreate {
  std::string org_id;
  nlohmann::json body;
};
[[nodiscard]] Result<UserKeyCreate> UserKeyCreateBody(const nlohmann::json& body, const std::string& user_id);

}  // namespace kl::http::workos
