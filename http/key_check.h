// The one validation path: a presented secret checked against the index and the key's gates,
// with usage recorded, as POST /v1/validations and the gateway route GET /v1/authz both answer
// (docs/api.md; docs/gateways.md). The routes differ only in how they read the request and
// render the outcome.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/key.h"
#include "domain/permission_query.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http {

struct KeyCheckRequest {
  std::string value;                              // the presented secret
  std::vector<std::string> required_permissions;  // all of them must be held
  std::optional<PermissionQuery> permission_query;  // instead of the list: this query must hold
  std::string ip;                                 // the end client's address, as resolved by the route
  std::string user_agent;
};

struct KeyCheckOutcome {
  ValidationCode code = ValidationCode::kNotFound;
  // The key the secret names, when it exists and the caller may see it (for VALID and the
  // refusals of a known key); null for MALFORMED and NOT_FOUND.
  std::shared_ptr<const KeyState> key;
  projections::GateOutcome gates;                  // what the credits and rate-limit gates said
  std::optional<projections::KeyUsageView> usage;  // for VALID with usage recording: this use included
  Millis now = 0;
  // For INSUFFICIENT_PERMISSIONS: the clause that failed and the permissions it lacks.
  PermissionVerdict permissions;
};

// The end client's address: `from_body` (a route's own member) when given, else the first hop
// of X-Forwarded-For, else the peer.
std::string ClientIpOf(const RequestContext& ctx, std::optional<std::string> from_body = std::nullopt);

// Decides, records the use (or the refusal) and counts it in the metrics. A key-authenticated
// caller sees only its own organization's keys (others read as NOT_FOUND).
KeyCheckOutcome CheckKey(Services& s, const Principal& caller, const KeyCheckRequest& in);

// The same, answered through `done`, which every route calls it with. On a cluster node a key with
// credits or a rate limit is decided by the shared counters (docs/cluster.md, "Credits and rate
// limits across nodes"): the round trip runs on `counter_work`, never on the calling reactor
// thread, and `done` then runs there; when the counters cannot be reached, `done` gets
// kUnavailable (503) and the use is neither granted nor recorded. Every other check, and every
// check on an embedded node, answers inline as CheckKey does.
using KeyCheckDone = std::function<void(Result<KeyCheckOutcome>)>;
void CheckKeyThen(Services& s, const Principal& caller, KeyCheckRequest in, KeyCheckDone done);

// kUnavailable (503) when this cluster node's view of the shared log is older than its max
// staleness (docs/cluster.md, "Staleness"): it may be missing a revocation, so it must not answer
// validations. Ok on a fresh node and on an embedded one.
Status ViewFreshEnough(const Services& s);

}  // namespace kl::http
