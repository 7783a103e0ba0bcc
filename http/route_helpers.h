// Shared plumbing for route handlers: authentication up front and uniform error replies.
#pragma once
#include "http/auth.h"
#include "http/context.h"
#include "http/input_shape.h"
#include "http/json_input.h"
#include "http/services.h"

namespace kl::http {

// The route's query string against what it declared (http/input_shape.h); nothing to check for
// a route that declared nothing.
inline Status CheckQuery(const RequestContext& ctx) {
  if (!ctx.input) return Status::Ok();
  if (FieldErrors unknown = UnknownParameters(ctx.query, ctx.input->query); !unknown.empty())
    return UnknownFieldsError(unknown);
  return Status::Ok();
}

// Wraps a handler so it only runs for an authenticated caller (ctx->principal is set) whose
// query string holds only the parameters the route declared. Authentication comes first: an
// unauthenticated caller learns nothing about a route's parameters.
inline RouteHandler Authenticated(Services& s, RouteHandler inner) {
  return [&s, inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    auto who = Authenticate(s, *ctx);
    if (!who.ok()) return respond(ErrorReply(who.status(), ctx->request_id));
    ctx->principal = std::move(who.value());
    if (Status q = CheckQuery(*ctx); !q.ok()) return respond(ErrorReply(q, ctx->request_id));
    inner(std::move(ctx), std::move(respond));
  };
}

// The same check for a public /v1 route.
inline RouteHandler QueryChecked(RouteHandler inner) {
  return [inner = std::move(inner)](std::shared_ptr<RequestContext> ctx, Respond respond) {
    if (Status q = CheckQuery(*ctx); !q.ok()) return respond(ErrorReply(q, ctx->request_id));
    inner(std::move(ctx), std::move(respond));
  };
}

inline Reply Fail(const Status& s, const RequestContext& ctx) { return ErrorReply(s, ctx.request_id); }

// The body as JSON holding only the members the route declared (an empty body reads as `{}`
// when `allow_empty`). A route that declared no body shape accepts no members at all.
inline Result<nlohmann::json> JsonBody(const RequestContext& ctx, bool allow_empty = false) {
  static const BodyShape kNoMembers{};
  auto body = ParseJsonBody(ctx.body, ctx.Header("content-type"), allow_empty);
  if (!body.ok()) return body;
  const BodyShape& shape = ctx.input && ctx.input->body ? *ctx.input->body : kNoMembers;
  if (FieldErrors unknown = UnknownMembers(*body, shape); !unknown.empty()) return UnknownFieldsError(unknown);
  return body;
}

// A route that takes no body accepts none, or an empty object.
inline Status NoBody(const RequestContext& ctx) {
  auto body = JsonBody(ctx, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status(Code::kValidation, "the body must be empty or a JSON object");
  return Status::Ok();
}

// limit (1..max, default def) and an opaque cursor: the query of a paged list.
inline const QueryShape kListQuery{"limit", "cursor"};
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
