#include "domain/crypto.h"
#include "domain/key.h"
#include "events/canonical_json.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/key_create.h"
#include "http/key_import.h"
#include "http/reply.h"
#include "http/key_request.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

const QueryShape kListKeysQuery{"limit", "cursor", "order", "status", "environment", "owner_id", "project_id"};
const QueryShape kGetKeyQuery{"as_of", "as_of_seq"};

// Both org and key come from the path; a key of another org reads as not found.
static std::optional<KeyState> KeyInOrg(Services& s, const std::string& org, const std::string& id) {
  auto key = s.reads->GetKey(id);
  if (!key || key->org_id != org) return std::nullopt;
  return key;
}

void RegisterKeyRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs/{org}/api-keys", {kNoQuery, &kCreateKeyBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    // Idempotency-Key (docs/spec.md, Creating keys): a replay answers 200 with the first key,
    // without its secret.
    CreateKey(s, ctx, org_id, *body, [&s, ctx, respond, org_id](Result<KeyCreation> r) {
      if (!r.ok()) return respond(Fail(r.status(), *ctx));
      Reply reply;
      auto org = s.reads->FindOrg(org_id);
      if (r->replayed) {
        reply = Reply::Json(200, {{"api_key", RenderKey(r->key, NowMillis(), org.get())}});
        reply.headers.emplace_back("Idempotent-Replayed", "true");
      } else {
        reply.status = 201;
        reply.body = SerializeIssuedKey(r->key, r->secret, NowMillis(), org.get());
      }
      reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/api-keys/" + r->key.id);
      respond(std::move(reply));
    });
  }));

  // Importing keys by their hash (docs/spec.md, Importing keys): 200 with each key imported or
  // failed, in the body's order.
  router.Add("POST", "/v1/orgs/{org}/api-keys/import", {kNoQuery, &kImportKeysBody},
             Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors errors;
    ImportKeysRequest req = ReadImportKeys(*body, errors);
    if (!errors.empty()) return respond(Fail(Status::Validation(std::move(errors)), *ctx));
    ImportKeys(s, ctx, org_id, std::move(req.items), std::move(req.migration_id),
               [ctx, respond](Result<KeyImportResult> r) {
                 if (!r.ok()) return respond(Fail(r.status(), *ctx));
                 json imported = json::array(), failed = json::array();
                 for (const auto& k : r->imported) imported.push_back({{"hash", k.hash_text}, {"key_id", k.key_id}});
                 for (const auto& f : r->failed) {
                   json error = {{"code", ErrorCodeName(f.status.code())}, {"message", f.status.message()}};
                   if (!f.status.fields().empty()) error["details"] = {{"fields", f.status.fields()}};
                   failed.push_back({{"hash", f.hash_text}, {"error", std::move(error)}});
                 }
                 respond(Reply::Json(200, {{"imported", std::move(imported)}, {"failed", std::move(failed)}}));
               });
  }));

  router.Add("GET", "/v1/orgs/{org}/api-keys", {kListKeysQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    auto p = ReadListParams(*ctx, 20, 100);
    if (!p.ok()) return respond(Fail(p.status(), *ctx));
    projections::KeyFilter filter;
    FieldErrors errors;
    if (auto st = ctx->Query("status")) {
      if (*st != "active" && *st != "revoked" && *st != "expired" && *st != "all")
        errors["status"] = "must be one of active, revoked, expired, all";
      filter.status = *st;
    }
    if (auto env = ctx->Query("environment")) {
      if (*env != "live" && *env != "test") errors["environment"] = "must be live or test";
      filter.environment = *env;
    }
    auto order = projections::ReadModel::ListOrder::kNewestFirst;
    if (auto o = ctx->Query("order")) {
      if (*o != "asc" && *o != "desc") errors["order"] = "must be asc or desc";
      if (*o == "asc") order = projections::ReadModel::ListOrder::kOldestFirst;
    }
    filter.owner_id = ctx->Query("owner_id");
    filter.project_id = ctx->Query("project_id");
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    if (!s.reads->GetOrg(org_id)) return respond(Fail(Status(Code::kNotFound, "organization not found"), *ctx));
    Millis now = NowMillis();
    auto page = s.reads->ListKeys(org_id, filter, p->cursor, p->limit, now, order);
    if (!page.ok()) return respond(Fail(page.status(), *ctx));
    auto org = s.reads->FindOrg(org_id);
    json data = json::array();
    for (const auto& k : page->items) data.push_back(RenderKey(k, now, org.get()));
    respond(Reply::Json(200, {{"data", data},
                              {"next_cursor", page->next_cursor ? json(*page->next_cursor) : json(nullptr)}}));
  }));

  router.Add("GET", "/v1/orgs/{org}/api-keys/{id}", {kGetKeyQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    if (ctx->Query("as_of") || ctx->Query("as_of_seq")) {
      Millis at = 0;
      std::optional<OrgState> org_then;  // the roles as they were then (docs/access.md)
      auto past = KeyAsOf(s, org_id, ctx->Param("id"), *ctx, &at, &org_then);
      if (!past.ok()) return respond(Fail(past.status(), *ctx));
      if (!*past) return respond(Fail(Status(Code::kNotFound, "the key did not exist at that point"), *ctx));
      return respond(Reply::Json(200, RenderKey(**past, at, org_then ? &*org_then : nullptr)));
    }
    auto key = KeyInOrg(s, org_id, ctx->Param("id"));
    if (!key) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
    respond(Reply::Json(200, RenderKey(*key, NowMillis(), s.reads->FindOrg(org_id).get())));
  }));

  router.Add("PATCH", "/v1/orgs/{org}/api-keys/{id}", {kNoQuery, &kUpdateKeyBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string key_id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    UpdateKeyInput in = ReadUpdateKey(*body, type_errors);
    if (auto if_match = ctx->Header("if-match")) {
      std::string v = *if_match;
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);  // an ETag-style quote
      auto parsed = QueryInt(v, "If-Match", 0, INT64_MAX);
      if (!parsed.ok()) return respond(Fail(Status::Validation({{"If-Match", "must be the key's version"}}), *ctx));
      in.if_match = static_cast<uint64_t>(**parsed);
    }
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    RunCommand(
        *s.log,
        [&s, org_id, key_id, in, type_errors, cc]() -> Result<std::vector<Event>> {
          auto key = KeyInOrg(s, org_id, key_id);
          if (!key) return Status(Code::kNotFound, "api key not found");
          auto org = s.reads->GetOrg(org_id);
          if (!org) return Status(Code::kNotFound, "organization not found");
          return DecideUpdateKey(*key, *org, in, type_errors, cc);
        },
        [&s, ctx, respond, org_id, key_id](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto key = KeyInOrg(s, org_id, key_id);
          if (!key) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
          respond(Reply::Json(200, RenderKey(*key, NowMillis(), s.reads->FindOrg(org_id).get())));
        });
  }));

  router.Add("POST", "/v1/orgs/{org}/api-keys/{id}/rotate", {kNoQuery, &kRotateKeyBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string key_id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx, /*allow_empty=*/true);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    auto grace = ReadRotateKey(*body, type_errors);
    bool keep_expiry = ReadRotateKeepExpiry(*body, type_errors);
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    auto secret = std::make_shared<std::string>();
    RunCommand(
        *s.log,
        [&s, org_id, key_id, grace, keep_expiry, type_errors, cc, secret]() -> Result<std::vector<Event>> {
          auto key = KeyInOrg(s, org_id, key_id);
          if (!key) return Status(Code::kNotFound, "api key not found");
          auto org = s.reads->GetOrg(org_id);
          if (!org) return Status(Code::kNotFound, "organization not found");
          auto rotated = DecideRotateKey(*key, *org, grace, type_errors, cc, keep_expiry);
          if (!rotated.ok()) return rotated.status();
          *secret = std::move(rotated->secret_value);
          return std::move(rotated->events);
        },
        [&s, ctx, respond, secret, org_id](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto key = s.reads->GetKey(*r->front().key_id);
          if (!key) return respond(Fail(Status(Code::kInternal, "the new key is missing"), *ctx));
          Reply reply;
          reply.status = 201;
          reply.body = SerializeIssuedKey(*key, *secret, NowMillis(), s.reads->FindOrg(org_id).get());
          reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/api-keys/" + key->id);
          respond(std::move(reply));
        });
  }));

  router.Add("DELETE", "/v1/orgs/{org}/api-keys/{id}", {kNoQuery, &kRevokeKeyBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string key_id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx, /*allow_empty=*/true);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    auto reason = ReadRevokeKey(*body, type_errors);
    if (!type_errors.empty()) return respond(Fail(Status::Validation(type_errors), *ctx));
    if (Status st = CheckRevokeReason(reason); !st.ok()) return respond(Fail(st, *ctx));
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    RunCommand(
        *s.log,
        [&s, org_id, key_id, reason, cc]() -> Result<std::vector<Event>> {
          auto key = KeyInOrg(s, org_id, key_id);
          if (!key) return Status(Code::kNotFound, "api key not found");
          return DecideRevokeKey(*key, reason, cc);
        },
        [&s, ctx, respond, org_id, key_id](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          auto key = KeyInOrg(s, org_id, key_id);
          if (!key) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
          respond(Reply::Json(200, {{"revoked", true},
                                    {"api_key", RenderKey(*key, NowMillis(), s.reads->FindOrg(org_id).get())}}));
        });
  }));
}

}  // namespace kl::http
