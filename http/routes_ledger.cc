#include "domain/crypto.h"
#include "domain/time.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

void RegisterLedgerRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/ledger/public-key", {kNoQuery}, QueryChecked([&s](auto, Respond respond) {
    respond(Reply::Json(200, {{"public_key_pem", s.signer->PublicPem()}, {"public_key_id", s.signer->PublicKeyId()}}));
  }));

  router.Add("GET", "/v1/ledger/head", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = Authorize(ctx->principal, ctx->principal.org_id(), "events:read"); !a.ok())
      return respond(Fail(a, *ctx));
    storage::LogHead head = s.log->Head();
    std::string hash = ToHex(head.hash);
    // The exact message an auditor re-creates: keyledger-head:v1:<seq>:<hash>.
    std::string message = "keyledger-head:v1:" + std::to_string(head.seq) + ":" + hash;
    respond(Reply::Json(200, {{"seq", head.seq},
                              {"hash", hash},
                              {"recorded_at", head.seq ? json(FormatTime(head.recorded_at)) : json(nullptr)},
                              {"signature", s.signer->SignBase64(message)},
                              {"public_key_id", s.signer->PublicKeyId()}}));
  }));
}

}  // namespace kl::http
