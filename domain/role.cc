#include "domain/role.h"

#include <algorithm>

#include "domain/text.h"

namespace kl {

void EvolveRoles(std::map<std::string, RoleDef>& roles, const Event& e) {
  if (const auto* c = std::get_if<RoleCreated>(&e.data)) {
    roles[c->role] = RoleDef{c->permissions, c->description, e.recorded_at, e.recorded_at};
  } else if (const auto* u = std::get_if<RoleUpdated>(&e.data)) {
    auto it = roles.find(u->role);
    if (it == roles.end()) return;
    if (u->permissions) it->second.permissions = *u->permissions;
    if (u->description) it->second.description = *u->description;
    it->second.updated_at = e.recorded_at;
  } else if (const auto* d = std::get_if<RoleDeleted>(&e.data)) {
    roles.erase(d->role);
  }
}

std::vector<std::string> EffectivePermissions(const KeyState& key, const OrgState& org) {
  std::vector<std::string> out = key.permissions;
  for (const auto& name : key.roles) {
    auto it = org.roles.find(name);
    if (it == org.roles.end()) continue;
    for (const auto& p : it->second.permissions)
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

namespace {

void CheckPermissionList(const std::vector<std::string>& permissions, FieldErrors& errors) {
  if (permissions.size() > kMaxRolePermissions) errors.emplace("permissions", "must hold at most 64 permissions");
  for (const auto& p : permissions)
    if (!IsPermissionString(p)) errors.emplace("permissions", "each must match ^[a-z0-9_.:*-]{1,64}$");
}

void CheckDescription(const std::optional<std::string>& d, FieldErrors& errors) {
  if (d && Utf8Length(*d) > 1000) errors.emplace("description", "must be at most 1000 characters");
}

std::vector<std::string> Deduplicated(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& p : in)
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

Status CheckOrgActive(const OrgState& org) {
  if (org.status != "active")
    return Status(Code::kTenantInactive, "the organization is not active").WithDetail("status", org.status);
  return Status::Ok();
}

Status CheckKeyMutable(const KeyState& key, Millis now) {
  std::string status = key.StatusAt(now);
  if (status != "active") return Status(Code::kConflict, "the key is " + status + " and can no longer change");
  return Status::Ok();
}

Status RoleNotFound(const std::string& role) { return Status(Code::kNotFound, "role " + role + " not found"); }

}  // namespace

Result<std::vector<Event>> DecideCreateRole(const OrgState& org, const CreateRoleInput& in, FieldErrors errors,
                                            const CommandContext& ctx) {
  if (!in.name) errors.emplace("name", "is required");
  else if (!IsPermissionString(*in.name)) errors.emplace("name", "must match ^[a-z0-9_.:*-]{1,64}$");
  if (!in.permissions) errors.emplace("permissions", "is required");
  else CheckPermissionList(*in.permissions, errors);
  CheckDescription(in.description, errors);
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (Status s = CheckOrgActive(org); !s.ok()) return s;
  if (org.roles.count(*in.name)) return Status(Code::kConflict, "role " + *in.name + " already exists");
  if (org.roles.size() >= kMaxRolesPerOrg)
    return Status(Code::kConflict, "the organization already has 1000 roles, the most it may have");
  RoleCreated c{*in.name, Deduplicated(*in.permissions), in.description};
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, std::move(c))};
}

Result<std::vector<Event>> DecideUpdateRole(const OrgState& org, const std::string& role, const UpdateRoleInput& in,
                                            FieldErrors errors, const CommandContext& ctx) {
  if (in.permissions) CheckPermissionList(*in.permissions, errors);
  if (in.description && *in.description) CheckDescription(**in.description, errors);
  if (!errors.empty()) return Status::Validation(std::move(errors));
  auto it = org.roles.find(role);
  if (it == org.roles.end()) return RoleNotFound(role);
  if (Status s = CheckOrgActive(org); !s.ok()) return s;
  RoleUpdated u;
  u.role = role;
  if (in.permissions) {
    auto permissions = Deduplicated(*in.permissions);
    if (permissions != it->second.permissions) u.permissions = std::move(permissions);
  }
  if (in.description && *in.description != it->second.description) u.description = *in.description;
  if (!u.permissions && !u.description) return std::vector<Event>{};
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, std::move(u))};
}

Result<std::vector<Event>> DecideDeleteRole(const OrgState& org, const std::string& role, size_t holders,
                                            const CommandContext& ctx) {
  if (!org.roles.count(role)) return RoleNotFound(role);
  if (Status s = CheckOrgActive(org); !s.ok()) return s;
  if (holders > 0)
    return Status(Code::kConflict, "role " + role + " is held by " + std::to_string(holders) +
                                       " active key(s); revoke it from them first")
        .WithDetail("keys", std::to_string(holders));
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, RoleDeleted{role})};
}

Result<std::vector<Event>> DecideGrantRole(const KeyState& key, const OrgState& org, const std::string& role,
                                           const CommandContext& ctx) {
  if (!org.roles.count(role)) return RoleNotFound(role);
  if (Status s = CheckKeyMutable(key, ctx.now); !s.ok()) return s;
  if (Status s = CheckOrgActive(org); !s.ok()) return s;
  if (std::find(key.roles.begin(), key.roles.end(), role) != key.roles.end()) return std::vector<Event>{};
  if (key.roles.size() >= kMaxRolesPerKey)
    return Status(Code::kConflict, "the key already holds 32 roles, the most it may hold");
  return std::vector<Event>{NewEvent(ctx, key.org_id, key.id, key.version + 1, RoleGranted{role})};
}

Result<std::vector<Event>> DecideRevokeRole(const KeyState& key, const OrgState& org, const std::string& role,
                                            const CommandContext& ctx) {
  // A key may hold a role the org no longer defines (see docs/access.md): revoking it is allowed.
  bool held = std::find(key.roles.begin(), key.roles.end(), role) != key.roles.end();
  if (!held && !org.roles.count(role)) return RoleNotFound(role);
  if (Status s = CheckKeyMutable(key, ctx.now); !s.ok()) return s;
  if (Status s = CheckOrgActive(org); !s.ok()) return s;
  if (!held) return std::vector<Event>{};
  return std::vector<Event>{NewEvent(ctx, key.org_id, key.id, key.version + 1, RoleRevoked{role})};
}

void CheckRoleNames(const std::vector<std::string>& roles, const std::optional<OrgState>& org, FieldErrors& errors) {
  if (roles.size() > kMaxRolesPerKey) return void(errors.emplace("roles", "must hold at most 32 roles"));
  for (const auto& r : roles) {
    if (!IsPermissionString(r)) return void(errors.emplace("roles", "each must match ^[a-z0-9_.:*-]{1,64}$"));
    if (org && !org->roles.count(r))
      return void(errors.emplace("roles", "names no role of the organization: " + r));
  }
}

}  // namespace kl
