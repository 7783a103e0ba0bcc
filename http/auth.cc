#include "http/auth.h"

#include <openssl/crypto.h>

#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "domain/time.h"

namespace kl::http {

AuthMemo::~AuthMemo() { Forget(); }

void AuthMemo::Forget() {
  OPENSSL_cleanse(token.data(), token.size());
  token.clear();
  principal = Principal{};
}

namespace {

// The full check of a bearer token, against the read caches.
Result<Principal> Resolve(const Services& services, std::string_view token) {
  auto missing = [] { return Status(Code::kUnauthenticated, "a valid bearer token is required"); };
  Hash32 h = Sha256(token);
  // Compare hashes in constant time: nothing about the admin token leaks through timing.
  char hex[64];
  ToHexTo(h.data(), h.size(), hex);
  if (ConstantTimeEquals(std::string_view(hex, sizeof hex), services.admin_token_hash_hex)) {
    Principal p;
    p.kind = Principal::Kind::kAdmin;
    return p;
  }
  if (!ParseSecret(token)) return missing();
  auto key = services.reads->FindKeyByHash(h);
  if (!key) return missing();
  auto org = services.reads->FindOrg(key->org_id);
  // A revoked, expired or disabled key, or one of an inactive org, stops working at once.
  if (!org || org->status != "active" || key->StatusAt(NowMillis()) != "active" || !key->enabled) return missing();
  bool management = false;
  for (const auto& p : key->permissions) management |= IsManagementScope(p);
  if (!management) return missing();
  Principal p;
  p.kind = Principal::Kind::kApiKey;
  p.key = std::move(key);
  return p;
}

}  // namespace

std::optional<std::string_view> BearerToken(const RequestContext& ctx) {
  auto header = ctx.HeaderView("authorization");
  if (!header || header->size() < 8 || strncasecmp(header->data(), "Bearer ", 7) != 0) return std::nullopt;
  std::string_view token = header->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Result<Principal> Authenticate(const Services& services, const RequestContext& ctx) {
  auto token = BearerToken(ctx);
  if (!token) return Status(Code::kUnauthenticated, "a valid bearer token is required");
  return AuthenticateToken(services, *token, ctx.auth_memo.get());
}

Result<Principal> AuthenticateToken(const Services& services, std::string_view token, AuthMemo* memo) {
  if (token.empty() || token.size() > 512) return Status(Code::kUnauthenticated, "a valid bearer token is required");

  // Read before any lookup: a commit that lands during the lookup leaves the memo stale.
  std::optional<uint64_t> generation = services.reads->CacheGeneration();
  if (memo && generation && memo->generation == *generation && !memo->token.empty() &&
      ConstantTimeEquals(memo->token, token)) {
    const Principal& p = memo->principal;
    if (p.kind == Principal::Kind::kAdmin || p.key->StatusAt(NowMillis()) == "active") return p;
  }
  Result<Principal> who = Resolve(services, token);
  if (memo) {
    memo->Forget();
    if (who.ok() && generation) {
      memo->token.assign(token);
      memo->generation = *generation;
      memo->principal = *who;
    }
  }
  return who;
}

static bool Has(const Principal& who, std::string_view scope) {
  for (const auto& p : who.permissions())
    if (p == scope || (scope == "apikeys:read" && p == "apikeys:write")) return true;
  return false;
}

Status Authorize(const Principal& who, const std::string& org_id, const char* scope) {
  if (who.kind == Principal::Kind::kAdmin) return Status::Ok();
  if (who.kind != Principal::Kind::kApiKey) return Status(Code::kUnauthenticated, "a valid bearer token is required");
  if (!org_id.empty() && org_id != who.org_id())
    return Status(Code::kPermissionDenied, "this key may not act on another organization");
  if (!Has(who, scope)) return Status(Code::kPermissionDenied, std::string("this key lacks the scope ") + scope);
  return Status::Ok();
}

Status RequireAdmin(const Principal& who) {
  if (who.kind == Principal::Kind::kAdmin) return Status::Ok();
  return Status(Code::kPermissionDenied, "only the admin token may do this");
}

Actor ActorOf(const Principal& who) {
  if (who.kind == Principal::Kind::kApiKey) return Actor{"api_key", who.key_id()};
  // The widget's end user, with the token they acted through (docs/widgets.md, Audit trail).
  if (who.kind == Principal::Kind::kWidget)
    return Actor{"widget", who.widget_user_id.empty() ? who.widget_token_id
                                                      : who.widget_user_id + ":" + who.widget_token_id};
  return Actor{"admin", "admin"};
}

}  // namespace kl::http
