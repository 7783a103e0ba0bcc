#include "http/reply.h"

namespace kl::http {

Reply Reply::Json(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  // Invalid UTF-8 never reaches here (inputs are checked), but never let dump() throw.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kMalformedJson: return 400;
    case Code::kValidation: return 400;
    case Code::kUnauthenticated: return 401;
    case Code::kTenantInactive: return 402;
    case Code::kPermissionDenied: return 403;
    case Code::kNotFound: return 404;
    case Code::kMethodNotAllowed: return 405;
    case Code::kConflict: return 409;
    case Code::kPreconditionFailed: return 412;
    case Code::kPayloadTooLarge: return 413;
    case Code::kUnsupportedMediaType: return 415;
    case Code::kInternal: return 500;
    case Code::kUnavailable: return 503;
  }
  return 500;
}

const char* ErrorCodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kMalformedJson: return "malformed_json";
    case Code::kValidation: return "validation_error";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kTenantInactive: return "tenant_inactive";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kNotFound: return "not_found";
    case Code::kMethodNotAllowed: return "method_not_allowed";
    case Code::kConflict: return "conflict";
    case Code::kPreconditionFailed: return "precondition_failed";
    case Code::kPayloadTooLarge: return "payload_too_large";
    case Code::kUnsupportedMediaType: return "unsupported_media_type";
    case Code::kInternal: return "internal";
    case Code::kUnavailable: return "unavailable";
  }
  return "internal";
}

Reply ErrorReply(const Status& status, const std::string& request_id) {
  nlohmann::json err = {{"code", ErrorCodeName(status.code())},
                        {"message", status.message()},
                        {"request_id", request_id}};
  nlohmann::json details = nlohmann::json::object();
  if (!status.fields().empty()) details["fields"] = status.fields();
  for (const auto& [k, v] : status.details()) details[k] = v;
  if (!details.empty()) err["details"] = details;
  Reply r = Reply::Json(HttpStatusOf(status.code()), {{"error", err}});
  if (status.code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  // Every 503 is "not applied, try again": the change was refused before it was made.
  if (status.code() == Code::kUnavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace kl::http
