#include "http/compat/widgets/widget_cors.h"

#include <strings.h>

#include "http/compat/widgets/widget_render.h"

namespace kl::http::widgets {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether every entry of a comma-separated list is one of `allowed`'s (case-insensitive).
bool AllListed(std::string_view asked, std::string_view allowed) {
  while (!asked.empty()) {
    size_t comma = asked.find(',');
    std::string_view item = Trim(asked.substr(0, comma));
    asked = comma == std::string_view::npos ? std::string_view() : asked.substr(comma + 1);
    if (item.empty()) continue;
    bool found = false;
    std::string_view rest = allowed;
    while (!rest.empty() && !found) {
      size_t c = rest.find(',');
      std::string_view a = Trim(rest.substr(0, c));
      rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
      found = a.size() == item.size() && strncasecmp(a.data(), item.data(), a.size()) == 0;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (a == origin) return true;
  return false;
}

void AddCorsHeaders(Reply& reply, const std::string& origin) {
  reply.headers.emplace_back("Access-Control-Allow-Origin", origin);
  reply.headers.emplace_back("Vary", "Origin");
}

Reply Preflight(const RequestContext& ctx, const std::vector<std::string>& allowed) {
  auto origin = ctx.HeaderView("origin");
  auto method = ctx.HeaderView("access-control-request-method");
  auto headers = ctx.HeaderView("access-control-request-headers");
  if (!origin || !OriginAllowed(*origin, allowed))
    return WidgetError(Status(Code::kPermissionDenied, "this origin may not call the widget routes"));
  if (!method || !AllListed(*method, kAllowedMethods) || (headers && !AllListed(*headers, kAllowedHeaders)))
    return WidgetError(Status(Code::kPermissionDenied, "the widget routes do not allow this method or header"));
  Reply reply = Reply::Json(200, nlohmann::json::object());
  AddCorsHeaders(reply, std::string(*origin));
  reply.headers.emplace_back("Access-Control-Allow-Methods", kAllowedMethods);
  reply.headers.emplace_back("Access-Control-Allow-Headers", kAllowedHeaders);
  reply.headers.emplace_back("Access-Control-Max-Age", "600");
  return reply;
}

}  // namespace kl::http::widgets
