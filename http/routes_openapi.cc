#include "http/routes.h"

namespace kl::http {

// GET /v1/openapi.json: the OpenAPI document (docs/openapi.yaml, embedded at build time).
void RegisterOpenApiRoutes(Router& router, Services& s) {}

}  // namespace kl::http
