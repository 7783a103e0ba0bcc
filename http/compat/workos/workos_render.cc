#include "http/compat/workos/workos_render.h"

#include "domain/time.h"

namespace kl::http::workos {

using nlohmann::json;

namespace {

json Owner(const KeyState& key) {
  json owner = {{"type", key.owner.type}, {"id", key.owner.id}};
  if (key.owner.type == "user") owner["organization_id"] = key.org_id;
  return owner;
}

json TimeOrNull(const std::optional<Millis>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

// The code of one field's failure: keyledger words its field errors for people ("is required",
// "must be 1..200 characters"); WorkOS clients read a short code.
std::string FieldCode(const std::string& message) {
  if (message == "is required") return "required";
  if (message.rfind("unknown field", 0) == 0) return "unknown_field";
  return "invalid";
}

struct Shape {
  int status;
  const char* code;
};

Shape ShapeOf(Code code) {
  switch (code) {
    case Code::kMalformedJson: return {400, "invalid_json"};
    case Code::kValidation: return {422, "invalid_request_parameters"};
    case Code::kUnauthenticated: return {401, "unauthorized"};
    case Code::kTenantInactive: return {422, "organization_inactive"};
    case Code::kPermissionDenied: return {403, "forbidden"};
    case Code::kNotFound: return {404, "entity_not_found"};
    case Code::kMethodNotAllowed: return {405, "method_not_allowed"};
    case Code::kConflict: return {409, "conflict"};
    case Code::kPreconditionFailed: return {412, "precondition_failed"};
    case Code::kPayloadTooLarge: return {413, "payload_too_large"};
    case Code::kUnsupportedMediaType: return {415, "unsupported_media_type"};
    case Code::kUnavailable: return {503, "service_unavailable"};
    case Code::kOk:
    case Code::kInternal: break;
  }
  return {500, "internal_error"};
}

}  // namespace

json RenderApiKey(const KeyState& key) {
  json out = {{"object", "api_key"},
              {"id", key.id},
              {"owner", Owner(key)},
              {"name", key.name},
              {"obfuscated_value", key.obfuscated_value},
              {"last_used_at", TimeOrNull(key.last_used_at)},
              {"permissions", key.permissions},
              {"created_at", FormatTime(key.created_at)},
              {"updated_at", FormatTime(key.updated_at)}};
  if (key.expires_at) out["expires_at"] = FormatTime(*key.expires_at);
  return out;
}

json RenderCreatedApiKey(const KeyState& key, const std::string& value) {
  json out = RenderApiKey(key);
  out["value"] = value;
  return out;
}

json RenderValidation(const KeyState* valid_key) {
  return {{"api_key", valid_key ? RenderApiKey(*valid_key) : json(nullptr)}};
}

json RenderList(const std::vector<KeyState>& keys, const ListMetadata& meta) {
  json data = json::array();
  for (const KeyState& k : keys) data.push_back(RenderApiKey(k));
  auto id_or_null = [](const std::optional<std::string>& id) { return id ? json(*id) : json(nullptr); };
  return {{"object", "list"},
          {"data", std::move(data)},
          {"list_metadata", {{"before", id_or_null(meta.before)}, {"after", id_or_null(meta.after)}}}};
}

Reply ErrorReply(const Status& status, const std::string& request_id) {
  Shape shape = ShapeOf(status.code());
  json body = {{"code", shape.code}, {"message", status.message()}};
  if (!status.fields().empty()) {
    json errors = json::array();
    for (const auto& [field, message] : status.fields())
      errors.push_back({{"field", field}, {"code", FieldCode(message)}, {"message", message}});
    body["errors"] = std::move(errors);
  }
  Reply r = Reply::Json(shape.status, body);
  if (shape.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (shape.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace kl::http::workos
