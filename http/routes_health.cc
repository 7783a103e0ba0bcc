#include "http/routes.h"

namespace kl::http {

namespace {
double Seconds(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }
}  // namespace

void RegisterHealthRoutes(Router& router, Services& s) {
  router.Add("GET", "/healthz", [](auto, Respond respond) { respond(Reply::Json(200, {{"status", "ok"}})); });
  router.Add("GET", "/metrics", [&s](auto, Respond respond) {
    Reply r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4";
    std::optional<double> view_age;
    if (s.freshness) view_age = Seconds(s.freshness->Age());
    r.body = s.metrics ? s.metrics->Render(s.log->Stats(), s.log->HeadSeq(), view_age) : "";
    respond(std::move(r));
  });
  router.Add("GET", "/readyz", [&s](auto, Respond respond) {
    if (!s.ready) return respond(Reply::Json(503, {{"status", "starting"}}));
    if (!s.freshness) return respond(Reply::Json(200, {{"status", "ready"}}));
    // A cluster node: ready while its view of the shared log is fresh enough (docs/cluster.md).
    auto age = s.freshness->Age();
    bool stale = age > s.freshness->Max();
    respond(Reply::Json(stale ? 503 : 200, {{"status", stale ? "stale" : "ready"},
                                            {"view_age_seconds", Seconds(age)},
                                            {"max_staleness_seconds", Seconds(s.freshness->Max())}}));
  });
}

}  // namespace kl::http
