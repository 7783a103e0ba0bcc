// keys.createKey, keys.getKey, keys.updateKey, keys.deleteKey, keys.rerollKey: /v1's create,
// update, revoke and rotate commands (http/routes_keys.cc) behind Unkey's shapes.
#include "domain/time.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/compat/unkey/envelope.h"
#include "http/compat/unkey/key_requests.h"
#include "http/compat/unkey/key_view.h"
#include "http/compat/unkey/route_support.h"
#include "http/compat/unkey/routes.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

void CreateKey(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  CreateKeyRequest req = ReadCreateKey(body, errors);
  if (!errors.count("apiId"))
    if (Status a = Authorize(ctx->principal, req.api_id, "apikeys:write"); !a.ok()) return respond(Refuse(a, *ctx));
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  auto secret = std::make_shared<std::string>();  // the plaintext, only until the answer is sent
  auto key_id = std::make_shared<std::string>();
  RunCommand(
      *s.log,
      [&s, req = std::move(req), errors, cc, secret, key_id]() -> Result<std::vector<Event>> {
        auto created = DecideCreateKey(s.reads->GetOrg(req.api_id), req.api_id, req.input, errors, cc);
        if (!created.ok()) return created.status();
        *secret = std::move(created->secret_value);
        *key_id = created->key_id;
        return std::move(created->events);
      },
      [ctx, respond, secret, key_id](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        respond(DataReply({{"keyId", *key_id}, {"key", *secret}}, ctx->request_id));
      });
}

void GetKey(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string key_id = RequiredString(body, "keyId", errors);
  RequireFalse(body, "decrypt", "keyledger never stores a plaintext key", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  auto key = KeyForCaller(s, ctx->principal, key_id, "apikeys:read");
  if (!key.ok()) return respond(Refuse(key.status(), *ctx));
  std::optional<projections::KeyUsageView> usage;
  if (s.usage) usage = s.usage->View(*key);
  respond(DataReply(RenderKey(*key, usage ? &*usage : nullptr), ctx->request_id));
}

void DeleteKey(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string key_id = RequiredString(body, "keyId", errors);
  // Accepted as false only: a revocation is an event, and the ledger keeps every event.
  RequireFalse(body, "permanent", "the ledger keeps every key's history; keys are revoked, never erased", errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  Principal caller = ctx->principal;
  RunCommand(
      *s.log,
      [&s, caller, key_id, cc]() -> Result<std::vector<Event>> {
        auto key = KeyForCaller(s, caller, key_id, "apikeys:write");
        if (!key.ok()) return key.status();
        return DecideRevokeKey(*key, std::string("deleted through the Unkey v2 API"), cc);
      },
      [ctx, respond](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        respond(DataReply(json::object(), ctx->request_id));
      });
}

void UpdateKeyRoute(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  UpdateKeyRequest req = ReadUpdateKey(body, errors);
  if (FailOnErrors(errors, *ctx, respond)) return;
  std::string key_id = req.key_id;
  UpdateKey(
      s, ctx, key_id,
      [req = std::move(req)](const KeyState& key) -> Result<UpdateKeyInput> {
        UpdateKeyInput in = req.input;
        if (req.credits) {
          auto credits = ApplyCreditsPatch(key, *req.credits);
          if (!credits.ok()) return credits.status();
          in.credits = *credits;
        }
        return in;
      },
      respond, [ctx, respond](const KeyState&) { respond(DataReply(json::object(), ctx->request_id)); });
}

// Unkey's `expiration` is how long the old key keeps working, in milliseconds; /v1's rotate
// takes whole seconds (rounded up, so the old key never stops early). The successor keeps the
// old key's expiry, as Unkey's reroll does (docs/spec.md, Rotation).
void RerollKey(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string key_id = RequiredString(body, "keyId", errors);
  std::optional<int64_t> grace_seconds;
  if (auto it = body.find("expiration"); it == body.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
    errors["expiration"] = "is required (milliseconds, 0 or more)";
  else
    grace_seconds = (it->get<int64_t>() + 999) / 1000;
  if (FailOnErrors(errors, *ctx, respond)) return;
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  Principal caller = ctx->principal;
  auto secret = std::make_shared<std::string>();
  auto new_id = std::make_shared<std::string>();
  RunCommand(
      *s.log,
      [&s, caller, key_id, grace_seconds, cc, secret, new_id]() -> Result<std::vector<Event>> {
        auto key = KeyForCaller(s, caller, key_id, "apikeys:write");
        if (!key.ok()) return key.status();
        auto org = s.reads->GetOrg(key->org_id);
        if (!org) return Status(Code::kNotFound, "The key's API does not exist.");
        auto rotated = DecideRotateKey(*key, *org, grace_seconds, {}, cc, /*keep_expiry=*/true);
        if (!rotated.ok()) return rotated.status();
        *secret = std::move(rotated->secret_value);
        *new_id = rotated->key_id;
        return std::move(rotated->events);
      },
      [ctx, respond, secret, new_id](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        respond(DataReply({{"keyId", *new_id}, {"key", *secret}}, ctx->request_id));
      });
}

}  // namespace

void RegisterKeyRoutes(Router& router, Services& s) {
  auto add = [&](const char* path, const BodyShape& shape, void (*fn)(Services&, std::shared_ptr<RequestContext>,
                                                                       json, Respond)) {
    router.Add("POST", path, {kNoQuery, &shape},
               Route(s, [&s, fn](auto ctx, json body, Respond respond) { fn(s, ctx, std::move(body), respond); }));
  };
  add("/v2/keys.createKey", kCreateKeyBody, CreateKey);
  add("/v2/keys.getKey", kKeyIdBody, GetKey);
  add("/v2/keys.updateKey", kUpdateKeyBody, UpdateKeyRoute);
  add("/v2/keys.deleteKey", kDeleteKeyBody, DeleteKey);
  add("/v2/keys.rerollKey", kRerollKeyBody, RerollKey);
}

}  // namespace kl::http::unkey
