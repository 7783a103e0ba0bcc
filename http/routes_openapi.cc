#include "generated/openapi_json.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

// GET /v1/openapi.json: the OpenAPI document (docs/openapi.yaml, embedded at build time by
// cmake/openapi.cmake). Public, like the document of any API. The reply is built once and
// copied per request: the body never changes while the process runs.
void RegisterOpenApiRoutes(Router& router, Services& s) {
  static const Reply kReply = [] {
    Reply r;
    r.status = 200;
    r.body = std::string(kOpenApiJson);
    r.content_type = "application/json";
    return r;
  }();
  router.Add("GET", "/v1/openapi.json", {kNoQuery}, QueryChecked([](auto, Respond respond) { respond(kReply); }));
}

}  // namespace kl::http
