// docs/openapi.yaml against the router: the document lists every (method, path) the server
// routes and nothing else, and GET /v1/openapi.json serves exactly the embedded document.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "generated/openapi_json.h"
#include "http/routes.h"

using namespace kl::http;
using nlohmann::json;

namespace {

// "/v1/orgs/{org}/api-keys/{id}" -> "/v1/orgs/{}/api-keys/{}": parameter names are the
// document's and the router's own business; their positions must agree.
std::string Shape(const std::string& pattern) {
  std::string out;
  for (const std::string& seg : SplitPath(pattern)) {
    bool param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    out += "/" + (param ? std::string("{}") : seg);
  }
  return out.empty() ? "/" : out;
}

std::set<std::string> RouterRoutes(const Router& router) {
  std::set<std::string> out;
  for (const auto& [method, pattern] : router.Routes()) out.insert(method + " " + Shape(pattern));
  return out;
}

std::set<std::string> DocumentRoutes(const json& doc) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [key, op] : item.items())
      if (kMethods.count(key)) {
        std::string method = key;
        for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.insert(method + " " + Shape(path));
      }
  return out;
}

std::string Join(const std::set<std::string>& s) {
  std::ostringstream os;
  for (const auto& x : s) os << "\n  " << x;
  return os.str();
}

}  // namespace

TEST_CASE("the OpenAPI document lists exactly the routes the router serves", "[http][openapi]") {
  Services services;  // handlers are never invoked here
  Router router;
  RegisterAllRoutes(router, services);
  std::set<std::string> served = RouterRoutes(router);
  std::set<std::string> documented = DocumentRoutes(json::parse(kOpenApiJson));
  REQUIRE_FALSE(served.empty());

  std::set<std::string> undocumented, unserved;
  for (const auto& r : served)
    if (!documented.count(r)) undocumented.insert(r);
  for (const auto& r : documented)
    if (!served.count(r)) unserved.insert(r);
  INFO("served but not in docs/openapi.yaml:" << Join(undocumented));
  INFO("in docs/openapi.yaml but not served:" << Join(unserved));
  CHECK(undocumented.empty());
  CHECK(unserved.empty());
}

TEST_CASE("GET /v1/openapi.json serves the embedded OpenAPI 3.1 document", "[http][openapi]") {
  Services services;
  Router router;
  RegisterAllRoutes(router, services);
  auto ctx = std::make_shared<RequestContext>();
  ctx->method = "GET";
  ctx->path = "/v1/openapi.json";
  auto match = router.Find(*ctx);
  REQUIRE(match.handler);

  std::optional<Reply> reply;
  (*match.handler)(ctx, [&](Reply r) { reply = std::move(r); });
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->content_type == "application/json");
  json doc = json::parse(reply->body);
  CHECK(doc == json::parse(kOpenApiJson));
  CHECK(doc.at("openapi") == "3.1.0");
  CHECK(doc.at("components").at("securitySchemes").at("bearerAuth").at("scheme") == "bearer");
}

TEST_CASE("every documented operation answers with the error envelope for its 4xx", "[http][openapi]") {
  // A reader relies on the shared error responses: each operation's 4xx points at one of them.
  json doc = json::parse(kOpenApiJson);
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("responses")) continue;
      for (const auto& [status, response] : op.at("responses").items()) {
        if (status.size() != 3 || status[0] != '4') continue;
        INFO(method << " " << path << " " << status);
        REQUIRE(response.contains("$ref"));
        CHECK(response.at("$ref").get<std::string>().rfind("#/components/responses/", 0) == 0);
      }
    }
}
