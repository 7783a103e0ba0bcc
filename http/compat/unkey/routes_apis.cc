// apis.createApi, apis.getApi, apis.deleteApi, apis.listKeys. An Unkey API is a keyledger
// organization (docs/compat.md, Unkey): apiId is the org id, createApi is /v1's org create
// (admin token only, as POST /v1/orgs), deleteApi moves the org to `decommissioning` (as
// PATCH /v1/orgs/{org}), and listKeys is the org's key listing without revoked keys.
#include "domain/org.h"
#include "domain/time.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/compat/unkey/envelope.h"
#include "http/compat/unkey/key_requests.h"
#include "http/compat/unkey/key_view.h"
#include "http/compat/unkey/route_support.h"
#include "http/compat/unkey/routes.h"
#include "http/json_input.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

const BodyShape kCreateApiBody{{{"name"}}};
const BodyShape kApiIdBody{{{"apiId"}}};
const BodyShape kListKeysBody{{{"apiId"}, {"limit"}, {"cursor"}, {"externalId"}, {"decrypt"}, {"revalidateKeysCache"}}};

constexpr const char* kDeleted = "decommissioning";

Status ApiNotFound() { return Status(Code::kNotFound, "The requested API does not exist or has been deleted."); }

// The org behind an apiId as the caller may see it: 404 once deleted.
Result<OrgState> ApiForCaller(Services& s, const Principal& caller, const std::string& api_id, const char* scope) {
  if (Status a = Authorize(caller, api_id, scope); !a.ok()) return a;
  auto org = s.reads->GetOrg(api_id);
  if (!org || org->status == kDeleted) return ApiNotFound();
  return std::move(*org);
}

void CreateApi(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  if (Status a = RequireAdmin(ctx->principal); !a.ok()) return respond(Refuse(a, *ctx));
  FieldErrors errors;
  CreateOrgInput in;
  in.name = RequiredString(body, "name", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  RunCommand(
      *s.log, [in, cc]() { return DecideCreateOrg(std::nullopt, in, {}, cc); },
      [ctx, respond](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        respond(DataReply({{"apiId", r->front().org_id}}, ctx->request_id));
      });
}

void GetApi(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string api_id = RequiredString(body, "apiId", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  auto org = ApiForCaller(s, ctx->principal, api_id, "apikeys:read");
  if (!org.ok()) return respond(Refuse(org.status(), *ctx));
  respond(DataReply({{"id", org->id}, {"name", org->name}}, ctx->request_id));
}

void DeleteApi(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  if (Status a = RequireAdmin(ctx->principal); !a.ok()) return respond(Refuse(a, *ctx));
  FieldErrors errors;
  std::string api_id = RequiredString(body, "apiId", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  Principal caller = ctx->principal;
  RunCommand(
      *s.log,
      [&s, caller, api_id, cc]() -> Result<std::vector<Event>> {
        auto org = ApiForCaller(s, caller, api_id, "apikeys:write");
        if (!org.ok()) return org.status();
        UpdateOrgInput in;
        in.status = kDeleted;
        return DecideUpdateOrg(*org, in, {}, cc);
      },
      [ctx, respond](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        respond(DataReply(json::object(), ctx->request_id));
      });
}

void ListKeys(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string api_id = RequiredString(body, "apiId", errors);
  FieldReader f(body);
  auto limit = f.Integer("limit");
  auto cursor = f.String("cursor");
  f.Bool("revalidateKeysCache");  // accepted: keyledger's reads are never stale (docs/architecture.md)
  errors.insert(f.errors().begin(), f.errors().end());
  if (limit && (*limit < 1 || *limit > 100)) errors["limit"] = "must be 1..100";
  if (auto it = body.find("externalId"); it != body.end() && !it->is_null())
    errors["externalId"] = "identities (externalId) are not supported yet (docs/compat.md, Unkey)";
  RequireFalse(body, "decrypt", "keyledger never stores a plaintext key", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  auto org = ApiForCaller(s, ctx->principal, api_id, "apikeys:read");
  if (!org.ok()) return respond(Refuse(org.status(), *ctx));
  projections::KeyFilter filter;
  filter.status = "all";
  Millis now = NowMillis();
  std::optional<std::string> from;
  if (cursor && !cursor->empty()) from = cursor;
  auto page = s.reads->ListKeys(api_id, filter, from, static_cast<size_t>(limit.value_or(100)), now);
  if (!page.ok()) return respond(Refuse(page.status(), *ctx));
  json data = json::array();
  for (const auto& key : page->items) {
    if (key.status == "revoked") continue;  // Unkey's deleted keys are gone from listings
    std::optional<projections::KeyUsageView> usage;
    if (s.usage) usage = s.usage->View(key);
    data.push_back(RenderKey(key, usage ? &*usage : nullptr));
  }
  respond(PageReply(data, page->next_cursor, ctx->request_id));
}

void Unsupported(Services&, std::shared_ptr<RequestContext> ctx, json, Respond respond) {
  respond(Refuse(Status(Code::kNotFound, "keyledger does not support this Unkey route (docs/compat.md, Unkey)"), *ctx));
}

}  // namespace

void RegisterApiRoutes(Router& router, Services& s) {
  using Fn = void (*)(Services&, std::shared_ptr<RequestContext>, json, Respond);
  const std::tuple<const char*, const BodyShape*, Fn> kRoutes[] = {
      {"/v2/apis.createApi", &kCreateApiBody, CreateApi},
      {"/v2/apis.getApi", &kApiIdBody, GetApi},
      {"/v2/apis.deleteApi", &kApiIdBody, DeleteApi},
      {"/v2/apis.listKeys", &kListKeysBody, ListKeys},
  };
  for (const auto& [path, shape, fn] : kRoutes)
    router.Add("POST", path, {kNoQuery, shape},
               Route(s, [&s, fn = fn](auto ctx, json body, Respond respond) { fn(s, ctx, std::move(body), respond); }));
}

void RegisterUnsupportedRoutes(Router& router, Services& s) {
  // Authenticated first, like every route; the body is not read.
  router.Add("POST", "/v2/{route*}", [&s](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto who = Authenticate(s, *ctx);
    if (!who.ok()) return respond(Refuse(who.status(), *ctx));
    ctx->principal = std::move(who.value());  // the access log names the caller
    Unsupported(s, ctx, json::object(), respond);
  });
}

}  // namespace kl::http::unkey
