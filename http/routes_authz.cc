// /v1/authz: keyledger as a reverse proxy's auth server (nginx auth_request, Traefik ForwardAuth,
// Envoy ext_authz, Caddy forward_auth). The proxy forwards each client request's headers; the
// answer's status alone decides (docs/gateways.md):
//   200  a valid key; X-Keyledger-Key-Id, -Org-Id and -Permissions describe it
//   401  no key, or a malformed, unknown, revoked, expired or disabled one (WWW-Authenticate: Bearer)
//   403  INSUFFICIENT_PERMISSIONS, IP_NOT_ALLOWED, TENANT_INACTIVE
//   429  RATE_LIMITED, USAGE_EXCEEDED (Retry-After when waiting helps)
//   503  STALE: a cluster node whose view of the log is older than its max staleness (Retry-After)
// The gateway's own credential (X-Keyledger-Token, set in the proxy's configuration) missing or
// unknown is 401 GATEWAY_UNAUTHENTICATED, and without apikeys:validate 403 GATEWAY_FORBIDDEN: a
// proxy refuses every request then, failing closed. A query the route does not know is 400.
// Every answer carries X-Keyledger-Code; none but the 400 has a body. The check is POST /v1/validations' own
// (http/key_check.h), usage recording and gates included.
#include <algorithm>

#include "domain/key.h"
#include "http/auth.h"
#include "domain/role.h"
#include "http/key_check.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

namespace {

const QueryShape kAuthzQuery{"permissions"};

// The methods a proxy may forward: the original request's, whatever it was.
constexpr const char* kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

Reply Answer(int status, std::string_view code) {
  Reply r;
  r.status = status;
  r.content_type.clear();
  r.headers.emplace_back("X-Keyledger-Code", std::string(code));
  return r;
}

Reply Unauthenticated(std::string_view code) {
  Reply r = Answer(401, code);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// A permission query (docs/access.md, Permission queries): "posts:read AND (posts:write OR
// admin)". Commas still mean AND between their parts ("posts:read,posts:write"), and '+' is a
// space (a form-encoded query string).
Result<PermissionQuery> ParsePermissions(std::string_view raw, const char* field) {
  std::string text;
  std::string part;
  auto flush = [&] {
    bool blank = part.find_first_not_of(' ') == std::string::npos;
    if (!blank) text += (text.empty() ? "(" : " AND (") + part + ")";
    part.clear();
  };
  bool commas = raw.find(',') != std::string_view::npos;
  for (char c : raw) {
    if (c == ',' ) flush();
    else part.push_back(c == '+' ? ' ' : c);
  }
  if (commas) flush();
  else text = std::move(part);
  if (text.find_first_not_of(' ') == std::string::npos)
    return Status::Validation({{field, "must name at least one permission"}});
  return PermissionQuery::Parse(text, field);
}

// The permissions to require: the `permissions` query parameter of /v1/authz, or the
// X-Keyledger-Required-Permissions header the proxy sets. Below /v1/authz/ (Envoy appends the
// client's path and query), the query is the client's: neither read nor checked.
Result<std::optional<PermissionQuery>> ReadPermissions(const RequestContext& ctx) {
  bool client_path = ctx.params.count("path") > 0;
  if (!client_path)
    if (Status q = CheckQuery(ctx); !q.ok()) return q;
  auto query = client_path ? std::nullopt : ctx.Query("permissions");
  auto header = ctx.HeaderView("x-keyledger-required-permissions");
  if (query && header)
    return Status::Validation({{"permissions", "give the permissions in the query or the header, not both"}});
  auto parsed = query    ? ParsePermissions(*query, "permissions")
                : header ? ParsePermissions(*header, "X-Keyledger-Required-Permissions")
                         : Result<PermissionQuery>(PermissionQuery{});
  if (!parsed.ok()) return parsed.status();
  if (parsed->empty()) return std::optional<PermissionQuery>{};
  return std::optional<PermissionQuery>(std::move(*parsed));
}

// The client's key: Authorization: Bearer, or X-API-Key. Both, naming different keys: ambiguous.
std::optional<std::string> ClientKey(const RequestContext& ctx, bool* ambiguous) {
  std::optional<std::string_view> bearer = BearerToken(ctx);
  std::optional<std::string_view> api_key = ctx.HeaderView("x-api-key");
  *ambiguous = bearer && api_key && *bearer != *api_key;
  if (api_key) return std::string(*api_key);
  if (bearer) return std::string(*bearer);
  return std::nullopt;
}

// The client's address as the gateway reports it: X-Real-IP, else the first hop of
// X-Forwarded-For, else the gateway's own address.
std::string ClientIp(const RequestContext& ctx) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
  };
  if (auto real = ctx.HeaderView("x-real-ip")) return trim(*real);
  if (auto xff = ctx.HeaderView("x-forwarded-for")) return trim(xff->substr(0, xff->find(',')));
  return ctx.peer_ip;
}

int64_t SecondsUntil(Millis at, Millis now) { return std::max<int64_t>(1, (at - now + 999) / 1000); }

