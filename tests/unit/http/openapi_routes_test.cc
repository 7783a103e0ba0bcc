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

namespace {

// Follows local $refs ("#/components/schemas/X").
const json& Resolve(const json& doc, const json& node) {
  const json* at = &node;
  while (at->is_object() && at->contains("$ref")) {
    std::string ref = at->at("$ref");
    at = &doc.at(json::json_pointer(ref.substr(1)));
  }
  return *at;
}

// The object schema a property stands for, through $ref, allOf, a nullable oneOf and an array's
// items (a BodyShape checks each object of an array member); null when it is not an object with
// listed properties (a scalar, an array of scalars, free-form `metadata`).
const json* ObjectSchema(const json& doc, const json& property) {
  const json& p = Resolve(doc, property);
  if (p.contains("properties")) return &p;
  if (p.value("type", json()) == "array" && p.contains("items")) return ObjectSchema(doc, p.at("items"));
  for (const char* combinator : {"allOf", "oneOf", "anyOf"})
    if (p.contains(combinator))
      for (const auto& part : p.at(combinator))
        if (const json* inner = ObjectSchema(doc, part)) return inner;
  return nullptr;
}

std::set<std::string> Names(const std::vector<std::string_view>& names) { return {names.begin(), names.end()}; }

// The shape's members are the schema's properties, level by level, and the schema is closed
// wherever the shape is checked.
void CheckShape(const json& doc, const json& schema, const BodyShape& shape, const std::string& where) {
  INFO(where);
  CHECK(schema.value("additionalProperties", true) == false);
  std::set<std::string> documented;
  for (const auto& [name, property] : schema.at("properties").items()) documented.insert(name);
  std::vector<std::string_view> declared;
  for (const auto& m : shape.members) declared.push_back(m.name);
  CHECK(Names(declared) == documented);
  for (const auto& m : shape.members) {
    std::string name(m.name);
    if (!schema.at("properties").contains(name)) continue;
    const json* nested = ObjectSchema(doc, schema.at("properties").at(name));
    INFO("member " << name);
    CHECK((nested != nullptr) == (m.nested != nullptr));  // fixed shapes are checked, free-form ones not
    if (nested && m.nested) CheckShape(doc, *nested, *m.nested, where + "." + name);
  }
}

std::set<std::string> DocumentedQuery(const json& doc, const json& item, const json& op) {
  std::set<std::string> out;
  for (const json* list : {&item, &op})
    if (list->contains("parameters"))
      for (const auto& p : list->at("parameters")) {
        const json& param = Resolve(doc, p);
        if (param.at("in") == "query") out.insert(param.at("name").get<std::string>());
      }
  return out;
}

}  // namespace

TEST_CASE("every /v1 route declares the query and body the document describes", "[http][openapi][strict]") {
  Services services;  // handlers are never invoked here
  Router router;
  RegisterAllRoutes(router, services);
  json doc = json::parse(kOpenApiJson);
  int checked = 0;
  for (const auto& [method, pattern] : router.Routes()) {
    if (pattern.rfind("/v1/", 0) != 0) continue;
    INFO(method << " " << pattern);
    const RouteInput* input = router.InputOf(method, pattern);
    REQUIRE(input);  // every /v1 route says what it reads
    std::string lower = method;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const json* item = nullptr;
    for (const auto& [path, candidate] : doc.at("paths").items())
      if (Shape(path) == Shape(pattern)) item = &candidate;
    REQUIRE(item);
    const json& op = item->at(lower);
    CHECK(Names(input->query) == DocumentedQuery(doc, *item, op));
    bool documented_body = op.contains("requestBody");
    CHECK(documented_body == (input->body != nullptr));
    if (documented_body && input->body) {
      json schema = Resolve(doc, op.at("requestBody").at("content").at("application/json").at("schema"));
      if (schema.value("type", "") == "array") schema = Resolve(doc, schema.at("items"));
      CheckShape(doc, schema, *input->body, method + " " + pattern);
    }
    ++checked;
  }
  CHECK(checked >= 25);
}
