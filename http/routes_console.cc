// GET /console and its assets: the API keys console (console/, embedded at build time into
// generated/console_assets.h by scripts/embed_console.py, see cmake/console.cmake).
//
// The page and its assets are public: they hold nothing secret. Every API call the page makes
// carries the bearer token the user typed, held only in the page's memory.
#include <string_view>

#include "generated/console_assets.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

namespace {

// Locks the page to its own origin: only our scripts and styles, no inline code, no framing,
// no form posts, and API calls only back to this server.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

void AddSecurityHeaders(Reply& r) {
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  // The console changes with the binary; a stale cached script against a newer API helps nobody.
  r.headers.emplace_back("Cache-Control", "no-store");
}

const console_assets::Asset* FindAsset(std::string_view name) {
  for (const auto& a : console_assets::kAssets)
    if (name == a.path) return &a;
  return nullptr;
}

Reply AssetReply(const console_assets::Asset& a) {
  Reply r;
  r.status = 200;
  r.content_type = a.content_type;
  r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
  AddSecurityHeaders(r);
  return r;
}

void Serve(std::string_view name, const RequestContext& ctx, const Respond& respond) {
  if (const auto* asset = FindAsset(name)) return respond(AssetReply(*asset));
  Reply r = Fail(Status(Code::kNotFound, "no such console asset"), ctx);
  AddSecurityHeaders(r);
  respond(std::move(r));
}

}  // namespace

void RegisterConsoleRoutes(Router& router, Services& s) {
  // "/console" and "/console/" both land here (the router ignores a trailing slash); the page
  // refers to its assets by absolute path, so either works.
  router.Add("GET", "/console", [](auto ctx, Respond respond) { Serve("index.html", *ctx, respond); });
  router.Add("GET", "/console/{asset}", [](auto ctx, Respond respond) { Serve(ctx->Param("asset"), *ctx, respond); });
}

}  // namespace kl::http
