// MakeCanonicalTemplate (chain.h), written straight from the event. Building the JSON object and
// then canonicalising it took 7.5 us per created key, on the request's thread: a tenth of all
// the CPU a durable create costs. The members come from the same description as the JSON object
// (event_fields.h); chain_test and the event_codec fuzz target check the bytes are the same.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "domain/time.h"
#include "events/canonical_json.h"
#include "events/chain.h"
#include "events/event_fields.h"
#include "events/sanitize.h"

namespace kl::events {

namespace {

// Renders an object's members one after another into one buffer, then writes them in RFC 8785
// order. Member names are ASCII literals, whose byte order is their UTF-16 order.
class CanonicalOut {
 public:
  // With `holes`, the members "recorded_at" and "seq" are left open (the template's gaps).
  explicit CanonicalOut(bool holes = false) : holes_(holes) {}

  void Str(const char* name, const std::string& v) {
    Put(name, [&](std::string& out) { AppendCanonicalText(v, out); });
  }
  void OptStr(const char* name, const std::optional<std::string>& v) {
    if (v) Str(name, *v);
    else Null(name);
  }
  void Null(const char* name) {
    Put(name, [](std::string& out) { out += "null"; });
  }
  void Int(const char* name, int64_t v) { Integer(name, v, v >= -(int64_t{1} << 53) && v <= (int64_t{1} << 53)); }
  void Uint(const char* name, uint64_t v) { Integer(name, v, v <= (uint64_t{1} << 53)); }
  void Bool(const char* name, bool v) {
    Put(name, [&](std::string& out) { out += v ? "true" : "false"; });
  }
  void Time(const char* name, Millis t) {
    if (Hole(name)) return;
    Put(name, [&](std::string& out) { AppendCanonicalText(FormatTime(t), out); });
  }
  void OptTime(const char* name, const std::optional<Millis>& t) {
    if (t) Time(name, *t);
    else Null(name);
  }
  void Strings(const char* name, const std::vector<std::string>& v) {
    Put(name, [&](std::string& out) {
      out.push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendCanonicalText(v[i], out);
      }
      out.push_back(']');
    });
  }
  void Json(const char* name, const nlohmann::json& v) {
    Put(name, [&](std::string& out) {
      if (v.is_object() && v.empty()) {
        out += "{}";  // most keys' metadata: no copy
        return;
      }
      nlohmann::json sanitized = v;
      SanitizeJson(sanitized);
      out += Canonicalize(sanitized);
    });
  }
  template <typename Fill>
  void Object(const char* name, Fill&& fill) {
    CanonicalOut nested;
    fill(nested);
    Put(name, [&](std::string& out) { nested.WriteTo({&out}); });
  }

  // Appends `{...}` to *parts[0], moving on to the next part after each open member's colon.
  void WriteTo(const std::vector<std::string*>& parts) {
    std::sort(members_.begin(), members_.end(),
              [](const Member& a, const Member& b) { return std::strcmp(a.name, b.name) < 0; });
    size_t part = 0;
    std::string* out = parts[0];
    out->push_back('{');
    for (size_t i = 0; i < members_.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendCanonicalText(members_[i].name, *out);
      out->push_back(':');
      if (members_[i].hole) {
        out = parts.at(++part);
      } else {
        out->append(rendered_, members_[i].begin, members_[i].end - members_[i].begin);
      }
    }
    out->push_back('}');
  }

 private:
  struct Member {
    const char* name;
    size_t begin = 0, end = 0;  // the value's bytes in rendered_
    bool hole = false;
  };

  template <typename Write>
  void Put(const char* name, Write&& write) {
    size_t begin = rendered_.size();
    write(rendered_);
    members_.push_back(Member{name, begin, rendered_.size()});
  }
  bool Hole(const char* name) {
    if (!holes_ || (std::strcmp(name, "recorded_at") != 0 && std::strcmp(name, "seq") != 0)) return false;
    members_.push_back(Member{name, 0, 0, true});
    return true;
  }
  template <typename T>
  void Integer(const char* name, T v, bool exact) {
    if (Hole(name)) return;
    Put(name, [&](std::string& out) {
      if (!exact) {
        out += Canonicalize(nlohmann::json(v));  // as ECMAScript prints the nearest double
        return;
      }
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    });
  }

  bool holes_;
  std::string rendered_;
  std::vector<Member> members_;
};

}  // namespace

CanonicalTemplate MakeCanonicalTemplate(const Event& event) {
  CanonicalOut out(/*holes=*/true);
  fields::Unsealed(event, out);
  CanonicalTemplate t;
  out.WriteTo({&t.before_recorded_at, &t.before_seq, &t.after_seq});
  return t;
}

}  // namespace kl::events
