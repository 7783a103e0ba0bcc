// Minting a widget token (docs/widgets.md) is recorded on the org's stream, so an auditor can tie
// the widget's later events (actor "widget") to who minted the token, for whom, with which scopes.
#pragma once
#include <optional>
#include <vector>

#include "domain/command.h"
#include "domain/org.h"
#include "domain/status.h"

namespace kl {

// 404 for an unknown org, 402 for an org that is not active (a suspended or past-due org gets no
// widget); otherwise the one WidgetTokenMinted event.
Result<std::vector<Event>> DecideMintWidgetToken(const std::optional<OrgState>& org, WidgetTokenMinted minted,
                                                 const CommandContext& ctx);

}  // namespace kl
