#include "domain/widget_token.h"

namespace kl {

Result<std::vector<Event>> DecideMintWidgetToken(const std::optional<OrgState>& org, WidgetTokenMinted minted,
                                                 const CommandContext& ctx) {
  if (!org) return Status(Code::kNotFound, "organization not found");
  if (org->status != "active")
    return Status(Code::kTenantInactive, "the organization is not active").WithDetail("status", org->status);
  return std::vector<Event>{NewEvent(ctx, org->id, std::nullopt, org->version + 1, std::move(minted))};
}

}  // namespace kl
