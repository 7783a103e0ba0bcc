#include "http/compat/unkey/route_support.h"

#include "domain/time.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/compat/unkey/envelope.h"
#include "http/route_helpers.h"

namespace kl::http::unkey {

Reply Refuse(const Status& status, const RequestContext& ctx) { return ErrorReply(status, ctx.request_id); }

bool FailOnErrors(const FieldErrors& errors, const RequestContext& ctx, const Respond& respond) {
  if (errors.empty()) return false;
  respond(Refuse(Status::Validation(errors), ctx));
  return true;
}

RouteHandler Route(Services& s, Handler inner) {
  return [&s, inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto who = Authenticate(s, *ctx);
    if (!who.ok()) return respond(Refuse(who.status(), *ctx));
    ctx->principal = std::move(who.value());
    if (!ctx->query.empty()) return respond(Refuse(Status(Code::kValidation, "Unkey v2 routes take no query"), *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Refuse(body.status(), *ctx));
    if (!body->is_object()) return respond(Refuse(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    inner(std::move(ctx), std::move(*body), std::move(respond));
  };
}

Result<KeyState> KeyForCaller(Services& s, const Principal& caller, const std::string& key_id, const char* scope) {
  auto key = s.reads->GetKey(key_id);
  bool visible = key && key->status != "revoked" &&
                 (caller.kind == Principal::Kind::kAdmin || key->org_id == caller.org_id());
  if (!visible) return Status(Code::kNotFound, "The requested key does not exist or has been deleted.");
  if (Status a = Authorize(caller, key->org_id, scope); !a.ok()) return a;
  return std::move(*key);
}

std::optional<int64_t> LiveCredits(const Services& s, const KeyState& key) {
  if (!key.credits) return std::nullopt;
  if (s.usage) return s.usage->View(key).credits_remaining;
  return key.credits->remaining;
}

void UpdateKey(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& key_id, BuildUpdate build,
               Respond respond, KeyDone done) {
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  Principal caller = ctx->principal;
  RunCommand(
      *s.log,
      [&s, caller, key_id, build = std::move(build), cc]() -> Result<std::vector<Event>> {
        auto key = KeyForCaller(s, caller, key_id, "apikeys:write");
        if (!key.ok()) return key.status();
        auto org = s.reads->GetOrg(key->org_id);
        if (!org) return Status(Code::kNotFound, "The key's API does not exist.");
        auto in = build(*key);
        if (!in.ok()) return in.status();
        return DecideUpdateKey(*key, *org, *in, {}, cc);
      },
      [&s, ctx, respond, key_id, done = std::move(done)](Result<std::vector<Event>> r) {
        if (!r.ok()) return respond(Refuse(r.status(), *ctx));
        auto key = s.reads->GetKey(key_id);
        if (!key) return respond(Refuse(Status(Code::kNotFound, "The requested key does not exist."), *ctx));
        done(*key);
      });
}

}  // namespace kl::http::unkey
