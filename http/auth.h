// Bearer credentials: the admin token or a management key (SPEC §6), and scope checks.
#pragma once
#include "http/context.h"
#include "http/services.h"

namespace kl::http {

// Resolves the Authorization header; kUnauthenticated when missing or unknown.
Result<Principal> Authenticate(const Services& services, const RequestContext& ctx);
// Admin may act on every org; a key only on its own org, with `scope` (apikeys:write implies read).
Status Authorize(const Principal& who, const std::string& org_id, const char* scope);
Status RequireAdmin(const Principal& who);
Actor ActorOf(const Principal& who);

}  // namespace kl::http
