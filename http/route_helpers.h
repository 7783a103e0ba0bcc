// Shared plumbing for route handlers: authentication up front and uniform error replies.
#pragma once
#include "http/auth.h"
#include "http/context.h"
#include "http/json_input.h"
#include "http/services.h"

namespace kl::http {

// Wraps a handler so it only runs for an authenticated caller (ctx->principal is set).
inline RouteHandler Authenticated(Services& s, RouteHandler inner) {
  return [&s, inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto who = Authenticate(s, *ctx);
    if (!who.ok()) return respond(ErrorReply(who.status(), ctx->request_id));
    ctx->principal = std::move(who.value());
    inner(std::move(ctx), std::move(respond));
  };
}

inline Reply Fail(const Status& s, const RequestContext& ctx) { return ErrorReply(s, ctx.request_id); }

inline Result<nlohmann::json> JsonBody(const RequestContext& ctx, bool allow_empty = false) {
  return ParseJsonBody(ctx.body, ctx.Header("content-type"), allow_empty);
}

// limit (1..max, default def) and an opaque cursor.
struct ListParams {
  size_t limit;
  std::optional<std::string> cursor;
};
inline Result<ListParams> ReadListParams(const RequestContext& ctx, int64_t def, int64_t max) {
  auto limit = QueryInt(ctx.Query("limit"), "limit", 1, max);
  if (!limit.ok()) return limit.status();
  return ListParams{static_cast<size_t>(limit->value_or(def)), ctx.Query("cursor")};
}

}  // namespace kl::http