// `effective`: the key's effective permissions (its own and its roles', docs/access.md).
Reply Render(const KeyCheckOutcome& outcome, const std::vector<std::string>& effective) {
  std::string_view code = ValidationCodeName(outcome.code);
  switch (outcome.code) {
    case ValidationCode::kValid: {
      Reply r = Answer(200, code);
      r.headers.emplace_back("X-Keyledger-Key-Id", outcome.key->id);
      r.headers.emplace_back("X-Keyledger-Org-Id", outcome.key->org_id);
      std::string permissions;
      for (const auto& p : effective) permissions += (permissions.empty() ? "" : ",") + p;
      r.headers.emplace_back("X-Keyledger-Permissions", permissions);
      return r;
    }
    case ValidationCode::kInsufficientPermissions: {
      Reply r = Answer(403, code);
      std::string missing;
      for (const auto& p : outcome.permissions.missing) missing += (missing.empty() ? "" : ",") + p;
      r.headers.emplace_back("X-Keyledger-Missing-Permissions", missing);
      return r;
    }
    case ValidationCode::kIpNotAllowed:
    case ValidationCode::kTenantInactive:
      return Answer(403, code);
    case ValidationCode::kRateLimited: {
      Reply r = Answer(429, code);
      if (outcome.gates.ratelimit)
        r.headers.emplace_back("Retry-After", std::to_string(SecondsUntil(outcome.gates.ratelimit->reset_at, outcome.now)));
      return r;
    }
    case ValidationCode::kUsageExceeded: {
      Reply r = Answer(429, code);
      // Credits come back at the next refill; a key without one is spent for good.
      if (auto refill = outcome.key ? NextCreditRefill(*outcome.key) : std::nullopt)
        r.headers.emplace_back("Retry-After", std::to_string(SecondsUntil(*refill, outcome.now)));
      return r;
    }
    default:  // MALFORMED, NOT_FOUND, REVOKED, EXPIRED, DISABLED
      return Unauthenticated(code);
  }
}

void Authz(Services& s, const std::shared_ptr<RequestContext>& ctx, const Respond& respond) {
  // The gateway's credential, set in the proxy's configuration: exactly one.
  size_t tokens = 0;
  std::string_view token;
  for (const auto& [name, value] : ctx->headers)
    if (name == "x-keyledger-token") ++tokens, token = value;
  auto gateway = tokens == 1 ? AuthenticateToken(s, token, ctx->auth_memo.get())
                              : Result<Principal>(Status(Code::kUnauthenticated, "one X-Keyledger-Token is required"));
  if (!gateway.ok()) return respond(Unauthenticated("GATEWAY_UNAUTHENTICATED"));
  if (!Authorize(*gateway, "", "apikeys:validate").ok()) return respond(Answer(403, "GATEWAY_FORBIDDEN"));
  if (!ViewFreshEnough(s).ok()) {  // a cluster node cut off from the log too long (docs/cluster.md)
    Reply r = Answer(503, "STALE");
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  auto permissions = ReadPermissions(*ctx);
  if (!permissions.ok()) {
    Reply r = Fail(permissions.status(), *ctx);
    r.headers.emplace_back("X-Keyledger-Code", "INVALID_REQUEST");
    return respond(std::move(r));
  }

  bool ambiguous = false;
  std::optional<std::string> key = ClientKey(*ctx, &ambiguous);
  if (!key || ambiguous) return respond(Unauthenticated(key ? "MALFORMED" : "MISSING"));
  KeyCheckRequest check;
  check.value = std::move(*key);
  check.permission_query = std::move(permissions.value());
  check.ip = ClientIp(*ctx);
  check.user_agent = std::string(ctx->HeaderView("user-agent").value_or(""));
  CheckKeyThen(s, *gateway, std::move(check), [&s, respond](Result<KeyCheckOutcome> checked) {
    if (!checked.ok()) {
      // A cluster node that cannot reach the shared counters of a key with credits or a rate limit.
      Reply r = Answer(503, "UNAVAILABLE");
      r.headers.emplace_back("Retry-After", "1");
      return respond(std::move(r));
    }
    const KeyCheckOutcome& outcome = *checked;
    std::vector<std::string> effective;
    if (outcome.code == ValidationCode::kValid) {
      auto org = outcome.key->roles.empty() ? nullptr : s.reads->FindOrg(outcome.key->org_id);
      effective = org ? EffectivePermissions(*outcome.key, *org) : outcome.key->permissions;
    }
    respond(Render(outcome, effective));
  });
}

}  // namespace

void RegisterAuthzRoutes(Router& router, Services& s) {
  // Envoy's ext_authz appends the original request's path: /v1/authz/posts/42 is the same check.
  for (const char* method : kMethods) {
    router.Add(method, "/v1/authz", {kAuthzQuery}, [&s](auto ctx, Respond respond) { Authz(s, ctx, respond); });
    router.Add(method, "/v1/authz/{path*}", {kNoQuery}, [&s](auto ctx, Respond respond) { Authz(s, ctx, respond); });
  }
}

}  // namespace kl::http
