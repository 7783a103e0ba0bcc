#include "http/compat/workos/workos_routes.h"

#include "domain/time.h"
#include "http/command_runner.h"
#include "http/compat/workos/workos_input.h"
#include "http/compat/workos/workos_list.h"
#include "http/compat/workos/workos_render.h"
#include "http/key_check.h"
#include "http/key_create.h"
#include "http/route_helpers.h"
#include "http/validation_body.h"

namespace kl::http::workos {

namespace {

Reply Refuse(const Status& s, const RequestContext& ctx) { return ErrorReply(s, ctx.request_id); }

// As http/route_helpers.h's Authenticated, with WorkOS's error bodies: the same bearer tokens
// (a management key or the admin token), then the route's declared query.
RouteHandler Guarded(Services& s, RouteHandler inner) {
  return [&s, inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto who = Authenticate(s, *ctx);
    if (!who.ok()) return respond(Refuse(who.status(), *ctx));
    ctx->principal = std::move(who.value());
    if (Status q = CheckQuery(*ctx); !q.ok()) return respond(Refuse(q, *ctx));
    inner(std::move(ctx), std::move(respond));
  };
}

Result<nlohmann::json> ObjectBody(const RequestContext& ctx) {
  auto body = JsonBody(ctx);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status(Code::kValidation, "the body must be a JSON object");
  return body;
}

// {value}: the validation hot path's reader when the body is plain, the DOM otherwise.
Result<std::string> ValidationValue(const RequestContext& ctx) {
  if (auto ct = ctx.HeaderView("content-type"); ct && IsJsonMediaType(*ct) && !ctx.body.empty())
    if (auto fast = ReadValidationBodyFast(ctx.body);
        fast && fast->value && !fast->ip && !fast->user_agent && !fast->required_permissions)
      return std::move(*fast->value);
  auto body = ObjectBody(ctx);
  if (!body.ok()) return body.status();
  auto value = body->find("value");
  if (value == body->end()) return Status::Validation({{"value", "is required"}});
  if (!value->is_string()) return Status::Validation({{"value", "must be a string"}});
  return value->get<std::string>();
}

// A create's answer: 201 with the plaintext once; a replay of its Idempotency-Key 200 without it
// (as POST /v1/orgs/{org}/api-keys answers).
void RespondCreated(Result<KeyCreation> r, const RequestContext& ctx, const Respond& respond) {
  if (!r.ok()) return respond(Refuse(r.status(), ctx));
  if (r->replayed) {
    Reply reply;
    reply.body = SerializeApiKey(r->key);
    reply.headers.emplace_back("Idempotent-Replayed", "true");
    return respond(std::move(reply));
  }
  Reply reply;
  reply.status = 201;
  reply.body = SerializeCreatedApiKey(r->key, r->secret);
  respond(std::move(reply));
}

void RespondList(Services& s, const RequestContext& ctx, const std::string& org_id,
                 const projections::KeyFilter& filter, const Respond& respond) {
  auto q = ReadListQuery(ctx);
  if (!q.ok()) return respond(Refuse(q.status(), ctx));
  if (!s.reads->GetOrg(org_id)) return respond(Refuse(Status(Code::kNotFound, "organization not found"), ctx));
  auto page = ListPage(*s.reads, org_id, filter, *q, NowMillis());
  if (!page.ok()) return respond(Refuse(page.status(), ctx));
  Reply reply;
  reply.body = SerializeList(page->keys, page->meta);
  respond(std::move(reply));
}

void RegisterValidation(Router& router, Services& s) {
  // The SDK sends an Idempotency-Key on every POST; a validation has nothing to replay, so it is
  // not read here.
  router.Add("POST", "/api_keys/validations", {kNoQuery, &kValidationBody}, Guarded(s, [&s](auto ctx, Respond respond) {
    if (Status a = Authorize(ctx->principal, "", "apikeys:validate"); !a.ok()) return respond(Refuse(a, *ctx));
    // A cluster node cut off from the log past its max staleness vouches for no key (docs/cluster.md).
    if (Status fresh = ViewFreshEnough(s); !fresh.ok()) return respond(Refuse(fresh, *ctx));
    auto value = ValidationValue(*ctx);
    if (!value.ok()) return respond(Refuse(value.status(), *ctx));
    KeyCheckRequest check;
    check.value = std::move(*value);
    check.ip = ClientIpOf(*ctx);
    check.user_agent = std::string(ctx->HeaderView("user-agent").value_or(""));
    CheckKeyThen(s, ctx->principal, std::move(check), [ctx, respond](Result<KeyCheckOutcome> checked) {
      if (!checked.ok()) return respond(Refuse(checked.status(), *ctx));
      const KeyCheckOutcome& outcome = *checked;
      Reply reply;
      if (outcome.code == ValidationCode::kValid && outcome.key)
        reply.body = SerializeValidation(outcome.key, outcome.usage ? outcome.usage->last_used_at
                                                                    : outcome.key->last_used_at);
      else
        reply.body = SerializeValidation(nullptr, std::nullopt);
      respond(std::move(reply));
    });
  }));
}

void RegisterOrgKeys(Router& router, Services& s) {
  router.Add("POST", "/organizations/{org}/api_keys", {kNoQuery, &kCreateOrgKeyBody}, Guarded(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Refuse(a, *ctx));
    auto body = ObjectBody(*ctx);
    if (!body.ok()) return respond(Refuse(body.status(), *ctx));
    CreateKey(s, ctx, org_id, OrgKeyCreateBody(*body),
              [ctx, respond](Result<KeyCreation> r) { RespondCreated(std::move(r), *ctx, respond); });
  }));

