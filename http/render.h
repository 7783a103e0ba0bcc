// The API objects of docs/spec.md, Resources, rendered from projected state. One field list per object feeds
// two sinks: a JSON DOM (for responses that compose objects) and a streaming writer (for the
// validation hot path, where building a DOM per request cost more than the lookup itself).
// Fields are emitted in sorted order, so both give the same bytes.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "domain/org.h"
#include "domain/permission_query.h"
#include "projections/usage_tracker.h"

namespace kl::http {

// With `org`, the key also shows effective_permissions: its own and its roles' (docs/access.md).
nlohmann::json RenderKey(const KeyState& key, Millis now, const OrgState* org = nullptr);
nlohmann::json RenderOrg(const OrgState& org);
// The answer to a create or a rotation, {"api_key": <key>, "value": <the plaintext>},
// serialized directly (the same bytes as dumping the DOM of RenderKey).
std::string SerializeIssuedKey(const KeyState& key, const std::string& value, Millis now,
                               const OrgState* org = nullptr);

// The POST /v1/validations answer, serialized directly. `key` and `usage` are set for VALID.
struct ValidationAnswer {
  ValidationCode code = ValidationCode::kValid;
  std::shared_ptr<const KeyState> key;
  const projections::KeyUsageView* usage = nullptr;
  std::optional<int64_t> credits_remaining;
  std::optional<projections::RateLimitState> ratelimit;
  // For INSUFFICIENT_PERMISSIONS: failed_clause and missing (docs/access.md).
  const PermissionVerdict* permissions = nullptr;
};
std::string SerializeValidation(const ValidationAnswer& answer, Millis now);

}  // namespace kl::http
