// Bearer credentials: the admin token or a management key (docs/spec.md, Permissions), and scope checks.
#pragma once
#include "http/context.h"
#include "http/services.h"

namespace kl::http {

// A connection's last successful authentication. A keep-alive client sends the same token with
// every request; while nothing has been committed since (the read caches' generation is the
// same), the key and org states it was checked against are still current, and the memo answers
// without hashing the token or reading the caches. Time still counts: an expired key is refused
// on its next request. The token is kept in memory only, for the connection's life, and wiped.
// One connection's requests run one at a time, so a memo is never used by two threads at once.
struct AuthMemo {
  AuthMemo() = default;
  AuthMemo(const AuthMemo&) = delete;
  AuthMemo& operator=(const AuthMemo&) = delete;
  ~AuthMemo();
  void Forget();

  std::string token;
  uint64_t generation = 0;
  Principal principal;
};

// Resolves the Authorization header; kUnauthenticated when missing or unknown. Uses and
// refreshes ctx.auth_memo when there is one.
Result<Principal> Authenticate(const Services& services, const RequestContext& ctx);
// The same for a token that arrived elsewhere (the gateway route's X-Keyledger-Token), with the
// connection's memo (null: none).
Result<Principal> AuthenticateToken(const Services& services, std::string_view token, AuthMemo* memo);
// The token of an `Authorization: Bearer <token>` header, trimmed; nullopt without one.
std::optional<std::string_view> BearerToken(const RequestContext& ctx);
// Admin may act on every org; a key only on its own org, with `scope` (apikeys:write implies read).
Status Authorize(const Principal& who, const std::string& org_id, const char* scope);
Status RequireAdmin(const Principal& who);
Actor ActorOf(const Principal& who);

}  // namespace kl::http
