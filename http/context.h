// One request as the routes see it: copied out of Pistache so routes are plain C++ and can
// finish on another thread (the log's writer) after the handler has returned.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/key.h"
#include "http/reply.h"

namespace kl::http {

struct Principal {
  // kWidget: a widget token (docs/widgets.md), accepted only by the widget's own routes.
  enum class Kind { kNone, kAdmin, kApiKey, kWidget } kind = Kind::kNone;
  // For kApiKey: the management key's state as it authenticated (shared with the read caches,
  // not copied: authentication is on every request).
  std::shared_ptr<const KeyState> key;

  // For kWidget: the token's id and its user (empty: none named); the org is widget_org_id.
  std::string widget_token_id;
  std::string widget_user_id;
  std::string widget_org_id;
  std::vector<std::string> widget_scopes;

  const std::string& key_id() const { return key ? key->id : Empty(); }
  // For kApiKey: the only org it may act on.
  const std::string& org_id() const { return key ? key->org_id : Empty(); }
  const std::vector<std::string>& permissions() const {
    static const std::vector<std::string> kNone;
    return key ? key->permissions : kNone;
  }

 private:
  static const std::string& Empty() {
    static const std::string kEmpty;
    return kEmpty;
  }
};

struct AuthMemo;    // http/auth.h
struct RouteInput;  // http/input_shape.h

struct RequestContext {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // path parameters ({org}, {id})
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names, as received
  std::string body;
  std::string request_id;
  std::string peer_ip;
  std::string route = "unmatched";  // "METHOD /pattern" once routed, for metrics
  // What the matched route declared it reads (null: nothing declared, as outside /v1).
  const RouteInput* input = nullptr;
  Principal principal;
  // The connection's memo of its last authentication (null: none kept, e.g. in tests).
  std::shared_ptr<AuthMemo> auth_memo;

  // The first field of that name (a handful per request: a scan beats a map).
  std::optional<std::string_view> HeaderView(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name) return std::string_view(value);
    return std::nullopt;
  }
  std::optional<std::string> Header(std::string_view lower_name) const {
    auto v = HeaderView(lower_name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }
  std::optional<std::string> Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

// Sends the reply; callable from any thread, exactly once.
using Respond = std::function<void(Reply)>;
using RouteHandler = std::function<void(std::shared_ptr<RequestContext>, Respond)>;

}  // namespace kl::http
