#include "http/render.h"

#include "domain/role.h"
#include "domain/time.h"
#include "http/json_writer.h"

#include <charconv>
#include <memory>
#include <unordered_map>

namespace kl::http {

using nlohmann::json;

namespace {

// The key fields that change without a new key version: usage, live credits, and the status
// (an expiry passes with time).
enum class Hole { kCreditsRemaining, kLastUsedAt, kLastUsedIp, kLastUsedUserAgent, kStatus, kUsageCount };

// A key object rendered once per key version: the text between the holes, in order.
struct KeyTemplate {
  std::vector<std::string> segments;  // holes.size() + 1 of them
  std::vector<Hole> holes;
};

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
  // The fields a validation answer fills per request (see KeyTemplate): here, plain values.
  void DynInt(Hole, int64_t v) { Int(v); }
  void DynStr(Hole, const std::optional<std::string>& v) { v ? Str(*v) : Null(); }
  void DynTime(Hole, const std::optional<Millis>& v) { v ? Time(*v) : Null(); }
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
  void Key(const char* k) { w_.PlainKey(k); }  // render.cc's keys are all literals
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
  void DynInt(Hole, int64_t v) { Int(v); }
  void DynStr(Hole, const std::optional<std::string>& v) { v ? Str(*v) : Null(); }
  void DynTime(Hole, const std::optional<Millis>& v) { v ? Time(*v) : Null(); }
  void BeginObject() { w_.StartObject(); }
  void EndObject() { w_.EndObject(); }

 protected:
  JsonWriter& w_;
};

// Renders a key's static fields once; each dynamic field becomes a hole filled per answer.
class TemplateSink : public WriterSink {
 public:
  TemplateSink(JsonWriter& w, KeyTemplate& t) : WriterSink(w), t_(t) {}
  void DynInt(Hole h, int64_t) { Cut(h); }
  void DynStr(Hole h, const std::optional<std::string>&) { Cut(h); }
  void DynTime(Hole h, const std::optional<Millis>&) { Cut(h); }
  void Finish() { t_.segments.push_back(w_.str().substr(taken_)); }

 private:
  void Cut(Hole h) {
    t_.segments.push_back(w_.str().substr(taken_));
    t_.holes.push_back(h);
    w_.Raw("");  // the value is written later; the writer's comma state moves on as if it were
    taken_ = w_.str().size();
  }
  KeyTemplate& t_;
  size_t taken_ = 0;
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
// `effective` (when given) is rendered as effective_permissions (docs/access.md).
template <typename Sink>
void EmitKeyFields(Sink& out, const KeyState& k, Millis now, const projections::KeyUsageView* usage,
                   const std::vector<std::string>* effective = nullptr) {
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
    out.DynInt(Hole::kCreditsRemaining,
               usage && usage->credits_remaining ? *usage->credits_remaining : k.credits->remaining);
    out.EndObject();
  } else {
    out.Null();
  }
  OptStr(out, "description", k.description);
  if (effective) out.Key("effective_permissions"), out.Strings(*effective);
  out.Key("enabled"), out.Bool(k.enabled);
  out.Key("environment"), out.Str(k.environment);
  OptTime(out, "expired_at", k.expired_at);
  OptTime(out, "expires_at", k.expires_at);
  out.Key("id"), out.Str(k.id);
  out.Key("ip_allowlist"), out.Strings(k.ip_allowlist);
  out.Key("last_used_at"), out.DynTime(Hole::kLastUsedAt, usage ? usage->last_used_at : k.last_used_at);
  out.Key("last_used_ip"), out.DynStr(Hole::kLastUsedIp, usage ? usage->last_used_ip : k.last_used_ip);
  out.Key("last_used_user_agent");
  out.DynStr(Hole::kLastUsedUserAgent, usage ? usage->last_used_user_agent : k.last_used_user_agent);
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
  out.Key("roles"), out.Strings(k.roles);
  OptStr(out, "rotated_from", k.rotated_from);
  OptStr(out, "rotated_to", k.rotated_to);
  out.Key("status"), out.DynStr(Hole::kStatus, k.StatusAt(now));
  out.Key("updated_at"), out.Time(k.updated_at);
  out.Key("usage_count"), out.DynInt(Hole::kUsageCount, usage ? usage->usage_count : k.usage_count);
  out.Key("version"), out.Int(static_cast<int64_t>(k.version));
}

KeyTemplate MakeTemplate(const KeyState& k) {
  KeyTemplate t;
  JsonWriter w(1024);
  TemplateSink out(w, t);
  w.StartObject();
  EmitKeyFields(out, k, 0, nullptr);
  w.EndObject();
  out.Finish();
  return t;
}

// Appends one hole's value as JSON text.
void FillHole(std::string& out, Hole h, const KeyState& k, Millis now, const projections::KeyUsageView* usage) {
  auto integer = [&out](int64_t v) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  auto text = [&out](const std::optional<std::string>& v) {
    if (!v) return void(out.append("null"));
    out.push_back('"');
    AppendJsonEscaped(*v, out);
    out.push_back('"');
  };
  switch (h) {
    case Hole::kCreditsRemaining:
      return integer(usage && usage->credits_remaining ? *usage->credits_remaining
                                                       : (k.credits ? k.credits->remaining : 0));
    case Hole::kLastUsedAt: {
      auto t = usage ? usage->last_used_at : k.last_used_at;
      if (!t) return void(out.append("null"));
      char buf[32];
      out.push_back('"');
      out.append(buf, FormatTimeTo(*t, buf));
      out.push_back('"');
      return;
    }
    case Hole::kLastUsedIp: return text(usage ? usage->last_used_ip : k.last_used_ip);
    case Hole::kLastUsedUserAgent: return text(usage ? usage->last_used_user_agent : k.last_used_user_agent);
    case Hole::kStatus: return text(k.StatusAt(now));
    case Hole::kUsageCount: return integer(usage ? usage->usage_count : k.usage_count);
  }
}

// Per reactor thread, templates of the keys validated lately. An entry is keyed by the state
// object's address and holds a weak reference to it: while that object lives, the address is
// its own, and a key's new version is a new object (a miss, rendered afresh).
const KeyTemplate& TemplateFor(const std::shared_ptr<const KeyState>& key) {
  struct Entry {
    std::weak_ptr<const KeyState> owner;
    KeyTemplate t;
  };
  thread_local std::unordered_map<const KeyState*, Entry> cache;
  auto it = cache.find(key.get());
  // A live owner at this address is this very object (two live objects cannot share an address);
  // expired() only reads the count, where lock() would write to a line the other threads share.
  if (it != cache.end() && !it->second.owner.expired()) return it->second.t;
  if (cache.size() >= 4096) cache.clear();  // a bound, not an LRU: refilling is cheap
  Entry& e = cache[key.get()];
  e.owner = key;
  e.t = MakeTemplate(*key);
  return e.t;
}

}  // namespace

