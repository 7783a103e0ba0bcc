#include "http/compat/widgets/widget_routes.h"

#include "domain/time.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/compat/widgets/widget_cors.h"
#include "http/compat/widgets/widget_list.h"
#include "http/compat/widgets/widget_render.h"
#include "http/json_input.h"
#include "http/key_create.h"

namespace kl::http::widgets {

namespace {

// One of the widget's two families of routes.
struct Family {
  const char* base;  // "/_widgets/ApiKeys"
  const char* list;  // the list and create path under it
  bool user;         // keys owned by users (the token must name one)
};
constexpr Family kOrgKeys{"/_widgets/ApiKeys", "organization-api-keys", false};
constexpr Family kUserKeys{"/_widgets/UserApiKeys", "api-keys", true};

Status ScopeOf(const WidgetClaims& c, const Family& f) {
  if (!f.user) {
    if (c.HasScope(kScopeApiKeysManage)) return Status::Ok();
    return Status(Code::kPermissionDenied, "the widget token lacks the scope widgets:api-keys:manage");
  }
  if (!c.user_id) return Status(Code::kPermissionDenied, "the widget token names no user");
  if (c.HasScope(kScopeUserKeysManageSelf) || c.HasScope(kScopeUserKeysManageAll)) return Status::Ok();
  return Status(Code::kPermissionDenied, "the widget token lacks a widgets:user-api-keys scope");
}

// The widget's authentication on every request (docs/widgets.md): the origin, the token's
// signature and expiry, the family's scope, and an active org. `respond` adds the CORS header
// for an allowed origin to whatever the route answers.
RouteHandler Guarded(Services& s, Family f, RouteHandler inner) {
  return [&s, f, inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    std::string origin;
    if (auto o = ctx->HeaderView("origin")) {
      if (!OriginAllowed(*o, s.widgets.origins))
        return respond(WidgetError(Status(Code::kPermissionDenied, "this origin may not call the widget routes")));
      origin = std::string(*o);
    }
    Respond answer = [respond = std::move(respond), origin](Reply r) {
      if (!origin.empty()) AddCorsHeaders(r, origin);
      respond(std::move(r));
    };
    if (!s.widgets.key)
      return answer(WidgetError(Status(Code::kUnavailable, "widget tokens are not configured on this node")));
    auto token = BearerToken(*ctx);
    if (!token) return answer(WidgetError(Status(Code::kUnauthenticated, "a valid widget token is required")));
    auto claims = s.widgets.key->Verify(*token, NowMillis() / 1000);
    if (!claims.ok()) return answer(WidgetError(claims.status()));
    if (Status scope = ScopeOf(*claims, f); !scope.ok()) return answer(WidgetError(scope));
    auto org = s.reads->GetOrg(claims->org_id);
    if (!org) return answer(WidgetError(Status(Code::kNotFound, "organization not found")));
    // A suspended or past-due org: the widget shows its error state, not a half-working page.
    if (org->status != "active")
      return answer(WidgetError(Status(Code::kTenantInactive, "the organization is not active")));
    ctx->principal = Principal{};
    ctx->principal.kind = Principal::Kind::kWidget;
    ctx->principal.widget_token_id = claims->token_id;
    ctx->principal.widget_user_id = claims->user_id.value_or("");
    ctx->principal.widget_org_id = claims->org_id;
    ctx->principal.widget_scopes = claims->scopes;
    inner(std::move(ctx), std::move(answer));
  };
}

bool ManageAll(const Principal& who) {
  for (const auto& s : who.widget_scopes)
    if (s == kScopeUserKeysManageAll) return true;
  return false;
}

std::function<bool(const KeyState&)> VisibleTo(const Principal& who, const Family& f) {
  bool all = ManageAll(who);
  return [&who, f, all](const KeyState& k) { return WidgetSees(k, who, f.user, all); };
}

// The key named by the path when the widget may see it; 404 like any foreign or unknown key.
Result<KeyState> VisibleKey(Services& s, const RequestContext& ctx, const Family& f) {
  auto key = s.reads->GetKey(ctx.Param("id"));
  if (!key || key->StatusAt(NowMillis()) != "active" || !VisibleTo(ctx.principal, f)(*key))
    return Status(Code::kNotFound, "api key not found");
  return std::move(*key);
}

Result<nlohmann::json> ObjectBody(const RequestContext& ctx) {
  auto body = ParseJsonBody(ctx.body, ctx.Header("content-type"), /*allow_empty=*/false);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status(Code::kValidation, "the body must be a JSON object");
  return body;
}

void RegisterList(Router& router, Services& s, Family f) {
  router.Add("GET", std::string(f.base) + "/" + f.list, Guarded(s, f, [&s, f](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto q = ReadWidgetListQuery(*ctx);
    if (!q.ok()) return respond(WidgetError(q.status()));
    auto page = ListWidgetKeys(*s.reads, ctx->principal.widget_org_id, VisibleTo(ctx->principal, f), *q, NowMillis());
    if (!page.ok()) return respond(WidgetError(page.status()));
    nlohmann::json data = nlohmann::json::array();
    for (const auto& k : page->keys) data.push_back(KeyJson(k, f.user));
    respond(Reply::Json(200, ListJson(std::move(data), page->links)));
  }));

  router.Add("GET", std::string(f.base) + "/permissions", Guarded(s, f, [&s](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto q = ReadWidgetListQuery(*ctx);
    if (!q.ok()) return respond(WidgetError(q.status()));
    nlohmann::json data = nlohmann::json::array();
    for (const auto& p : OfferedPermissions(*s.reads, ctx->principal.widget_org_id, s.widgets.permissions, NowMillis()))
      if (q->search.empty() || p.find(q->search) != std::string::npos) data.push_back(PermissionJson(p));
    respond(Reply::Json(200, ListJson(std::move(data), PageLinks{})));
  }));
}

// The create body's permissions, each one the org's widget offers (never a management scope).
Status CheckOffered(Services& s, const std::string& org_id, const nlohmann::json& permissions) {
  if (!permissions.is_array()) return Status::Validation({{"permissions", "must be an array of strings"}});
  auto offered = OfferedPermissions(*s.reads, org_id, s.widgets.permissions, NowMillis());
  for (const auto& p : permissions) {
    if (!p.is_string()) return Status::Validation({{"permissions", "must be an array of strings"}});
    if (std::find(offered.begin(), offered.end(), p.get<std::string>()) == offered.end())
      return Status::Validation({{"permissions", p.get<std::string>() + " is not offered to this organization"}});
  }
  return Status::Ok();
}

void RegisterCreate(Router& router, Services& s, Family f) {
  router.Add("POST", std::string(f.base) + "/" + f.list, Guarded(s, f, [&s, f](std::shared_ptr<RequestContext> ctx, Respond respond) {
    const Principal& who = ctx->principal;
    auto body = ObjectBody(*ctx);
    if (!body.ok()) return respond(WidgetError(body.status()));
    nlohmann::json v1 = nlohmann::json::object();
    if (auto name = body->find("name"); name != body->end()) v1["name"] = *name;
    auto perms = body->find("permissions");
    nlohmann::json permissions = perms == body->end() ? nlohmann::json::array() : *perms;
    if (Status offered = CheckOffered(s, who.widget_org_id, permissions); !offered.ok())
      return respond(WidgetError(offered));
    v1["permissions"] = permissions;
    if (auto exp = body->find("expiresAt"); exp != body->end() && !exp->is_null()) v1["expires_at"] = *exp;
    if (f.user) v1["owner"] = {{"type", "user"}, {"id", who.widget_user_id}};
    // Counted per token before the create runs, so a burst cannot slip past (docs/widgets.md, Limits).
    if (!s.widgets.limiter->TryCreate(who.widget_token_id, NowMillis())) {
      Reply r = Reply::Json(429, {{"message", "this widget token created too many keys; try again in a minute"},
                                  {"code", "rate_limited"}});
      r.headers.emplace_back("Retry-After", "60");
      return respond(std::move(r));
    }
    const std::string org_id = who.widget_org_id;
    CreateKey(s, ctx, org_id, v1, [respond](Result<KeyCreation> r) {
      if (!r.ok()) return respond(WidgetError(r.status()));
      respond(Reply::Json(201, CreatedKeyJson(r->key, r->secret)));
    });
  }));
}

void RegisterRevoke(Router& router, Services& s, Family f) {
  // The widget deletes a key; keyledger revokes it (KeyRevoked) and answers JSON, never 204.
  router.Add("DELETE", std::string(f.base) + "/{id}", Guarded(s, f, [&s, f](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto key = VisibleKey(s, *ctx, f);
    if (!key.ok()) return respond(WidgetError(key.status()));
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    const std::string key_id = key->id;
    RunCommand(
        *s.log,
        [&s, key_id, cc]() -> Result<std::vector<Event>> {
          auto current = s.reads->GetKey(key_id);
          if (!current) return Status(Code::kNotFound, "api key not found");
          return DecideRevokeKey(*current, std::nullopt, cc);
        },
        [respond](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(WidgetError(r.status()));
          respond(Reply::Json(200, {{"success", true}}));
        });
  }));
}

void RegisterExpire(Router& router, Services& s, Family f) {
  // {expiresAt: RFC 3339 | null}: a new expiry, or none (null or absent: "never").
  router.Add("POST", std::string(f.base) + "/{id}/expire", Guarded(s, f, [&s, f](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto key = VisibleKey(s, *ctx, f);
    if (!key.ok()) return respond(WidgetError(key.status()));
    auto body = ObjectBody(*ctx);
    if (!body.ok()) return respond(WidgetError(body.status()));
    UpdateKeyInput in;
    FieldErrors type_errors;
    auto exp = body->find("expiresAt");
    if (exp == body->end() || exp->is_null())
      in.expires_at = std::optional<std::string>();
    else if (exp->is_string())
      in.expires_at = std::optional<std::string>(exp->get<std::string>());
    else
      type_errors["expiresAt"] = "must be an RFC 3339 time or null";
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    const std::string key_id = key->id;
    const std::string org_id = key->org_id;
    RunCommand(
        *s.log,
        [&s, key_id, org_id, in, type_errors, cc]() -> Result<std::vector<Event>> {
          auto current = s.reads->GetKey(key_id);
          auto org = s.reads->GetOrg(org_id);
          if (!current || !org) return Status(Code::kNotFound, "api key not found");
          auto r = DecideUpdateKey(*current, *org, in, type_errors, cc);
          // The widget names the member expiresAt.
          if (!r.ok() && r.status().fields().count("expires_at"))
            return Status::Validation({{"expiresAt", r.status().fields().at("expires_at")}});
          return r;
        },
        [&s, key_id, f, respond](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(WidgetError(r.status()));
          auto updated = s.reads->GetKey(key_id);
          if (!updated) return respond(WidgetError(Status(Code::kNotFound, "api key not found")));
          respond(Reply::Json(200, KeyJson(*updated, f.user)));
        });
  }));
}

void RegisterFamily(Router& router, Services& s, Family f) {
  RegisterList(router, s, f);
  RegisterCreate(router, s, f);
  RegisterRevoke(router, s, f);
  RegisterExpire(router, s, f);
}

}  // namespace

void RegisterRoutes(Router& router, Services& s) {
  RegisterFamily(router, s, kOrgKeys);
  RegisterFamily(router, s, kUserKeys);
  // The widget sends Content-Type: application/json and Authorization on every call, so the
  // browser preflights each one.
  router.Add("OPTIONS", "/_widgets/{rest*}", [&s](std::shared_ptr<RequestContext> ctx, Respond respond) {
    respond(Preflight(*ctx, s.widgets.origins));
  });
}

}  // namespace kl::http::widgets
