#include "http/routes.h"

namespace kl::http {

void RegisterHealthRoutes(Router& router, Services& s) {
  router.Add("GET", "/healthz", [](auto, Respond respond) { respond(Reply::Json(200, {{"status", "ok"}})); });
  router.Add("GET", "/metrics", [&s](auto, Respond respond) {
    Reply r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4";
    r.body = s.metrics ? s.metrics->Render(s.log->Stats(), s.log->HeadSeq()) : "";
    respond(std::move(r));
  });
  router.Add("GET", "/readyz", [&s](auto, Respond respond) {
    if (s.ready) return respond(Reply::Json(200, {{"status", "ready"}}));
    respond(Reply::Json(503, {{"status", "starting"}}));
  });
}

}  // namespace kl::http
