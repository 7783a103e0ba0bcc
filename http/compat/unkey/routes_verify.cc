// keys.verifyKey and keys.whoami. verifyKey is /v1's one validation path (http/key_check.h),
// always answered 200 with `valid` and Unkey's `code`; whoami reads the key a secret names.
#include "domain/crypto.h"
#include "domain/role.h"
#include "domain/secret.h"
#include "http/auth.h"
#include "http/compat/unkey/envelope.h"
#include "http/compat/unkey/key_requests.h"
#include "http/compat/unkey/key_view.h"
#include "http/compat/unkey/route_support.h"
#include "http/compat/unkey/routes.h"
#include "http/key_check.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

// What the caller may ask of a verification beyond keyledger's: a cost other than 1 and named
// rate limits are refused rather than ignored (an ignored cost would undercharge).
void ReadVerifyExtras(const json& body, FieldErrors& errors) {
  if (auto it = body.find("credits"); it != body.end()) {
    auto cost = it->is_object() ? it->find("cost") : it->end();
    if (!it->is_object() || cost == it->end() || !cost->is_number_integer())
      errors["credits.cost"] = "must be an integer";
    else if (cost->get<int64_t>() != 1)
      errors["credits.cost"] = "keyledger spends one credit per verification; other costs are not supported yet";
  }
  if (auto it = body.find("ratelimits"); it != body.end() && !(it->is_array() && it->empty()))
    errors["ratelimits"] = "named rate limits are not supported yet; the key's own limit always applies";
}

json VerifyData(Services& s, const KeyCheckOutcome& out) {
  json data = {{"valid", out.code == ValidationCode::kValid}, {"code", VerifyCode(out.code)}};
  if (!out.key) return data;
  const KeyState& key = *out.key;
  data["keyId"] = key.id;
  data["name"] = key.name;
  data["enabled"] = key.enabled;
  // Effective permissions: the key's own and its roles' (docs/access.md).
  auto org = key.roles.empty() ? nullptr : s.reads->FindOrg(key.org_id);
  data["permissions"] = org ? EffectivePermissions(key, *org) : key.permissions;
  if (!key.roles.empty()) data["roles"] = key.roles;
  if (key.metadata.is_object() && !key.metadata.empty()) data["meta"] = key.metadata;
  if (key.expires_at) data["expires"] = *key.expires_at;
  if (out.gates.credits_remaining) data["credits"] = *out.gates.credits_remaining;
  if (key.ratelimit) {
    auto rl = out.gates.ratelimit;
    data["ratelimits"] = json::array({{{"exceeded", out.code == ValidationCode::kRateLimited},
                                       {"id", "rl_" + key.id}, {"name", "default"},
                                       {"limit", key.ratelimit->limit}, {"duration", key.ratelimit->window_ms},
                                       {"reset", rl ? rl->reset_at : out.now},
                                       {"remaining", rl ? rl->remaining : 0}, {"autoApply", true}}});
  }
  return data;
}

void VerifyKey(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  if (Status a = Authorize(ctx->principal, "", "apikeys:validate"); !a.ok()) return respond(Refuse(a, *ctx));
  // A cluster node cut off from the log past its max staleness vouches for no key (docs/cluster.md).
  if (Status fresh = ViewFreshEnough(s); !fresh.ok()) return respond(Refuse(fresh, *ctx));
  FieldErrors errors;
  KeyCheckRequest check;
  check.value = RequiredString(body, "key", errors);
  if (auto it = body.find("permissions"); it != body.end()) {
    if (!it->is_string()) {
      errors["permissions"] = "must be a string";
    } else {
      // Unkey's query language is keyledger's (docs/access.md, Permission queries).
      auto required = PermissionQuery::Parse(it->get<std::string>(), "permissions");
      if (required.ok()) check.permission_query = std::move(*required);
      else errors.insert(required.status().fields().begin(), required.status().fields().end());
    }
  }
  ReadVerifyExtras(body, errors);  // tags and migrationId: accepted, not used (docs/compat.md)
  if (FailOnErrors(errors, *ctx, respond)) return;
  check.ip = ClientIpOf(*ctx);  // Unkey's body has no `ip`: the first X-Forwarded-For hop, else the peer
  check.user_agent = std::string(ctx->HeaderView("user-agent").value_or(""));
  CheckKeyThen(s, ctx->principal, std::move(check), [&s, ctx, respond](Result<KeyCheckOutcome> checked) {
    if (!checked.ok()) return respond(Refuse(checked.status(), *ctx));
    respond(DataReply(VerifyData(s, *checked), ctx->request_id));
  });
}

void Whoami(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string value = RequiredString(body, "key", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  Status unknown(Code::kNotFound, "The requested key does not exist or has been deleted.");
  // A secret without keyledger's format names only an imported key (docs/spec.md, Importing keys).
  const bool foreign = !ParseSecret(value);
  if (foreign && !s.reads->HasImportedKeys()) return respond(Refuse(unknown, *ctx));
  auto found = s.reads->GetKeyByHash(Sha256(value));
  if (!found || (foreign && !found->imported)) return respond(Refuse(unknown, *ctx));
  auto key = KeyForCaller(s, ctx->principal, found->id, "apikeys:read");
  if (!key.ok()) return respond(Refuse(key.status(), *ctx));
  std::optional<projections::KeyUsageView> usage;
  if (s.usage) usage = s.usage->View(*key);
  respond(DataReply(RenderKey(*key, usage ? &*usage : nullptr), ctx->request_id));
}

}  // namespace

void RegisterVerifyRoutes(Router& router, Services& s) {
  router.Add("POST", "/v2/keys.verifyKey", {kNoQuery, &kVerifyKeyBody},
             Route(s, [&s](auto ctx, json body, Respond respond) { VerifyKey(s, ctx, std::move(body), respond); }));
  router.Add("POST", "/v2/keys.whoami", {kNoQuery, &kWhoamiBody},
             Route(s, [&s](auto ctx, json body, Respond respond) { Whoami(s, ctx, std::move(body), respond); }));
}

}  // namespace kl::http::unkey
