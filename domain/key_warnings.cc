#include "domain/key_warnings.h"

#include <algorithm>

namespace kl {

namespace {

bool Watched(const KeyState& k) { return k.status == "active"; }

bool ExpiryWatched(const KeyState& k) { return Watched(k) && k.expires_at && !k.rotated_to; }

// The narrowest window already warned for the current expires_at ("" if none).
std::string WarnedWindow(const KeyState& k) {
  if (k.expiry_warned_for && k.expires_at && *k.expiry_warned_for == *k.expires_at)
    return k.expiry_warned_window.value_or("");
  return "";
}

bool CreditsLowDue(const KeyState& k) {
  auto threshold = CreditsLowThreshold(k);
  return Watched(k) && threshold && !k.credits_low_warned && k.credits->remaining <= *threshold;
}

}  // namespace

std::optional<int64_t> CreditsLowThreshold(const KeyState& k) {
  if (!k.credits || k.credits_basis <= 0) return std::nullopt;
  return k.credits_basis / 10;
}

std::optional<Millis> NextWarningDue(const KeyState& k) {
  std::optional<Millis> due;
  if (CreditsLowDue(k)) due = 0;  // due at once
  if (ExpiryWatched(k)) {
    std::string warned = WarnedWindow(k);
    std::optional<Millis> at;
    if (warned.empty()) at = *k.expires_at - kExpiringSoonWeekMs;
    else if (warned == "7d") at = *k.expires_at - kExpiringSoonDayMs;
    if (at) due = due ? std::min(*due, *at) : *at;
  }
  if (due && *due < 0) due = 0;
  return due;
}

std::vector<Event> DecideKeyWarnings(const KeyState& k, const CommandContext& ctx) {
  std::vector<Event> out;
  uint64_t v = k.version;
  if (CreditsLowDue(k))
    out.push_back(NewEvent(ctx, k.org_id, k.id, ++v, KeyCreditsLow{k.credits->remaining, *CreditsLowThreshold(k)}));
  // Past expires_at, KeyExpired is what is due, not a warning.
  if (ExpiryWatched(k) && ctx.now < *k.expires_at) {
    Millis left = *k.expires_at - ctx.now;
    const char* window = left <= kExpiringSoonDayMs ? "1d" : left <= kExpiringSoonWeekMs ? "7d" : nullptr;
    std::string warned = WarnedWindow(k);
    if (window && warned != window && warned != "1d")
      out.push_back(NewEvent(ctx, k.org_id, k.id, ++v, KeyExpiringSoon{*k.expires_at, window}));
  }
  return out;
}

}  // namespace kl
