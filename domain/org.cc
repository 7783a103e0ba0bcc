#include "domain/org.h"

#include "domain/ids.h"
#include "domain/role.h"
#include "domain/text.h"

namespace kl {

bool IsOrgStatus(const std::string& s) {
  return s == "active" || s == "past_due" || s == "trial_expired" || s == "decommissioning";
}

void EvolveOrg(std::optional<OrgState>& state, const Event& event) {
  if (const auto* c = std::get_if<OrgCreated>(&event.data)) {
    state = OrgState{event.org_id, c->name, c->status, event.recorded_at, event.recorded_at, 0, {}};
  } else if (const auto* u = std::get_if<OrgUpdated>(&event.data)) {
    if (!state) return;
    if (u->name) state->name = *u->name;
    if (u->status) state->status = *u->status;
    state->updated_at = event.recorded_at;
  } else if (state) {
    EvolveRoles(state->roles, event);
  }
  if (state) state->version = event.stream_version;
}

static void CheckName(const std::optional<std::string>& name, bool required, FieldErrors& errors) {
  if (!name) {
    if (required && !errors.count("name")) errors["name"] = "is required";
    return;
  }
  size_t n = Utf8Length(*name);
  if (n < 1 || n > 200 || IsBlank(*name)) errors["name"] = "must be 1..200 characters";
}

static void CheckStatus(const std::optional<std::string>& status, FieldErrors& errors) {
  if (status && !IsOrgStatus(*status))
    errors["status"] = "must be one of active, past_due, trial_expired, decommissioning";
}

Result<std::vector<Event>> DecideCreateOrg(const std::optional<OrgState>& existing, const CreateOrgInput& in,
                                           FieldErrors errors, const CommandContext& ctx) {
  CheckName(in.name, true, errors);
  CheckStatus(in.status, errors);
  if (in.id && !IsOrgSlug(*in.id) && !IsId(*in.id, "org"))
    errors["id"] = "must match [a-z0-9][a-z0-9-]{2,63}";
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (existing) return Status(Code::kConflict, "an organization with this id already exists");
  std::string id = in.id ? *in.id : NewId("org", ctx.now);
  return std::vector<Event>{NewEvent(ctx, id, std::nullopt, 1, OrgCreated{*in.name, in.status.value_or("active")})};
}

Result<std::vector<Event>> DecideUpdateOrg(const OrgState& org, const UpdateOrgInput& in, FieldErrors errors,
                                           const CommandContext& ctx) {
  CheckName(in.name, false, errors);
  CheckStatus(in.status, errors);
  if (!errors.empty()) return Status::Validation(std::move(errors));
  OrgUpdated u;
  if (in.name && *in.name != org.name) u.name = in.name;
  if (in.status && *in.status != org.status) u.status = in.status;
  if (!u.name && !u.status) return std::vector<Event>{};
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, std::move(u))};
}

}  // namespace kl
