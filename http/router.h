// Method + path-pattern dispatch ("/v1/orgs/{org}/api-keys/{id}"). Unknown paths are 404,
// known paths with another method 405: every method resolves, nothing races (unlike
// Pistache's router with unregistered methods).
#pragma once
#include <string>
#include <vector>

#include "http/context.h"

namespace kl::http {

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;  // null: see path_known
    bool path_known = false;                // the path exists with other methods (405)
    std::vector<std::string> allowed;       // those methods, for the 405's Allow header
    std::string pattern;
  };
  // Fills ctx.params on a match.
  Match Find(RequestContext& ctx) const;
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace kl::http
