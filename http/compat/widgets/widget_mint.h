// Minting a widget token (docs/widgets.md): the request's members checked, the token signed, and
// a WidgetTokenMinted event appended before the token is answered, so every token in use is in
// the ledger with who minted it.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http::widgets {

struct MintedToken {
  std::string token;  // the compact JWS: answered once, never logged or stored
  std::string token_id;
  Millis expires_at = 0;
};

// `user_id` (optional string) and `scopes` (the widget scopes, at least one) of `body`; the
// caller has authorized minting for `org_id`. `done` runs once, here or on the log's writer.
void MintWidgetToken(Services& s, const std::shared_ptr<RequestContext>& ctx, const std::string& org_id,
                     const nlohmann::json& body, std::function<void(Result<MintedToken>)> done);

}  // namespace kl::http::widgets
