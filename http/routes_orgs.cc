#include "domain/org.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/org_request.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;


static CommandContext ContextOf(const RequestContext& ctx) {
  return CommandContext{NowMillis(), ActorOf(ctx.principal), ctx.request_id};
}

// Replies with the org as it stands after `events` (folded onto `before`).
static void ReplyOrg(Services& s, const std::string& id, Result<std::vector<Event>> r, int status,
                     const RequestContext& ctx, const Respond& respond) {
  if (!r.ok()) return respond(Fail(r.status(), ctx));
  auto org = s.reads->GetOrg(id);  // the append is committed: the projection has it
  if (!org) return respond(Fail(Status(Code::kNotFound, "organization not found"), ctx));
  respond(Reply::Json(status, RenderOrg(*org)));
}

void RegisterOrgRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs", {kNoQuery, &kCreateOrgBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = RequireAdmin(ctx->principal); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    CreateOrgInput in = ReadCreateOrg(*body, type_errors);
    auto cc = ContextOf(*ctx);
    auto id = std::make_shared<std::string>();
    RunCommand(
        *s.log,
        [&s, in, type_errors, cc, id]() -> Result<std::vector<Event>> {
          auto existing = in.id ? s.reads->GetOrg(*in.id) : std::nullopt;
          auto r = DecideCreateOrg(existing, in, type_errors, cc);
          if (r.ok() && !r->empty()) *id = r->front().org_id;
          return r;
        },
        [&s, ctx, respond, id](Result<std::vector<Event>> r) { ReplyOrg(s, *id, std::move(r), 201, *ctx, respond); });
  }));

  router.Add("GET", "/v1/orgs", {kListQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    auto p = ReadListParams(*ctx, 20, 100);
    if (!p.ok()) return respond(Fail(p.status(), *ctx));
    json data = json::array();
    std::optional<std::string> next;
    if (ctx->principal.kind == Principal::Kind::kAdmin) {
      auto page = s.reads->ListOrgs(p->cursor, p->limit);
      if (!page.ok()) return respond(Fail(page.status(), *ctx));
      for (const auto& o : page->items) data.push_back(RenderOrg(o));
      next = page->next_cursor;
    } else if (auto org = s.reads->GetOrg(ctx->principal.org_id())) {
      data.push_back(RenderOrg(*org));  // a key sees its own org only
    }
    respond(Reply::Json(200, {{"data", data}, {"next_cursor", next ? json(*next) : json(nullptr)}}));
  }));

  router.Add("GET", "/v1/orgs/{org}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string& id = ctx->Param("org");
    if (ctx->principal.kind == Principal::Kind::kApiKey && ctx->principal.org_id() != id)
      return respond(Fail(Status(Code::kPermissionDenied, "this key may not read another organization"), *ctx));
    auto org = s.reads->GetOrg(id);
    if (!org) return respond(Fail(Status(Code::kNotFound, "organization not found"), *ctx));
    respond(Reply::Json(200, RenderOrg(*org)));
  }));

  router.Add("PATCH", "/v1/orgs/{org}", {kNoQuery, &kUpdateOrgBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = RequireAdmin(ctx->principal); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    UpdateOrgInput in = ReadUpdateOrg(*body, type_errors);
    auto cc = ContextOf(*ctx);
    std::string id = ctx->Param("org");
    RunCommand(
        *s.log,
        [&s, in, type_errors, cc, id]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(id);
          if (!org) return Status(Code::kNotFound, "organization not found");
          return DecideUpdateOrg(*org, in, type_errors, cc);
        },
        [&s, ctx, respond, id](Result<std::vector<Event>> r) { ReplyOrg(s, id, std::move(r), 200, *ctx, respond); });
  }));
}

}  // namespace kl::http
