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

#include "http/reply.h"

namespace kl::http {

struct Principal {
  enum class Kind { kNone, kAdmin, kApiKey } kind = Kind::kNone;
  std::string key_id;  // for kApiKey
  std::string org_id;  // for kApiKey: the only org it may act on
  std::vector<std::string> permissions;
};

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
  Principal principal;

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
