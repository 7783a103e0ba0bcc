// Webhooks of an org (docs/webhooks.md): create (the secret shown once), list, get, patch status, delete.
// Creating, disabling, enabling and deleting are events on the org's stream; delivery itself is
// the webhooks::Dispatcher's, off the request path.
#include "domain/crypto.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "domain/webhook.h"
#include "http/command_runner.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

CommandContext ContextOf(const RequestContext& ctx) {
  return CommandContext{NowMillis(), ActorOf(ctx.principal), ctx.request_id};
}

json OptTime(const std::optional<Millis>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

json RenderWebhook(const Services& s, const WebhookState& w) {
  std::optional<webhooks::DeliveryState> d = s.deliveries ? s.deliveries->Load(w.id) : std::nullopt;
  return {{"id", w.id},
          {"object", "webhook"},
          {"org_id", w.org_id},
          {"url", w.url},
          {"event_types", w.event_types},
          {"description", w.description ? json(*w.description) : json(nullptr)},
          {"status", w.status},
          {"disabled_reason", w.disabled_reason ? json(*w.disabled_reason) : json(nullptr)},
          {"created_at", FormatTime(w.created_at)},
          {"updated_at", FormatTime(w.updated_at)},
          {"last_delivery_at", d ? OptTime(d->last_delivery_at) : json(nullptr)},
          {"last_error", d && d->last_error ? json(*d->last_error) : json(nullptr)}};
}

const BodyShape kCreateWebhookBody{{{"url"}, {"event_types"}, {"description"}}};
// Only status changes: a webhook's url and event types are fixed (delete and register anew).
const BodyShape kUpdateWebhookBody{{{"status"}}};

Status NotFound() { return Status(Code::kNotFound, "webhook not found"); }

// The body must be an object; returns its reader or the failure reply already sent.
std::optional<json> ObjectBody(const RequestContext& ctx, const Respond& respond) {
  auto body = JsonBody(ctx);
  if (!body.ok()) {
    respond(Fail(body.status(), ctx));
    return std::nullopt;
  }
  if (!body->is_object()) {
    respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), ctx));
    return std::nullopt;
  }
  return std::move(*body);
}

}  // namespace

void RegisterWebhookRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs/{org}/webhooks", {kNoQuery, &kCreateWebhookBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    if (!s.webhooks || !s.webhook_secrets)
      return respond(Fail(Status(Code::kUnavailable, "webhooks are not configured"), *ctx));
    auto body = ObjectBody(*ctx, respond);
    if (!body) return;
    FieldReader f(*body);
    CreateWebhookInput in{f.String("url"), f.StringArray("event_types"), f.String("description")};
    FieldErrors type_errors = f.errors();
    auto cc = ContextOf(*ctx);
    // The id is fixed before deciding: the secret derives from it, and a retried decide (after
    // a conflict on the org stream) must create the same webhook the answer shows.
    auto id = std::make_shared<std::string>(NewId("whk", cc.now));
    auto secret = std::make_shared<std::string>(s.webhook_secrets->SecretFor(*id));
    std::string secret_hash = ToHex(Sha256(*secret));
    RunCommand(
        *s.log,
        [&s, in, type_errors, cc, id, secret_hash, org_id]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          if (!org) return Status(Code::kNotFound, "organization not found");
          return DecideCreateWebhook(*org, s.webhooks->List(org_id).size(), in, type_errors, s.webhook_allow_insecure,
                                     *id, secret_hash, cc);
        },
        [&s, ctx, respond, id, secret, org_id](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto w = s.webhooks->Get(org_id, *id);
          if (!w) return respond(Fail(Status(Code::kInternal, "the webhook was created but cannot be read"), *ctx));
          Reply reply = Reply::Json(201, {{"webhook", RenderWebhook(s, *w)}, {"secret", *secret}});
          reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/webhooks/" + *id);
          respond(std::move(reply));
        });
  }));

  router.Add("GET", "/v1/orgs/{org}/webhooks", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string& org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    if (!s.reads->GetOrg(org_id)) return respond(Fail(Status(Code::kNotFound, "organization not found"), *ctx));
    json data = json::array();
    if (s.webhooks)
      for (const auto& w : s.webhooks->List(org_id)) data.push_back(RenderWebhook(s, w));
    // At most kMaxWebhooksPerOrg: one page, with the list envelope every other list uses.
    respond(Reply::Json(200, {{"data", data}, {"next_cursor", nullptr}}));
  }));

  router.Add("GET", "/v1/orgs/{org}/webhooks/{id}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string& org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    auto w = s.webhooks ? s.webhooks->Get(org_id, ctx->Param("id")) : std::nullopt;
    if (!w) return respond(Fail(NotFound(), *ctx));
    respond(Reply::Json(200, RenderWebhook(s, *w)));
  }));

  router.Add("PATCH", "/v1/orgs/{org}/webhooks/{id}", {kNoQuery, &kUpdateWebhookBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    if (!s.webhooks || !s.webhooks->Get(org_id, id)) return respond(Fail(NotFound(), *ctx));
    auto body = ObjectBody(*ctx, respond);
    if (!body) return;
    FieldReader f(*body);
    std::optional<std::string> status = f.String("status");
    FieldErrors type_errors = f.errors();
    auto cc = ContextOf(*ctx);
    RunCommand(
        *s.log,
        [&s, org_id, id, status, type_errors, cc]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          auto w = s.webhooks->Get(org_id, id);
          if (!org || !w) return NotFound();
          return DecideSetWebhookStatus(*org, *w, status, type_errors, "disabled by " + cc.actor.type, cc);
        },
        [&s, ctx, respond, org_id, id](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto w = s.webhooks->Get(org_id, id);
          if (!w) return respond(Fail(NotFound(), *ctx));
          respond(Reply::Json(200, RenderWebhook(s, *w)));
        });
  }));

  router.Add("DELETE", "/v1/orgs/{org}/webhooks/{id}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    if (Status b = NoBody(*ctx); !b.ok()) return respond(Fail(b, *ctx));
    auto before = s.webhooks ? s.webhooks->Get(org_id, id) : std::nullopt;
    if (!before) return respond(Fail(NotFound(), *ctx));
    json last = RenderWebhook(s, *before);
    auto cc = ContextOf(*ctx);
    RunCommand(
        *s.log,
        [&s, org_id, id, cc]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          auto w = s.webhooks->Get(org_id, id);
          if (!org || !w) return NotFound();
          return DecideDeleteWebhook(*org, *w, cc);
        },
        [ctx, respond, last](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          respond(Reply::Json(200, {{"deleted", true}, {"webhook", last}}));
        });
  }));
}

}  // namespace kl::http
