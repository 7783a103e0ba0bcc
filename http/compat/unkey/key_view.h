// keyledger's key state in Unkey v2's shapes (docs/compat.md, Unkey): the KeyResponseData of
// getKey, whoami and listKeys, the credits object, and the verification code a validation
// outcome maps to. Optional members are omitted when absent (the client's schemas refuse null);
// timestamps are integer milliseconds.
#pragma once
#include <optional>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "projections/usage_tracker.h"

namespace kl::http::unkey {

// `usage`: the live usage overlay (credits spent, last use) when usage recording is on.
nlohmann::json RenderKey(const KeyState& key, const projections::KeyUsageView* usage);
// KeyCreditsData: {"remaining": n | null, "refill"?: {"interval","amount"}}; remaining null
// means unlimited (no credits gate).
nlohmann::json RenderCredits(const std::optional<Credits>& credits, std::optional<int64_t> live_remaining);
// The single rate-limit gate as Unkey's named list (keyledger keeps one unnamed gate per key,
// shown as "default").
nlohmann::json RenderRatelimits(const KeyState& key);
// Permission objects for the permission routes: keyledger permissions are plain strings, so
// id, name and slug are all the string.
nlohmann::json RenderPermissions(const std::vector<std::string>& permissions);

// The code verifyKey answers for a validation outcome. MALFORMED and REVOKED read as NOT_FOUND
// (Unkey treats a deleted key as unknown); TENANT_INACTIVE and IP_NOT_ALLOWED as FORBIDDEN.
const char* VerifyCode(ValidationCode code);

}  // namespace kl::http::unkey
