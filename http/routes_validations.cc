#include "domain/cidr.h"
#include "http/key_check.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"
#include "http/validation_body.h"

namespace kl::http {

namespace {

// The body: the plain shape is read without a DOM; anything else (an unknown member included)
// takes the DOM path, which names every bad or unknown field.
Result<ValidationBody> ReadBody(const RequestContext& ctx) {
  if (auto ct = ctx.HeaderView("content-type"); ct && IsJsonMediaType(*ct) && !ctx.body.empty())
    if (auto fast = ReadValidationBodyFast(ctx.body)) return std::move(*fast);
  auto body = JsonBody(ctx);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status(Code::kValidation, "the body must be a JSON object");
  FieldErrors errors;
  ValidationBody read = ReadValidationBody(*body, errors);
  if (!read.value && !errors.count("value")) errors["value"] = "is required";
  if (!errors.empty()) return Status::Validation(errors);
  return read;
}

}  // namespace

void RegisterValidationRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/validations", {kNoQuery, &kValidationBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = Authorize(ctx->principal, "", "apikeys:validate"); !a.ok()) return respond(Fail(a, *ctx));
    if (Status fresh = ViewFreshEnough(s); !fresh.ok()) return respond(Fail(fresh, *ctx));
    auto body = ReadBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->value) return respond(Fail(Status::Validation({{"value", "is required"}}), *ctx));
    if (body->ip && !ParseIp(*body->ip))
      return respond(Fail(Status::Validation({{"ip", "must be an IPv4 or IPv6 address"}}), *ctx));

    KeyCheckRequest check;
    check.value = std::move(*body->value);
    if (body->required_permissions) check.required_permissions = std::move(*body->required_permissions);
    if (body->permission_query) {
      auto query = PermissionQuery::Parse(*body->permission_query);
      if (!query.ok()) return respond(Fail(query.status(), *ctx));
      check.permission_query = std::move(*query);
    }
    check.ip = ClientIpOf(*ctx, std::move(body->ip));
    check.user_agent = body->user_agent ? std::move(*body->user_agent)
                                        : std::string(ctx->HeaderView("user-agent").value_or(""));
    CheckKeyThen(s, ctx->principal, std::move(check), [ctx, respond](Result<KeyCheckOutcome> checked) {
      if (!checked.ok()) return respond(Fail(checked.status(), *ctx));
      const KeyCheckOutcome& outcome = *checked;
      ValidationAnswer a;
      a.code = outcome.code;
      if (outcome.code == ValidationCode::kValid)
        a.key = outcome.key, a.usage = outcome.usage ? &*outcome.usage : nullptr;
      a.credits_remaining = outcome.gates.credits_remaining;
      a.ratelimit = outcome.gates.ratelimit;
      if (outcome.code == ValidationCode::kInsufficientPermissions) a.permissions = &outcome.permissions;
      Reply r;
      r.body = SerializeValidation(a, outcome.now);
      respond(std::move(r));
    });
  }));
}

}  // namespace kl::http
