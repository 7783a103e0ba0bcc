// The organization aggregate: state, evolve and decide.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/command.h"
#include "domain/event.h"
#include "domain/status.h"

namespace kl {

// A role: a named set of permissions an organization grants to keys (docs/access.md).
struct RoleDef {
  std::vector<std::string> permissions;
  std::optional<std::string> description;
  Millis created_at = 0;
  Millis updated_at = 0;
  bool operator==(const RoleDef&) const = default;
};

struct OrgState {
  std::string id;
  std::string name;
  std::string status;  // active | past_due | trial_expired | decommissioning
  Millis created_at = 0;
  Millis updated_at = 0;
  uint64_t version = 0;  // events on the org stream
  std::map<std::string, RoleDef> roles;  // by name, folded from RoleCreated/RoleUpdated/RoleDeleted
};

bool IsOrgStatus(const std::string& s);

// Folds one org-stream event (OrgCreated/OrgUpdated; others only bump the version).
void EvolveOrg(std::optional<OrgState>& state, const Event& event);

struct CreateOrgInput {
  std::optional<std::string> id;  // caller-chosen slug, else generated
  std::optional<std::string> name;
  std::optional<std::string> status;
};
struct UpdateOrgInput {
  std::optional<std::string> name;
  std::optional<std::string> status;
};

// `existing` is the org with the requested id, if any (conflict), or nullopt.
Result<std::vector<Event>> DecideCreateOrg(const std::optional<OrgState>& existing, const CreateOrgInput& in,
                                           FieldErrors type_errors, const CommandContext& ctx);
// Appends nothing when nothing changes.
Result<std::vector<Event>> DecideUpdateOrg(const OrgState& org, const UpdateOrgInput& in, FieldErrors type_errors,
                                           const CommandContext& ctx);

}  // namespace kl
