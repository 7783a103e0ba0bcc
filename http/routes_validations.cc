#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "domain/time.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

void RegisterValidationRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/validations", Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = Authorize(ctx->principal, "", "apikeys:validate"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldReader f(*body);
    auto value = f.String("value");
    auto required = f.StringArray("required_permissions");
    auto ip = f.String("ip");
    auto user_agent = f.String("user_agent");
    FieldErrors errors = f.errors();
    if (!value && !errors.count("value")) errors["value"] = "is required";
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));

    projections::GateOutcome gates;
    auto answer = [&](ValidationCode code, const std::optional<KeyState>& key, Millis now) {
      if (s.metrics) s.metrics->ObserveValidation(code);
      json out = {{"valid", code == ValidationCode::kValid},
                  {"code", ValidationCodeName(code)},
                  {"api_key", code == ValidationCode::kValid ? RenderKey(*key, now) : json(nullptr)}};
      if (gates.credits_remaining) out["credits_remaining"] = *gates.credits_remaining;
      if (gates.ratelimit)
        out["ratelimit"] = {{"limit", gates.ratelimit->limit},
                            {"remaining", gates.ratelimit->remaining},
                            {"reset_at", FormatTime(gates.ratelimit->reset_at)}};
      respond(Reply::Json(200, out));
    };
    if (ip && !ParseIp(*ip)) errors["ip"] = "must be an IPv4 or IPv6 address";
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    if (!ip) {  // the first hop of X-Forwarded-For, else the peer
      if (auto xff = ctx->Header("x-forwarded-for")) {
        std::string first = xff->substr(0, xff->find(','));
        while (!first.empty() && first.front() == ' ') first.erase(0, 1);
        while (!first.empty() && first.back() == ' ') first.pop_back();
        ip = first;
      } else {
        ip = ctx->peer_ip;
      }
    }
    if (!user_agent) user_agent = ctx->Header("user-agent").value_or("");
    Millis now = NowMillis();
    if (!ParseSecret(*value)) return answer(ValidationCode::kMalformed, std::nullopt, now);
    auto key = s.reads->GetKeyByHash(Sha256(*value));
    // A key-authenticated caller only sees its own org's keys.
    if (!key || (ctx->principal.kind == Principal::Kind::kApiKey && key->org_id != ctx->principal.org_id))
      return answer(ValidationCode::kNotFound, std::nullopt, now);
    auto org = s.reads->GetOrg(key->org_id);
    if (!org) return answer(ValidationCode::kNotFound, std::nullopt, now);
    ValidationCode code =
        CheckKeyForUse(*key, org->status, now, required.value_or(std::vector<std::string>{}), ParseIp(*ip));
    if (s.usage) {
      if (code == ValidationCode::kValid) {
        gates = s.usage->TryUse(*key, now, *ip, *user_agent);
        code = gates.code;
      } else {
        s.usage->RecordRejection(*key, ValidationCodeName(code), now, *ip, *user_agent);
      }
      if (code == ValidationCode::kValid) {
        // The answer shows this use too, as the next read will.
        key->usage_count += 1;
        key->last_used_at = now;
        key->last_used_ip = *ip;
        key->last_used_user_agent = *user_agent;
        if (key->credits && gates.credits_remaining) key->credits->remaining = *gates.credits_remaining;
      }
    }
    answer(code, key, now);
  }));
}

}  // namespace kl::http
