// The two ways a SaaS back-end mints a widget token: the WorkOS dialect's POST /widgets/token
// (what @workos-inc/node's widgets.createToken calls) and keyledger's own
// POST /v1/orgs/{org}/widget-tokens. Both need key-management rights on the organization
// (the admin token, or a management key of that organization with apikeys:write).
#include "http/compat/widgets/widget_mint.h"
#include "http/compat/widgets/widget_routes.h"
#include "domain/time.h"
#include "http/route_helpers.h"

namespace kl::http::widgets {

namespace {
const BodyShape kWorkOsMintBody{{{"organization_id"}, {"user_id"}, {"scopes"}}};
const BodyShape kMintBody{{{"user_id"}, {"scopes"}}};
}  // namespace

void RegisterMintRoutes(Router& router, Services& s) {
  router.Add("POST", "/widgets/token", {kNoQuery, &kWorkOsMintBody}, Authenticated(s, [&s](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    auto org = body->find("organization_id");
    if (org == body->end() || !org->is_string() || org->get_ref<const std::string&>().empty())
      return respond(Fail(Status::Validation({{"organization_id", "is required"}}), *ctx));
    const std::string org_id = org->get<std::string>();
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    MintWidgetToken(s, ctx, org_id, *body, [ctx, respond](Result<MintedToken> r) {
      if (!r.ok()) return respond(Fail(r.status(), *ctx));
      respond(Reply::Json(201, {{"token", r->token}}));
    });
  }));

  router.Add("POST", "/v1/orgs/{org}/widget-tokens", {kNoQuery, &kMintBody}, Authenticated(s, [&s](std::shared_ptr<RequestContext> ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    MintWidgetToken(s, ctx, org_id, *body, [ctx, respond](Result<MintedToken> r) {
      if (!r.ok()) return respond(Fail(r.status(), *ctx));
      respond(Reply::Json(201, {{"token", r->token}, {"token_id", r->token_id}, {"expires_at", FormatTime(r->expires_at)}}));
    });
  }));
}

}  // namespace kl::http::widgets