json RenderKey(const KeyState& k, Millis now, const OrgState* org) {
  DomSink out;
  std::optional<std::vector<std::string>> effective;
  if (org) effective = EffectivePermissions(k, *org);
  EmitKeyFields(out, k, now, nullptr, effective ? &*effective : nullptr);
  return std::move(out.value);
}

json RenderOrg(const OrgState& o) {
  return json{{"id", o.id},
              {"name", o.name},
              {"status", o.status},
              {"created_at", FormatTime(o.created_at)},
              {"updated_at", FormatTime(o.updated_at)}};
}

std::string SerializeIssuedKey(const KeyState& k, const std::string& value, Millis now, const OrgState* org) {
  JsonWriter w(2048);
  WriterSink out(w);
  std::optional<std::vector<std::string>> effective;
  if (org) effective = EffectivePermissions(k, *org);
  w.StartObject();
  w.PlainKey("api_key");
  w.StartObject();
  EmitKeyFields(out, k, now, nullptr, effective ? &*effective : nullptr);
  w.EndObject();
  w.PlainKey("value");
  w.String(value);
  w.EndObject();
  return w.Take();
}

std::string SerializeValidation(const ValidationAnswer& a, Millis now) {
  JsonWriter w(2048);
  WriterSink out(w);
  w.StartObject();
  w.PlainKey("api_key");
  if (a.key) {
    const KeyTemplate& t = TemplateFor(a.key);
    w.Raw("");  // one value follows, appended in pieces
    std::string& out = w.Buffer();
    for (size_t i = 0; i < t.holes.size(); ++i) {
      out.append(t.segments[i]);
      FillHole(out, t.holes[i], *a.key, now, a.usage);
    }
    out.append(t.segments.back());
  } else {
    w.Null();
  }
  w.PlainKey("code");
  w.String(ValidationCodeName(a.code));
  if (a.credits_remaining) w.PlainKey("credits_remaining"), w.Int64(*a.credits_remaining);
  if (a.permissions && !a.permissions->satisfied) {
    w.PlainKey("failed_clause"), w.String(a.permissions->failed_clause);
    w.PlainKey("missing"), out.Strings(a.permissions->missing);
  }
  if (a.ratelimit) {
    w.PlainKey("ratelimit");
    w.StartObject();
    w.PlainKey("limit"), w.Int64(a.ratelimit->limit);
    w.PlainKey("remaining"), w.Int64(a.ratelimit->remaining);
    out.Key("reset_at"), out.Time(a.ratelimit->reset_at);
    w.EndObject();
  }
  w.PlainKey("valid");
  w.Bool(a.code == ValidationCode::kValid);
  w.EndObject();
  return w.Take();
}

}  // namespace kl::http
