#include "http/compat/workos/workos_render.h"

#include <unordered_map>

#include "domain/time.h"
#include "http/json_writer.h"

namespace kl::http::workos {

using nlohmann::json;

namespace {

void WriteTime(JsonWriter& w, Millis t) {
  char buf[32];
  w.String(std::string_view(buf, FormatTimeTo(t, buf)));
}

void WriteOptionalString(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) w.String(*s);
  else w.Null();
}

// The ApiKey's members, inside an object the caller opened (so a create can add "value"). With
// `last_used_cut`, last_used_at's value is left out and *last_used_cut is where it goes.
void WriteApiKeyMembers(JsonWriter& w, const KeyState& key, size_t* last_used_cut = nullptr) {
  w.PlainKey("object"), w.String("api_key");
  w.PlainKey("id"), w.String(key.id);
  w.PlainKey("owner"), w.StartObject();
  w.PlainKey("type"), w.String(key.owner.type);
  w.PlainKey("id"), w.String(key.owner.id);
  if (key.owner.type == "user") w.PlainKey("organization_id"), w.String(key.org_id);
  w.EndObject();
  w.PlainKey("name"), w.String(key.name);
  w.PlainKey("obfuscated_value"), w.String(key.obfuscated_value);
  w.PlainKey("last_used_at");
  if (last_used_cut) w.Raw(""), *last_used_cut = w.str().size();  // the writer moves on as if written
  else if (key.last_used_at) WriteTime(w, *key.last_used_at);
  else w.Null();
  w.PlainKey("permissions"), w.StartArray();
  for (const std::string& p : key.permissions) w.String(p);
  w.EndArray();
  w.PlainKey("created_at"), WriteTime(w, key.created_at);
  w.PlainKey("updated_at"), WriteTime(w, key.updated_at);
  if (key.expires_at) w.PlainKey("expires_at"), WriteTime(w, *key.expires_at);
}

void WriteApiKey(JsonWriter& w, const KeyState& key) {
  w.StartObject();
  WriteApiKeyMembers(w, key);
  w.EndObject();
}

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

std::string SerializeApiKey(const KeyState& key) {
  JsonWriter w(512);
  WriteApiKey(w, key);
  return w.Take();
}

std::string SerializeCreatedApiKey(const KeyState& key, const std::string& value) {
  JsonWriter w(512);
  w.StartObject();
  WriteApiKeyMembers(w, key);
  w.PlainKey("value"), w.String(value);
  w.EndObject();
  return w.Take();
}

namespace {

// A validation answer's bytes around last_used_at, the one member that changes with each use.
struct ValidationTemplate {
  std::string head;  // {"api_key":{... "last_used_at":
  std::string tail;  // ,"permissions":... }}
};

ValidationTemplate MakeValidationTemplate(const KeyState& key) {
  JsonWriter w(512);
  w.StartObject();
  w.PlainKey("api_key");
  w.StartObject();
  size_t cut = 0;
  WriteApiKeyMembers(w, key, &cut);
  w.EndObject();
  w.EndObject();
  const std::string& s = w.str();
  return {s.substr(0, cut), s.substr(cut)};
}

// Per reactor thread, the templates of the keys validated lately, as http/render.cc keeps /v1's:
// keyed by the state object's address with a weak reference to it, so a key's new version (a new
// object) is a miss.
const ValidationTemplate& TemplateFor(const std::shared_ptr<const KeyState>& key) {
  struct Entry {
    std::weak_ptr<const KeyState> owner;
    ValidationTemplate t;
  };
  thread_local std::unordered_map<const KeyState*, Entry> cache;
  auto it = cache.find(key.get());
  if (it != cache.end() && !it->second.owner.expired()) return it->second.t;
  if (cache.size() >= 4096) cache.clear();  // a bound, not an LRU: refilling is cheap
  Entry& e = cache[key.get()];
  e.owner = key;
  e.t = MakeValidationTemplate(*key);
  return e.t;
}

}  // namespace

std::string SerializeValidation(const std::shared_ptr<const KeyState>& valid_key,
                                std::optional<Millis> last_used_at) {
  if (!valid_key) return R"({"api_key":null})";
  const ValidationTemplate& t = TemplateFor(valid_key);
  std::string out;
  out.reserve(t.head.size() + t.tail.size() + 32);
  out.append(t.head);
  if (last_used_at) {
    char buf[32];
    out.push_back('"');
    out.append(buf, FormatTimeTo(*last_used_at, buf));
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.append(t.tail);
  return out;
}

std::string SerializeList(const std::vector<KeyState>& keys, const ListMetadata& meta) {
  JsonWriter w(256 + 512 * keys.size());
  w.StartObject();
  w.PlainKey("object"), w.String("list");
  w.PlainKey("data"), w.StartArray();
  for (const KeyState& k : keys) WriteApiKey(w, k);
  w.EndArray();
  w.PlainKey("list_metadata"), w.StartObject();
  w.PlainKey("before"), WriteOptionalString(w, meta.before);
  w.PlainKey("after"), WriteOptionalString(w, meta.after);
  w.EndObject();
  w.EndObject();
  return w.Take();
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
