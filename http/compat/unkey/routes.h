// The Unkey v2 dialect: POST /v2/<group>.<method>, as the pinned @unkey/api client calls it
// (docs/compat.md, Unkey). One registration function per group of routes.
#pragma once
#include "http/router.h"
#include "http/services.h"

namespace kl::http::unkey {

void RegisterKeyRoutes(Router& router, Services& services);          // create, get, update, delete, reroll
void RegisterVerifyRoutes(Router& router, Services& services);       // verifyKey, whoami
void RegisterKeyGateRoutes(Router& router, Services& services);      // updateCredits, *Permissions
void RegisterApiRoutes(Router& router, Services& services);          // apis.*
void RegisterMigrateRoutes(Router& router, Services& services);      // keys.migrateKeys
// Every other /v2 route: an Unkey-shaped 404 naming docs/compat.md. Registered last.
void RegisterUnsupportedRoutes(Router& router, Services& services);

inline void RegisterUnkeyRoutes(Router& router, Services& services) {
  RegisterKeyRoutes(router, services);
  RegisterVerifyRoutes(router, services);
  RegisterKeyGateRoutes(router, services);
  RegisterApiRoutes(router, services);
  RegisterMigrateRoutes(router, services);
  RegisterUnsupportedRoutes(router, services);
}

}  // namespace kl::http::unkey
