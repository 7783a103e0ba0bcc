#include "http/routes.h"

namespace kl::http {

// GET /console and its assets: the API keys console (console/, embedded at build time).
void RegisterConsoleRoutes(Router& router, Services& s) {}

}  // namespace kl::http
