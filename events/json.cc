#include "events/json.h"

#include "domain/crypto.h"
#include "domain/time.h"
#include "events/event_fields.h"
#include "events/sanitize.h"

namespace kl::events {

using nlohmann::json;

namespace {

// Builds the JSON object member by member (event_fields.h says which).
class DomOut {
 public:
  explicit DomOut(json& into) : j_(into) { j_ = json::object(); }
  void Str(const char* name, const std::string& v) { j_[name] = v; }
  void OptStr(const char* name, const std::optional<std::string>& v) { j_[name] = v ? json(*v) : json(nullptr); }
  void Null(const char* name) { j_[name] = nullptr; }
  void Int(const char* name, int64_t v) { j_[name] = v; }
  void Uint(const char* name, uint64_t v) { j_[name] = v; }
  void Bool(const char* name, bool v) { j_[name] = v; }
  void Time(const char* name, Millis t) { j_[name] = FormatTime(t); }
  void OptTime(const char* name, const std::optional<Millis>& t) { j_[name] = t ? json(FormatTime(*t)) : json(nullptr); }
  void Strings(const char* name, const std::vector<std::string>& v) { j_[name] = v; }
  void Json(const char* name, const json& v) { j_[name] = v; }
  template <typename Fill>
  void Object(const char* name, Fill&& fill) {
    DomOut nested(j_[name]);
    fill(nested);
  }

 private:
  json& j_;
};

}  // namespace

json DataToJson(const EventData& data) {
  json j;
  DomOut out(j);
  fields::Payload(data, out);
  SanitizeJson(j);
  return j;
}

json ToJsonUnsealed(const Event& e) {
  json j;
  DomOut out(j);
  fields::Unsealed(e, out);
  // Stored text is not guaranteed to be UTF-8 (a User-Agent header can carry any bytes); the
  // rendering, and so the hash, must still exist and be servable.
  SanitizeJson(j);
  return j;
}

json ToJson(const Event& e) {
  json j = ToJsonUnsealed(e);
  j["prev_hash"] = ToHex(e.prev_hash);
  j["hash"] = ToHex(e.hash);
  j["org_prev_hash"] = ToHex(e.org_prev_hash);
  j["org_hash"] = ToHex(e.org_hash);
  return j;
}

}  // namespace kl::events
