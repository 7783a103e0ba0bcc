// Creating a key, as POST /v1/orgs/{org}/api-keys and the SDK dialects (http/compat/) all do it:
// the Idempotency-Key header (docs/spec.md, Creating keys), DecideCreateKey, the append. The
// routes differ only in how they read their body into the /v1 create body and render the result.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http {

struct KeyCreation {
  KeyState key;
  // The plaintext, returned once: empty when `replayed`, since a replay never shows it again.
  std::string secret;
  // The Idempotency-Key named an earlier create with the same body: `key` is that key.
  bool replayed = false;
};
using KeyCreationDone = std::function<void(Result<KeyCreation>)>;

// `body` is a /v1 create body (kCreateKeyBody; its members already checked). `done` runs once,
// on this thread or the log's writer. The same Idempotency-Key and body within 24 h replays the
// first key; another body with it is a 409, as is a second request while the first is running.
void CreateKey(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& org_id,
               const nlohmann::json& body, KeyCreationDone done);

}  // namespace kl::http
