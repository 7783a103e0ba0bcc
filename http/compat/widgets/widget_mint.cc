#include "http/compat/widgets/widget_mint.h"

#include "domain/time.h"
#include "domain/widget_token.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/compat/widgets/widget_claim_text.h"
#include "http/compat/widgets/widget_token.h"

namespace kl::http::widgets {

namespace {

// The claims a mint body asks for, every member checked.
Result<WidgetClaims> ClaimsOf(const nlohmann::json& body, const std::string& org_id) {
  FieldErrors errors;
  WidgetClaims c;
  c.org_id = org_id;
  if (auto u = body.find("user_id"); u != body.end() && !u->is_null()) {
    if (!u->is_string() || u->get_ref<const std::string&>().empty() || u->get_ref<const std::string&>().size() > 256)
      errors["user_id"] = "must be a string of 1..256 characters";
    else if (!IsClaimText(u->get_ref<const std::string&>()))
      errors["user_id"] = kClaimTextRule;
    else
      c.user_id = u->get<std::string>();
  }
  auto scopes = body.find("scopes");
  if (scopes == body.end() || !scopes->is_array() || scopes->empty()) {
    errors["scopes"] = "must be a non-empty array of widget scopes";
  } else {
    for (const auto& sc : *scopes) {
      if (!sc.is_string() || !IsWidgetScope(sc.get_ref<const std::string&>())) {
        errors["scopes"] = "must hold only widgets:api-keys:manage, widgets:user-api-keys:manage-self or "
                           "widgets:user-api-keys:manage-all";
        break;
      }
      if (!c.HasScope(sc.get_ref<const std::string&>())) c.scopes.push_back(sc.get<std::string>());
    }
    if (!errors.count("scopes") && !c.user_id &&
        (c.HasScope(kScopeUserKeysManageSelf) || c.HasScope(kScopeUserKeysManageAll)))
      errors["user_id"] = "is required with a widgets:user-api-keys scope";
  }
  if (!errors.empty()) return Status::Validation(std::move(errors));
  return c;
}

}  // namespace

void MintWidgetToken(Services& s, const std::shared_ptr<RequestContext>& ctx, const std::string& org_id,
                     const nlohmann::json& body, std::function<void(Result<MintedToken>)> done) {
  if (!s.widgets.key) return done(Status(Code::kUnavailable, "widget tokens are not configured on this node"));
  auto claims = ClaimsOf(body, org_id);
  if (!claims.ok()) return done(claims.status());
  Millis now = NowMillis();
  claims->expires_at_s = now / 1000 + s.widgets.token_ttl_s;
  auto minted = std::make_shared<MintedToken>();
  auto token = s.widgets.key->Mint(*claims, now / 1000, &minted->token_id);
  if (!token.ok()) return done(token.status());
  minted->token = std::move(*token);
  minted->expires_at = claims->expires_at_s * 1000;
  WidgetTokenMinted event{minted->token_id, claims->user_id, claims->scopes, minted->expires_at};
  CommandContext cc{now, ActorOf(ctx->principal), ctx->request_id};
  RunCommand(
      *s.log,
      [&s, org_id, event, cc]() -> Result<std::vector<Event>> {
        return DecideMintWidgetToken(s.reads->GetOrg(org_id), event, cc);
      },
      [minted, done = std::move(done)](Result<std::vector<Event>> r) {
        if (!r.ok()) return done(r.status());
        done(std::move(*minted));
      });
}

}  // namespace kl::http::widgets
