#include "domain/crypto.h"
#include "domain/key.h"
#include "events/canonical_json.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/key_request.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

const QueryShape kListKeysQuery{"limit", "cursor", "status", "environment", "owner_id", "project_id"};
const QueryShape kGetKeyQuery{"as_of", "as_of_seq"};

// Both org and key come from the path; a key of another org reads as not found.
static std::optional<KeyState> KeyInOrg(Services& s, const std::string& org, const std::string& id) {
  auto key = s.reads->GetKey(id);
  if (!key || key->org_id != org) return std::nullopt;
  return key;
}

// A create whose Idempotency-Key (if any) is held in idempotency_in_flight: replays the answer of
// an earlier create with that key, or runs the command. Releases the key either way.
static void CreateOrReplay(Services& s, const std::shared_ptr<RequestContext>& ctx, const Respond& respond,
                           const std::string& org_id, CreateKeyInput in, const FieldErrors& type_errors,
                           const std::string& idem_hash) {
  Millis now = NowMillis();
  if (!idem_hash.empty()) {
    constexpr Millis kWindow = 24LL * 3600 * 1000;
    if (auto prior = s.reads->FindIdempotent(idem_hash); prior && now - prior->created_at < kWindow) {
      s.idempotency_in_flight.Leave(idem_hash);
      if (prior->request_sha256 != *in.request_sha256)
        return respond(Fail(Status(Code::kConflict, "this Idempotency-Key was used with a different body"), *ctx));
      auto key = s.reads->GetKey(prior->key_id);
      if (!key) return respond(Fail(Status(Code::kInternal, "the idempotent key is missing"), *ctx));
      Reply reply = Reply::Json(200, {{"api_key", RenderKey(*key, now)}});
      reply.headers.emplace_back("Idempotent-Replayed", "true");
      reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/api-keys/" + key->id);
      return respond(std::move(reply));
    }
  }
  CommandContext cc{now, ActorOf(ctx->principal), ctx->request_id};
  // The plaintext lives only in this closure until the response is sent.
  auto secret = std::make_shared<std::string>();
  RunCommand(
      *s.log,
      [&s, org_id, in = std::move(in), type_errors, cc, secret]() -> Result<std::vector<Event>> {
        auto created = DecideCreateKey(s.reads->GetOrg(org_id), org_id, in, type_errors, cc);
        if (!created.ok()) return created.status();
        *secret = std::move(created->secret_value);
        return std::move(created->events);
      },
      [&s, ctx, respond, secret, org_id, idem_hash](Result<std::vector<Event>> r) {
        if (!idem_hash.empty()) s.idempotency_in_flight.Leave(idem_hash);
        if (!r.ok()) return respond(Fail(r.status(), *ctx));
        std::optional<KeyState> key;
        for (const Event& e : r.value()) EvolveKey(key, e);
        Reply reply;
        reply.status = 201;
        reply.body = SerializeIssuedKey(*key, *secret, NowMillis());
        reply.headers.emplace_back("Location", "/v1/orgs/" + org_id + "/api-keys/" + key->id);
        respond(std::move(reply));
      });
}

void RegisterKeyRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/orgs/{org}/api-keys", {kNoQuery, &kCreateKeyBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:write"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldErrors type_errors;
    CreateKeyInput in = ReadCreateKey(*body, type_errors);

    // Idempotency-Key (docs/spec.md, Creating keys): the same key and body within 24 h replays the first answer
    // (without the secret); the same key with another body is a conflict.
    std::string idem_hash;
    if (auto idem = ctx->Header("idempotency-key")) {
      if (idem->empty() || idem->size() > 255)
        return respond(Fail(Status::Validation({{"Idempotency-Key", "must be 1..255 characters"}}), *ctx));
      idem_hash = ToHex(Sha256(org_id + '\0' + *idem));
      in.idempotency_key_sha256 = idem_hash;
      in.request_sha256 = ToHex(Sha256(events::Canonicalize(*body)));
      if (!s.idempotency_in_flight.TryEnter(idem_hash))
        return respond(Fail(Status(Code::kConflict, "a request with this Idempotency-Key is in progress"), *ctx));
    }
    if (idem_hash.empty() || !s.log_barrier)
      return CreateOrReplay(s, ctx, respond, org_id, std::move(in), type_errors, idem_hash);
    // A cluster node looks the key up once it holds everything the log had committed: a retry of
    // a create another node answered finds that create here (docs/cluster.md).
    auto held = std::make_shared<CreateKeyInput>(std::move(in));
    s.log_barrier([&s, ctx, respond, org_id, held, type_errors, idem_hash](Status caught_up) {
      if (!caught_up.ok()) {
        s.idempotency_in_flight.Leave(idem_hash);
        return respond(Fail(caught_up, *ctx));
      }
      CreateOrReplay(s, ctx, respond, org_id, std::move(*held), type_errors, idem_hash);
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
    filter.owner_id = ctx->Query("owner_id");
    filter.project_id = ctx->Query("project_id");
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    if (!s.reads->GetOrg(org_id)) return respond(Fail(Status(Code::kNotFound, "organization not found"), *ctx));
    Millis now = NowMillis();
    auto page = s.reads->ListKeys(org_id, filter, p->cursor, p->limit, now);
    if (!page.ok()) return respond(Fail(page.status(), *ctx));
    json data = json::array();
    for (const auto& k : page->items) data.push_back(RenderKey(k, now));
    respond(Reply::Json(200, {{"data", data},
                              {"next_cursor", page->next_cursor ? json(*page->next_cursor) : json(nullptr)}}));
  }));

  router.Add("GET", "/v1/orgs/{org}/api-keys/{id}", {kGetKeyQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    if (Status a = Authorize(ctx->principal, org_id, "apikeys:read"); !a.ok()) return respond(Fail(a, *ctx));
    if (ctx->Query("as_of") || ctx->Query("as_of_seq")) {
      Millis at = 0;
      auto past = KeyAsOf(s, org_id, ctx->Param("id"), *ctx, &at);
      if (!past.ok()) return respond(Fail(past.status(), *ctx));
      if (!*past) return respond(Fail(Status(Code::kNotFound, "the key did not exist at that point"), *ctx));
      return respond(Reply::Json(200, RenderKey(**past, at)));
    }
    auto key = KeyInOrg(s, org_id, ctx->Param("id"));
    if (!key) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
    respond(Reply::Json(200, RenderKey(*key, NowMillis())));
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
          respond(Reply::Json(200, RenderKey(*key, NowMillis())));
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
          reply.body = SerializeIssuedKey(*key, *secret, NowMillis());
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
          respond(Reply::Json(200, {{"revoked", true}, {"api_key", RenderKey(*key, NowMillis())}}));
        });
  }));
}

}  // namespace kl::http
