// Roles (docs/access.md): an organization's named permission sets, and granting them to keys.
//   POST/GET /v1/orgs/{org}/roles, GET/PATCH/DELETE /v1/orgs/{org}/roles/{role}
//   POST /v1/orgs/{org}/api-keys/{id}/roles {"role"}, DELETE /v1/orgs/{org}/api-keys/{id}/roles/{role}
#include "domain/role.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/json_input.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

const BodyShape kCreateRoleBody{{{"name"}, {"permissions"}, {"description"}}};
const BodyShape kUpdateRoleBody{{{"permissions"}, {"description"}}};
const BodyShape kGrantRoleBody{{{"role"}}};

CommandContext RoleContext(const RequestContext& ctx) {
  return CommandContext{NowMillis(), ActorOf(ctx.principal), ctx.request_id};
}

json RenderRole(const std::string& name, const RoleDef& r) {
  return json{{"name", name},
              {"permissions", r.permissions},
              {"description", r.description ? json(*r.description) : json(nullptr)},
              {"created_at", FormatTime(r.created_at)},
              {"updated_at", FormatTime(r.updated_at)}};
}

std::optional<json> RoleBody(const RequestContext& ctx, const Respond& respond) {
  auto body = JsonBody(ctx);
  if (!body.ok()) return respond(Fail(body.status(), ctx)), std::nullopt;
  if (!body->is_object())
    return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), ctx)), std::nullopt;
  return std::move(*body);
}

Status OrgNotFound() { return Status(Code::kNotFound, "organization not found"); }

// The active keys of the org that hold `role` (a role is not deleted from under them).
size_t ActiveHolders(Services& s, const std::string& org_id, const std::string& role) {
  size_t holders = 0;
  projections::KeyFilter filter;  // active keys only
  std::optional<std::string> cursor;
  Millis now = NowMillis();
  do {
    auto page = s.reads->ListKeys(org_id, filter, cursor, 100, now);
    if (!page.ok()) break;
    for (const auto& k : page->items)
      if (std::find(k.roles.begin(), k.roles.end(), role) != k.roles.end() && k.StatusAt(now) == "active") ++holders;
    cursor = page->next_cursor;
  } while (cursor);
  return holders;
}

// The answer of a grant or a revoke: the key as it stands after it.
void RespondWithKey(Services& s, const std::shared_ptr<RequestContext>& ctx, const Respond& respond,
                    const std::string& org_id, const std::string& key_id, Result<std::vector<Event>> r) {
  if (!r.ok()) return respond(Fail(r.status(), *ctx));
  auto key = s.reads->GetKey(key_id);
  if (!key || key->org_id != org_id) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
  respond(Reply::Json(200, RenderKey(*key, NowMillis(), s.reads->FindOrg(org_id).get())));
}

// Grant or revoke, decided against the key and its org as they are when the command runs.
template <typename DecideFn>
void RunKeyRoleCommand(Services& s, const std::shared_ptr<RequestContext>& ctx, Respond respond,
                       const std::string& org_id, const std::string& key_id, const std::string& role, DecideFn decide) {
  auto cc = RoleContext(*ctx);
  RunCommand(
      *s.log,
      [&s, org_id, key_id, role, cc, decide]() -> Result<std::vector<Event>> {
        auto key = s.reads->GetKey(key_id);
        if (!key || key->org_id != org_id) return Status(Code::kNotFound, "api key not found");
        auto org = s.reads->GetOrg(org_id);
        if (!org) return OrgNotFound();
        return decide(*key, *org, role, cc);
      },
      [&s, ctx, respond, org_id, key_id](Result<std::vector<Event>> r) {
        RespondWithKey(s, ctx, respond, org_id, key_id, std::move(r));
      });
}

void RegisterRoleDefinitionRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs/{org}/roles", {kNoQuery, &kCreateRoleBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = RoleBody(*ctx, respond);
    if (!body) return;
    FieldReader f(*body);
    CreateRoleInput in{f.String("name"), f.StringArray("permissions"), f.String("description")};
    FieldErrors type_errors = f.errors();
    auto cc = RoleContext(*ctx);
    RunCommand(
        *s.log,
        [&s, org_id, in, type_errors, cc]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          if (!org) return OrgNotFound();
          return DecideCreateRole(*org, in, type_errors, cc);
        },
        [&s, ctx, respond, org_id, name = in.name.value_or("")](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto org = s.reads->GetOrg(org_id);
          if (!org || !org->roles.count(name)) return respond(Fail(Status(Code::kInternal, "the role is missing"), *ctx));
          Reply reply = Reply::Json(201, RenderRole(name, org->roles.at(name)));
          reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/roles/" + name);
          respond(std::move(reply));
        });
  }));

  router.Add("GET", "/v1/orgs/{org}/roles", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    auto org = s.reads->GetOrg(org_id);
    if (!org) return respond(Fail(OrgNotFound(), *ctx));
    json data = json::array();
    for (const auto& [name, r] : org->roles) data.push_back(RenderRole(name, r));  // by name
    respond(Reply::Json(200, {{"data", std::move(data)}}));
  }));

  router.Add("GET", "/v1/orgs/{org}/roles/{role}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string role = ctx->Param("role");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    auto org = s.reads->GetOrg(org_id);
    if (!org) return respond(Fail(OrgNotFound(), *ctx));
    auto it = org->roles.find(role);
    if (it == org->roles.end()) return respond(Fail(Status(Code::kNotFound, "role " + role + " not found"), *ctx));
    respond(Reply::Json(200, RenderRole(role, it->second)));
  }));

  router.Add("PATCH", "/v1/orgs/{org}/roles/{role}", {kNoQuery, &kUpdateRoleBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string role = ctx->Param("role");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = RoleBody(*ctx, respond);
    if (!body) return;
    FieldReader f(*body);
    UpdateRoleInput in{f.StringArray("permissions"), f.NullableString("description")};
    FieldErrors type_errors = f.errors();
    auto cc = RoleContext(*ctx);
    RunCommand(
        *s.log,
        [&s, org_id, role, in, type_errors, cc]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          if (!org) return OrgNotFound();
          return DecideUpdateRole(*org, role, in, type_errors, cc);
        },
        [&s, ctx, respond, org_id, role](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto org = s.reads->GetOrg(org_id);
          if (!org || !org->roles.count(role)) return respond(Fail(Status(Code::kNotFound, "role " + role + " not found"), *ctx));
          respond(Reply::Json(200, RenderRole(role, org->roles.at(role))));
        });
  }));

  router.Add("DELETE", "/v1/orgs/{org}/roles/{role}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string role = ctx->Param("role");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    if (Status b = NoBody(*ctx); !b.ok()) return respond(Fail(b, *ctx));
    auto cc = RoleContext(*ctx);
    auto last = std::make_shared<json>();
    RunCommand(
        *s.log,
        [&s, org_id, role, cc, last]() -> Result<std::vector<Event>> {
          auto org = s.reads->GetOrg(org_id);
          if (!org) return OrgNotFound();
          if (auto it = org->roles.find(role); it != org->roles.end()) *last = RenderRole(role, it->second);
          return DecideDeleteRole(*org, role, org->roles.count(role) ? ActiveHolders(s, org_id, role) : 0, cc);
        },
        [ctx, respond, last](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          respond(Reply::Json(200, {{"deleted", true}, {"role", *last}}));
        });
  }));
}

void RegisterKeyRoleRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs/{org}/api-keys/{id}/roles", {kNoQuery, &kGrantRoleBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = RoleBody(*ctx, respond);
    if (!body) return;
    FieldReader f(*body);
    auto role = f.String("role");
    FieldErrors errors = f.errors();
    if (!role && !errors.count("role")) errors["role"] = "is required";
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    RunKeyRoleCommand(s, ctx, respond, org_id, ctx->Param("id"), *role, DecideGrantRole);
  }));

  router.Add("DELETE", "/v1/orgs/{org}/api-keys/{id}/roles/{role}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    if (Status b = NoBody(*ctx); !b.ok()) return respond(Fail(b, *ctx));
    RunKeyRoleCommand(s, ctx, respond, org_id, ctx->Param("id"), ctx->Param("role"), DecideRevokeRole);
  }));
}

}  // namespace

void RegisterRoleRoutes(Router& router, Services& s) {
  RegisterRoleDefinitionRoutes(router, s);
  RegisterKeyRoleRoutes(router, s);
}

}  // namespace kl::http
