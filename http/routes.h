// Route registration, one function per resource family.
#pragma once
#include "http/compat/unkey/routes.h"
#include "http/compat/widgets/widget_routes.h"
#include "http/compat/workos/workos_routes.h"
#include "http/router.h"
#include "http/services.h"
#include "domain/key.h"

namespace kl::http {

void RegisterHealthRoutes(Router& router, Services& services);
void RegisterOrgRoutes(Router& router, Services& services);
void RegisterKeyRoutes(Router& router, Services& services);
void RegisterValidationRoutes(Router& router, Services& services);
void RegisterEventRoutes(Router& router, Services& services);
void RegisterLedgerRoutes(Router& router, Services& services);
void RegisterHistoryRoutes(Router& router, Services& services);
void RegisterExportRoutes(Router& router, Services& services);
void RegisterOpenApiRoutes(Router& router, Services& services);
void RegisterConsoleRoutes(Router& router, Services& services);
void RegisterBackupRoutes(Router& router, Services& services);
void RegisterLeakRoutes(Router& router, Services& services);
void RegisterWebhookRoutes(Router& router, Services& services);
void RegisterAuthzRoutes(Router& router, Services& services);

// The key folded from its own stream up to ?as_of / ?as_of_seq (nullopt: it did not exist yet).
Result<std::optional<KeyState>> KeyAsOf(Services& s, const std::string& org_id, const std::string& key_id,
                                        const RequestContext& ctx, Millis* as_of_time);

inline void RegisterAllRoutes(Router& router, Services& services) {
  RegisterHealthRoutes(router, services);
  RegisterOrgRoutes(router, services);
  RegisterKeyRoutes(router, services);
  RegisterValidationRoutes(router, services);
  RegisterEventRoutes(router, services);
  RegisterLedgerRoutes(router, services);
  RegisterHistoryRoutes(router, services);
  RegisterExportRoutes(router, services);
  RegisterOpenApiRoutes(router, services);
  RegisterConsoleRoutes(router, services);
  RegisterBackupRoutes(router, services);
  RegisterLeakRoutes(router, services);
  RegisterWebhookRoutes(router, services);
  RegisterAuthzRoutes(router, services);
  unkey::RegisterUnkeyRoutes(router, services);  // /v2: the Unkey dialect (docs/compat.md)
  workos::RegisterRoutes(router, services);  // the WorkOS API keys dialect, docs/compat.md
  widgets::RegisterMintRoutes(router, services);  // widget tokens, docs/widgets.md
  widgets::RegisterRoutes(router, services);      // the embedded widget's surface, docs/widgets.md
}

}  // namespace kl::http
