#include "http/compat/unkey/envelope.h"

#include <utility>

namespace kl::http::unkey {

using nlohmann::json;

namespace {

json Meta(const std::string& request_id) { return {{"requestId", request_id}}; }

struct ErrorKind {
  int status;
  const char* title;
  const char* type;
};

// Titles and problem types as Unkey's own errors name them, so a client that branches on
// `type` keeps working.
ErrorKind KindOf(Code code) {
  constexpr const char* kBase = "https://unkey.com/docs/errors/unkey/";
  static const std::string base(kBase);
  static const std::string invalid = base + "application/invalid_input";
  static const std::string unauth = base + "authentication/key_not_found";
  static const std::string forbidden = base + "authorization/insufficient_permissions";
  static const std::string not_found = base + "data/not_found";
  static const std::string conflict = base + "data/conflict";
  static const std::string internal = base + "application/unexpected_error";
  static const std::string unavailable = base + "application/service_unavailable";
  switch (code) {
    case Code::kMalformedJson:
    case Code::kValidation:
    case Code::kPayloadTooLarge:
    case Code::kUnsupportedMediaType: return {400, "Bad Request", invalid.c_str()};
    case Code::kUnauthenticated: return {401, "Unauthorized", unauth.c_str()};
    case Code::kTenantInactive:
    case Code::kPermissionDenied: return {403, "Forbidden", forbidden.c_str()};
    case Code::kNotFound: return {404, "Not Found", not_found.c_str()};
    case Code::kMethodNotAllowed: return {405, "Method Not Allowed", invalid.c_str()};
    case Code::kConflict:
    case Code::kPreconditionFailed: return {409, "Conflict", conflict.c_str()};
    case Code::kUnavailable: return {503, "Service Unavailable", unavailable.c_str()};
    case Code::kOk:
    case Code::kInternal: break;
  }
  return {500, "Internal Server Error", internal.c_str()};
}

}  // namespace

Reply DataReply(const json& data, const std::string& request_id) {
  return Reply::Json(200, {{"meta", Meta(request_id)}, {"data", data}});
}

Reply PageReply(const json& data, const std::optional<std::string>& cursor, const std::string& request_id) {
  json pagination = {{"hasMore", cursor.has_value()}};
  if (cursor) pagination["cursor"] = *cursor;
  return Reply::Json(200, {{"meta", Meta(request_id)}, {"data", data}, {"pagination", pagination}});
}

std::string UnkeyLocation(const std::string& field) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"expires_at", "expires"}, {"metadata", "meta"}, {"ratelimit", "ratelimits"},
      {"grace_seconds", "expiration"}, {"value", "key"},
  };
  std::string head = field.substr(0, field.find('.'));
  std::string rest = head.size() < field.size() ? field.substr(head.size()) : "";
  for (const auto& [from, to] : kRenames)
    if (head == from) {
      head = to;
      if (head == "ratelimits") rest = rest.empty() ? rest : "[0]" + rest;
      break;
    }
  return "body." + head + rest;
}

Reply ErrorReply(const Status& status, const std::string& request_id) {
  ErrorKind kind = KindOf(status.code());
  // The generic "request validation failed" says less than the first field's own message.
  std::string detail = status.message();
  if (status.code() == Code::kValidation && !status.fields().empty() && detail == "request validation failed")
    detail = UnkeyLocation(status.fields().begin()->first) + " " + status.fields().begin()->second;
  json error = {{"title", kind.title}, {"detail", detail}, {"status", kind.status}, {"type", kind.type}};
  if (kind.status == 400) {
    json errors = json::array();
    for (const auto& [field, message] : status.fields())
      errors.push_back({{"location", UnkeyLocation(field)}, {"message", message}});
    error["errors"] = std::move(errors);
  }
  Reply r = Reply::Json(kind.status, {{"meta", Meta(request_id)}, {"error", error}});
  if (kind.status == 429) r.content_type = "application/problem+json";
  if (kind.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace kl::http::unkey
