#include "http/render.h"

#include "domain/time.h"
#include "http/json_writer.h"

namespace kl::http {

using nlohmann::json;

namespace {

// Builds an nlohmann DOM.
class DomSink {
 public:
  json value = json::object();
  void Key(const char* k) { key_ = k; }
  void Null() { Put(nullptr); }
  void Str(const std::string& s) { Put(s); }
  void Int(int64_t v) { Put(v); }
  void Bool(bool v) { Put(v); }
  void Time(Millis t) { Put(FormatTime(t)); }
  void Strings(const std::vector<std::string>& v) { Put(v); }
  void Raw(const json& j) { Put(j); }
  void BeginObject() {
    stack_.push_back({key_, std::move(value)});
    value = json::object();
  }
  void EndObject() {
    json done = std::move(value);
    value = std::move(stack_.back().second);
    key_ = stack_.back().first;
    stack_.pop_back();
    Put(std::move(done));
  }

 private:
  void Put(json v) { value[key_] = std::move(v); }
  const char* key_ = "";
  std::vector<std::pair<const char*, json>> stack_;
};

// Streams JSON text: no DOM, one growing buffer.
class WriterSink {
 public:
  explicit WriterSink(JsonWriter& w) : w_(w) {}
  void Key(const char* k) { w_.Key(k); }
  void Null() { w_.Null(); }
  void Str(const std::string& s) { w_.String(s); }
  void Int(int64_t v) { w_.Int64(v); }
  void Bool(bool v) { w_.Bool(v); }
  void Time(Millis t) {
    char buf[32];
    w_.String(std::string_view(buf, FormatTimeTo(t, buf)));
  }
  void Strings(const std::vector<std::string>& v) {
    w_.StartArray();
    for (const auto& s : v) w_.String(s);
    w_.EndArray();
  }
  void Raw(const json& j) {
    if (j.is_object() && j.empty()) return w_.Raw("{}");
    w_.Raw(j.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  void BeginObject() { w_.StartObject(); }
  void EndObject() { w_.EndObject(); }

 private:
  JsonWriter& w_;
};

template <typename Sink>
void OptStr(Sink& out, const char* k, const std::optional<std::string>& v) {
  out.Key(k);
  v ? out.Str(*v) : out.Null();
}
template <typename Sink>
void OptTime(Sink& out, const char* k, const std::optional<Millis>& v) {
  out.Key(k);
  v ? out.Time(*v) : out.Null();
}
template <typename Sink>
void ActorObject(Sink& out, const char* k, const std::string& type, const std::string& id) {
  out.Key(k);
  out.BeginObject();
  out.Key("id"), out.Str(id);
  out.Key("type"), out.Str(type);
  out.EndObject();
}

// The key object's fields, in sorted order. `usage` replaces the projection's usage fields.
template <typename Sink>
void EmitKeyFields(Sink& out, const KeyState& k, Millis now, const projections::KeyUsageView* usage) {
  out.Key("created_at"), out.Time(k.created_at);
  ActorObject(out, "created_by", k.created_by.type, k.created_by.id);
  out.Key("credits");
  if (k.credits) {
    out.BeginObject();
    out.Key("refill");
    if (k.credits->refill) {
      out.BeginObject();
      out.Key("amount"), out.Int(k.credits->refill->amount);
      out.Key("interval"), out.Str(k.credits->refill->interval);
      out.EndObject();
    } else {
      out.Null();
    }
    out.Key("remaining");
    out.Int(usage && usage->credits_remaining ? *usage->credits_remaining : k.credits->remaining);
    out.EndObject();
  } else {
    out.Null();
  }
  OptStr(out, "description", k.description);
  out.Key("enabled"), out.Bool(k.enabled);
  out.Key("environment"), out.Str(k.environment);
  OptTime(out, "expired_at", k.expired_at);
  OptTime(out, "expires_at", k.expires_at);
  out.Key("id"), out.Str(k.id);
  out.Key("ip_allowlist"), out.Strings(k.ip_allowlist);
  OptTime(out, "last_used_at", usage ? usage->last_used_at : k.last_used_at);
  OptStr(out, "last_used_ip", usage ? usage->last_used_ip : k.last_used_ip);
  OptStr(out, "last_used_user_agent", usage ? usage->last_used_user_agent : k.last_used_user_agent);
  out.Key("metadata"), out.Raw(k.metadata);
  out.Key("name"), out.Str(k.name);
  out.Key("obfuscated_value"), out.Str(k.obfuscated_value);
  out.Key("org_id"), out.Str(k.org_id);
  ActorObject(out, "owner", k.owner.type, k.owner.id);
  out.Key("permission_set"), out.Str(k.permission_set);
  out.Key("permissions"), out.Strings(k.permissions);
  out.Key("prefix"), out.Str(k.prefix);
  OptStr(out, "project_id", k.project_id);
  out.Key("ratelimit");
  if (k.ratelimit) {
    out.BeginObject();
    out.Key("limit"), out.Int(k.ratelimit->limit);
    out.Key("window_ms"), out.Int(k.ratelimit->window_ms);
    out.EndObject();
  } else {
    out.Null();
  }
  OptStr(out, "revoke_reason", k.revoke_reason);
  OptTime(out, "revoked_at", k.revoked_at);
  OptStr(out, "rotated_from", k.rotated_from);
  OptStr(out, "rotated_to", k.rotated_to);
  out.Key("status"), out.Str(k.StatusAt(now));
  out.Key("updated_at"), out.Time(k.updated_at);
  out.Key("usage_count"), out.Int(usage ? usage->usage_count : k.usage_count);
  out.Key("version"), out.Int(static_cast<int64_t>(k.version));
}

}  // namespace

json RenderKey(const KeyState& k, Millis now) {
  DomSink out;
  EmitKeyFields(out, k, now, nullptr);
  return std::move(out.value);
}

json RenderOrg(const OrgState& o) {
  return json{{"id", o.id},
              {"name", o.name},
              {"status", o.status},
              {"created_at", FormatTime(o.created_at)},
              {"updated_at", FormatTime(o.updated_at)}};
}

std::string SerializeValidation(const ValidationAnswer& a, Millis now) {
  JsonWriter w(2048);
  WriterSink out(w);
  w.StartObject();
  w.Key("api_key");
  if (a.key) {
    w.StartObject();
    EmitKeyFields(out, *a.key, now, a.usage);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("code");
  w.String(ValidationCodeName(a.code));
  if (a.credits_remaining) w.Key("credits_remaining"), w.Int64(*a.credits_remaining);
  if (a.ratelimit) {
    w.Key("ratelimit");
    w.StartObject();
    w.Key("limit"), w.Int64(a.ratelimit->limit);
    w.Key("remaining"), w.Int64(a.ratelimit->remaining);
    out.Key("reset_at"), out.Time(a.ratelimit->reset_at);
    w.EndObject();
  }
  w.Key("valid");
  w.Bool(a.code == ValidationCode::kValid);
  w.EndObject();
  return w.Take();
}

}  // namespace kl::http
