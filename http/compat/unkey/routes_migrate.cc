// keys.migrateKeys: /v1's key import (http/key_import.h, docs/spec.md, Importing keys) behind
// Unkey's shapes. The plaintext is never sent: each key comes as the SHA-256 of its secret.
#include "http/auth.h"
#include "http/compat/unkey/envelope.h"
#include "http/compat/unkey/key_requests.h"
#include "http/compat/unkey/route_support.h"
#include "http/compat/unkey/routes.h"
#include "http/key_import.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

// Unkey's answer names each key by the hash it was sent with: `migrated` with its key id, and
// `failed` holding only the hashes (the client's schema has no room for a reason).
void MigrateKeys(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  MigrateKeysRequest req = ReadMigrateKeys(body, errors);
  if (!errors.count("apiId"))
    if (Status a = Authorize(ctx->principal, req.api_id, "apikeys:write"); !a.ok()) return respond(Refuse(a, *ctx));
  if (FailOnErrors(errors, *ctx, respond)) return;
  ImportKeys(s, ctx, req.api_id, std::move(req.items), std::move(req.migration_id),
             [ctx, respond](Result<KeyImportResult> r) {
               if (!r.ok()) return respond(Refuse(r.status(), *ctx));
               json migrated = json::array(), failed = json::array();
               for (const auto& k : r->imported) migrated.push_back({{"hash", k.hash_text}, {"keyId", k.key_id}});
               for (const auto& f : r->failed) failed.push_back(f.hash_text);
               respond(DataReply({{"migrated", std::move(migrated)}, {"failed", std::move(failed)}}, ctx->request_id));
             });
}

}  // namespace

void RegisterMigrateRoutes(Router& router, Services& s) {
  router.Add("POST", "/v2/keys.migrateKeys", {kNoQuery, &kMigrateKeysBody},
             Route(s, [&s](auto ctx, json body, Respond respond) { MigrateKeys(s, ctx, std::move(body), respond); }));
}

}  // namespace kl::http::unkey
