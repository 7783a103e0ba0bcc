#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "domain/time.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"
#include "http/validation_body.h"

namespace kl::http {

void RegisterValidationRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/validations", {kNoQuery, &kValidationBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = Authorize(ctx->principal, "", "apikeys:validate"); !a.ok()) return respond(Fail(a, *ctx));
    // The plain shape is read without a DOM; anything else (an unknown member included) takes
    // the DOM path, which names every bad or unknown field.
    std::optional<ValidationBody> fast;
    if (auto ct = ctx->HeaderView("content-type"); ct && IsJsonMediaType(*ct) && !ctx->body.empty())
      fast = ReadValidationBodyFast(ctx->body);
    FieldErrors errors;
    std::optional<std::string> value, ip, user_agent;
    std::optional<std::vector<std::string>> required;
    if (fast) {
      value = std::move(fast->value);
      required = std::move(fast->required_permissions);
      ip = std::move(fast->ip);
      user_agent = std::move(fast->user_agent);
    } else {
      auto body = JsonBody(*ctx);
      if (!body.ok()) return respond(Fail(body.status(), *ctx));
      if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
      ValidationBody read = ReadValidationBody(*body, errors);
      value = std::move(read.value);
      required = std::move(read.required_permissions);
      ip = std::move(read.ip);
      user_agent = std::move(read.user_agent);
    }
    if (!value && !errors.count("value")) errors["value"] = "is required";
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));

    projections::GateOutcome gates;
    auto answer = [&](ValidationCode code, const std::shared_ptr<const KeyState>& key, const projections::KeyUsageView* usage, Millis now) {
      if (s.metrics) s.metrics->ObserveValidation(code);
      ValidationAnswer a;
      a.code = code;
      if (code == ValidationCode::kValid) a.key = key, a.usage = usage;
      a.credits_remaining = gates.credits_remaining;
      a.ratelimit = gates.ratelimit;
      Reply r;
      r.body = SerializeValidation(a, now);
      respond(std::move(r));
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
    if (!user_agent) user_agent = std::string(ctx->HeaderView("user-agent").value_or(""));
    Millis now = NowMillis();
    if (!ParseSecret(*value)) return answer(ValidationCode::kMalformed, {}, nullptr, now);
    static const std::vector<std::string> kNone;
    const std::vector<std::string>& names = required ? *required : kNone;
    Hash32 hash = Sha256(*value);
    std::shared_ptr<const KeyState> key;
    ValidationCode code;
    if (s.index) {
      auto v = s.index->Validate(hash, s.index->Require(names), now, ParseIp(*ip));
      key = std::move(v.key);
      code = v.code;
    } else {
      key = s.reads->FindKeyByHash(hash);
      auto org = key ? s.reads->FindOrg(key->org_id) : nullptr;
      if (!org) key.reset();
      code = key ? CheckKeyForUse(*key, org->status, now, names, ParseIp(*ip)) : ValidationCode::kNotFound;
    }
    // A key-authenticated caller only sees its own org's keys.
    if (!key || (ctx->principal.kind == Principal::Kind::kApiKey && key->org_id != ctx->principal.org_id()))
      return answer(ValidationCode::kNotFound, {}, nullptr, now);
    if (!s.usage) return answer(code, key, nullptr, now);
    if (code != ValidationCode::kValid) {
      s.usage->RecordRejection(*key, ValidationCodeName(code), now, *ip, *user_agent);
      return answer(code, key, nullptr, now);
    }
    gates = s.usage->TryUse(*key, now, *ip, *user_agent);
    // The answer shows this use too, as the next read will.
    projections::KeyUsageView usage = s.usage->View(*key);
    answer(gates.code, key, &usage, now);
  }));
}

}  // namespace kl::http
