// Derived warnings (docs/events.md), appended by the sweeper as actor system so that they are audited
// and deliverable like any other event:
// - KeyExpiringSoon{expires_at, window}: an active key whose expires_at is 7 days away ("7d")
//   and again 1 day away ("1d"). Once per window per expires_at value: a PATCH that moves
//   expires_at makes the new date warn again. When the sweeper first sees a key already inside
//   the 1-day window (created with less than a day to live, or the service was down through the
//   7-day mark), it appends only "1d": the narrowest window that applies, once. A rotated key
//   (rotated_to set) is not warned: its expiry is the planned end of the rotation's grace.
// - KeyCreditsLow{remaining, threshold}: once when credits remaining fall to or below
//   threshold = floor(basis / 10), where basis is what credits were last set to (at creation
//   or by a PATCH that sets credits) or refilled to. A refill or a PATCH that sets credits
//   re-arms it. A basis of 0 never warns (there is nothing to fall from).
#pragma once
#include <optional>
#include <vector>

#include "domain/command.h"
#include "domain/key.h"

namespace kl {

inline constexpr Millis kExpiringSoonWeekMs = 7LL * 86400000, kExpiringSoonDayMs = 86400000;

// floor(basis / 10); nullopt when the key has no credits gate or a basis of 0.
std::optional<int64_t> CreditsLowThreshold(const KeyState& key);

// When the sweeper should next decide warnings for the key (a time-ordered index holds it);
// nullopt when nothing is pending. A pure function of the folded state, so replay rebuilds the
// index bit for bit. Whenever it is <= now, DecideKeyWarnings(key, now) appends something
// (unless the key expires first).
std::optional<Millis> NextWarningDue(const KeyState& key);

// The warnings due at ctx.now (actor and request from ctx), at the key's next versions.
std::vector<Event> DecideKeyWarnings(const KeyState& key, const CommandContext& ctx);

}  // namespace kl
