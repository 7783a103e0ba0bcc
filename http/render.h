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
#include "projections/usage_tracker.h"

namespace kl::http {

nlohmann::json RenderKey(const KeyState& key, Millis now);
nlohmann::json RenderOrg(const OrgState& org);
// The answer to a create or a rotation, {"api_key": <key>, "value": <the plaintext>},
// serialized directly (the same bytes as dumping the DOM of RenderKey).
std::string SerializeIssuedKey(const KeyState& key, const std::string& value, Millis now);

// The POST /v1/validations answer, serialized directly. `key` and `usage` are set for VALID.
struct ValidationAnswer {
  ValidationCode code = ValidationCode::kValid;
  std::shared_ptr<const KeyState> key;
  const projections::KeyUsageView* usage = nullptr;
  std::optional<int64_t> credits_remaining;
  std::optional<projections::RateLimitState> ratelimit;
};
std::string SerializeValidation(const ValidationAnswer& answer, Millis now);

}  // namespace kl::http
