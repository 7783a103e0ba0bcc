#include "http/routes.h"

namespace kl::http {

void RegisterHealthRoutes(Router& router, Services& s) {
  router.Add("GET", "/healthz", [](auto, Respond respond) { respond(Reply::Json(200, {{"status", "ok"}})); });
  router.Add("GET", "/readyz", [&s](auto, Respond respond) {
    if (s.ready) return respond(Reply::Json(200, {{"status", "ready"}}));
    respond(Reply::Json(503, {{"status", "starting"}}));
  });
}

}  // namespace kl::http
