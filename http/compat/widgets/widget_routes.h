// The surface @workos-inc/widgets 1.18.0 calls (docs/widgets.md, docs/compat.md "Widget"):
// /_widgets/ApiKeys/... for the organization's keys, /_widgets/UserApiKeys/... for user-owned
// keys, each authenticated by a widget token; their CORS preflights; and the routes that mint
// the tokens (POST /widgets/token, POST /v1/orgs/{org}/widget-tokens).
#pragma once
#include "http/router.h"
#include "http/services.h"

namespace kl::http::widgets {

void RegisterRoutes(Router& router, Services& services);
void RegisterMintRoutes(Router& router, Services& services);

}  // namespace kl::http::widgets