  router.Add("GET", "/organizations/{org}/api_keys", {kListQuery}, Guarded(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Refuse(a, *ctx));
    RespondList(s, *ctx, org_id, projections::KeyFilter{}, respond);
  }));
}

void RegisterUserKeys(Router& router, Services& s) {
  router.Add("POST", "/user_management/users/{user}/api_keys", {kNoQuery, &kCreateUserKeyBody}, Guarded(s, [&s](auto ctx, Respond respond) {
    auto body = ObjectBody(*ctx);
    if (!body.ok()) return respond(Refuse(body.status(), *ctx));
    auto create = UserKeyCreateBody(*body, ctx->Param("user"));
    if (!create.ok()) return respond(Refuse(create.status(), *ctx));
    if (Status a = Authorize(ctx->principal, create->org_id, "apikeys:write"); !a.ok()) return respond(Refuse(a, *ctx));
    CreateKey(s, ctx, create->org_id, create->body,
              [ctx, respond](Result<KeyCreation> r) { RespondCreated(std::move(r), *ctx, respond); });
  }));

  // Without organization_id, a management key lists within its own organization; the admin token
  // must name one (keyledger lists keys per organization).
  router.Add("GET", "/user_management/users/{user}/api_keys", {kListUserKeysQuery}, Guarded(s, [&s](auto ctx, Respond respond) {
    std::string org_id = ctx->Query("organization_id").value_or(ctx->principal.org_id());
    if (org_id.empty()) return respond(Refuse(Status::Validation({{"organization_id", "is required"}}), *ctx));
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Refuse(a, *ctx));
    projections::KeyFilter filter;
    filter.owner_id = ctx->Param("user");
    RespondList(s, *ctx, org_id, filter, respond);
  }));
}

void RegisterDelete(Router& router, Services& s) {
  // WorkOS deletes a key; keyledger revokes it (KeyRevoked), and a revoked key reads as deleted:
  // 404, like a key that never existed or belongs to another organization than the caller's.
  router.Add("DELETE", "/api_keys/{id}", {kNoQuery}, Guarded(s, [&s](auto ctx, Respond respond) {
    if (Status b = NoBody(*ctx); !b.ok()) return respond(Refuse(b, *ctx));
    const std::string key_id = ctx->Param("id");
    auto key = s.reads->GetKey(key_id);
    const Status not_found(Code::kNotFound, "api key not found");
    if (!key || key->status == "revoked") return respond(Refuse(not_found, *ctx));
    if (ctx->principal.kind == Principal::Kind::kApiKey && ctx->principal.org_id() != key->org_id)
      return respond(Refuse(not_found, *ctx));
    if (Status a = Authorize(ctx->principal, key->org_id, "apikeys:write"); !a.ok()) return respond(Refuse(a, *ctx));
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    RunCommand(
        *s.log,
        [&s, key_id, cc]() -> Result<std::vector<Event>> {
          auto current = s.reads->GetKey(key_id);
          if (!current) return Status(Code::kNotFound, "api key not found");
          return DecideRevokeKey(*current, std::nullopt, cc);
        },
        [ctx, respond](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Refuse(r.status(), *ctx));
          Reply reply;
          reply.status = 204;
          reply.content_type.clear();
          respond(std::move(reply));
        });
  }));
}

}  // namespace

void RegisterRoutes(Router& router, Services& s) {
  RegisterValidation(router, s);
  RegisterOrgKeys(router, s);
  RegisterUserKeys(router, s);
  RegisterDelete(router, s);
}

}  // namespace kl::http::workos
