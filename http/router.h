// Method + path-pattern dispatch ("/v1/orgs/{org}/api-keys/{id}"; a last segment "{rest*}"
// takes every remaining segment, one or more, joined by "/"). Unknown paths are 404,
// known paths with another method 405: every method resolves, nothing races (unlike
// Pistache's router with unregistered methods).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "http/context.h"
#include "http/input_shape.h"

namespace kl::http {

class Router {
 public:
  // A route that declares what it reads (every /v1 route): its query parameters and body shape,
  // which the route helpers hold requests to (http/route_helpers.h).
  void Add(const std::string& method, const std::string& pattern, RouteInput input, RouteHandler handler);
  // A route outside /v1 (health, metrics, console), which declares nothing.
  void Add(const std::string& method, const std::string& pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;  // null: see path_known
    bool path_known = false;                // the path exists with other methods (405)
    std::vector<std::string> allowed;       // those methods, for the 405's Allow header
    std::string pattern;
  };
  // Fills ctx.params and ctx.input on a match.
  Match Find(RequestContext& ctx) const;
  std::vector<std::pair<std::string, std::string>> Routes() const;
  // What a route declared it reads; null when it declared nothing or is not a route.
  const RouteInput* InputOf(const std::string& method, const std::string& pattern) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    std::optional<RouteInput> input;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace kl::http
