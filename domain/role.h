// Roles (docs/access.md): an organization's named permission sets, granted to keys. The role
// definitions are folded into the org's state (org stream); the names a key holds into the key's
// state (key stream). A key's effective permissions are its own plus those of every role it holds,
// as the org defines them at the moment of reading, so changing a role changes every key that has it.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/command.h"
#include "domain/event.h"
#include "domain/key.h"
#include "domain/org.h"
#include "domain/status.h"

namespace kl {

inline constexpr size_t kMaxRolesPerOrg = 1000;
inline constexpr size_t kMaxRolesPerKey = 32;
inline constexpr size_t kMaxRolePermissions = 64;

// Folds RoleCreated / RoleUpdated / RoleDeleted into an org's role table; other events are ignored.
void EvolveRoles(std::map<std::string, RoleDef>& roles, const Event& event);

// The key's own permissions, then those of each role it holds that the org defines (a role the
// org no longer defines grants nothing), without duplicates.
std::vector<std::string> EffectivePermissions(const KeyState& key, const OrgState& org);

struct CreateRoleInput {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> permissions;
  std::optional<std::string> description;
};
struct UpdateRoleInput {
  std::optional<std::vector<std::string>> permissions;
  std::optional<std::optional<std::string>> description;  // null clears
};

// 400 for a bad name or permission list, 402 in an inactive org, 409 when the name is taken or
// the org holds kMaxRolesPerOrg roles. One RoleCreated on the org stream.
Result<std::vector<Event>> DecideCreateRole(const OrgState& org, const CreateRoleInput& in, FieldErrors type_errors,
                                            const CommandContext& ctx);
// 404 for an unknown role; a RoleUpdated with what changed (nothing when nothing changes).
Result<std::vector<Event>> DecideUpdateRole(const OrgState& org, const std::string& role, const UpdateRoleInput& in,
                                            FieldErrors type_errors, const CommandContext& ctx);
// 404 for an unknown role; 409 while `holders` (active keys holding it) is not zero.
Result<std::vector<Event>> DecideDeleteRole(const OrgState& org, const std::string& role, size_t holders,
                                            const CommandContext& ctx);
// 404 for a role the org does not define; 409 for a key that can no longer change; nothing when
// the key already holds it (grant) or does not (revoke).
Result<std::vector<Event>> DecideGrantRole(const KeyState& key, const OrgState& org, const std::string& role,
                                           const CommandContext& ctx);
Result<std::vector<Event>> DecideRevokeRole(const KeyState& key, const OrgState& org, const std::string& role,
                                            const CommandContext& ctx);

// The role names of a create body: each a valid name of a role `org` defines, at most
// kMaxRolesPerKey; violations recorded under "roles".
void CheckRoleNames(const std::vector<std::string>& roles, const std::optional<OrgState>& org, FieldErrors& errors);

}  // namespace kl
