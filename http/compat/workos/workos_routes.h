// The WorkOS API keys dialect, served at the root beside /v1 so that the official
// `@workos-inc/node` client works against keyledger unchanged (docs/compat.md, WorkOS). Each
// route calls what its /v1 counterpart calls and renders the result in WorkOS's shapes.
#pragma once
#include "http/router.h"
#include "http/services.h"

namespace kl::http::workos {

void RegisterRoutes(Router& router, Services& services);

}  // namespace kl::http::workos
