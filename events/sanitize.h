// Makes a JSON value representable everywhere an event's JSON goes: valid UTF-8 in every string
// and key (nlohmann's dump() throws on anything else, and RFC 8785 forbids it) and finite
// numbers only (RFC 8785 forbids NaN/Infinity; JSON.stringify renders them as null, so do we).
//
// Why here: event text can come from outside unchecked (a User-Agent header may carry any bytes)
// and an event that cannot be rendered would break the feed, exports and the hash chain. The
// raw bytes stay in the stored event; the rendering (which is what is hashed) is the sanitised
// form, so hashing is a total function of the stored event.
#pragma once
#include <nlohmann/json.hpp>

namespace kl::events {

// In place; a no-op (no copies) for values that are already representable.
void SanitizeJson(nlohmann::json& value);

}  // namespace kl::events
