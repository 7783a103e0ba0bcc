// CORS for the widget routes only (docs/widgets.md, CORS): the widget runs on the SaaS team's own
// origin, so keyledger answers preflights and requests from the origins the operator configured
// (exact matches; none by default) and allows exactly the headers the widget sends, without
// credentials. Every other route sends no CORS header at all.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "http/context.h"
#include "http/reply.h"

namespace kl::http::widgets {

// The request headers a preflight may ask for (compared case-insensitively).
inline constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, WorkOS-Widgets-Version, WorkOS-Widgets-Type, x-elevated-access-token";
inline constexpr const char* kAllowedMethods = "GET, POST, DELETE";

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed);
// Access-Control-Allow-Origin for an allowed origin, and Vary: Origin.
void AddCorsHeaders(Reply& reply, const std::string& origin);
// A preflight's answer: 200 {} with the allowed methods and headers when the origin is configured
// and it asks only for those; 403 without any CORS header otherwise (the browser then refuses).
Reply Preflight(const RequestContext& ctx, const std::vector<std::string>& allowed);

}  // namespace kl::http::widgets
