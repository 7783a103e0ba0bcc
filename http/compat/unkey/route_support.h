// Plumbing shared by the Unkey v2 routes: the root key's authentication, the strict body, and
// the key lookups and updates every key route makes, all answering in Unkey's envelope
// (http/compat/unkey/envelope.h). The commands and queries are /v1's own.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http::unkey {

// A route's work once the caller is authenticated and the body read (an object holding only
// the members the route declared).
using Handler = std::function<void(std::shared_ptr<RequestContext>, nlohmann::json, Respond)>;
// Authenticates the root key (a management key or the admin token: 401 otherwise), reads the
// body, then runs `inner`.
RouteHandler Route(Services& s, Handler inner);

Reply Refuse(const Status& status, const RequestContext& ctx);
// A 400 naming `errors` (nothing when empty).
bool FailOnErrors(const FieldErrors& errors, const RequestContext& ctx, const Respond& respond);

// The key `key_id` as the caller may see it with `scope`: 404 when unknown, revoked (Unkey's
// deleted keys are gone) or in another organization than the caller's; 403 without the scope.
Result<KeyState> KeyForCaller(Services& s, const Principal& caller, const std::string& key_id, const char* scope);

// Runs /v1's update command on a key: `build` turns the key as it stands (re-read on every
// attempt) into the update; `done` gets the key after it.
using BuildUpdate = std::function<Result<UpdateKeyInput>(const KeyState&)>;
using KeyDone = std::function<void(const KeyState&)>;
void UpdateKey(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& key_id, BuildUpdate build,
               Respond respond, KeyDone done);

// The live balance of a key's credits (usage not yet in the log included), when it has a gate.
std::optional<int64_t> LiveCredits(const Services& s, const KeyState& key);

}  // namespace kl::http::unkey
