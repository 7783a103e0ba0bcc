// The WorkOS API keys dialect's objects (docs/compat.md, WorkOS): the ApiKey, the list envelope
// and the error bodies, rendered from keyledger's own state and Status. Nothing here decides.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "domain/status.h"
#include "http/reply.h"

namespace kl::http::workos {

// Bodies are written straight into their bytes (http/json_writer.h), as /v1's validation answer is:
// the validation route is on the hot path, and a DOM per answer cost more than the lookup.

// {"object":"api_key", "id", "owner", "name", "obfuscated_value", "last_used_at", "permissions",
// "created_at", "updated_at"} and "expires_at" when the key has one. A user-owned key's owner
// carries the key's organization as organization_id.
std::string SerializeApiKey(const KeyState& key);
// The ApiKey plus "value", the plaintext: the answer to a create, the only one that shows it.
std::string SerializeCreatedApiKey(const KeyState& key, const std::string& value);
// {"api_key": <ApiKey>} for a key that validated, {"api_key": null} otherwise (null key).
// `last_used_at` is the key's as of this use (the usage tracker's view, which the projected state
// does not hold yet).
std::string SerializeValidation(const std::shared_ptr<const KeyState>& valid_key,
                                std::optional<Millis> last_used_at);

struct ListMetadata {
  std::optional<std::string> before;  // the id to pass as `before` for the previous page
  std::optional<std::string> after;   // the id to pass as `after` for the next page
};
// {"object":"list", "data":[ApiKey...], "list_metadata":{"before","after"}}, nulls included.
std::string SerializeList(const std::vector<KeyState>& keys, const ListMetadata& meta);

// A keyledger Status as WorkOS answers it: {"code", "message"} with the status the SDK maps to
// its exception classes; a validation failure is a 422 with "errors":[{"field","code"}].
Reply ErrorReply(const Status& status, const std::string& request_id);

}  // namespace kl::http::workos
