#include <catch2/catch.hpp>

#include "http/router.h"
#include "http/server.h"

using namespace kl::http;

TEST_CASE("the router binds path parameters and tells 404 from 405", "[http]") {
  Router r;
  int hit = 0;
  r.Add("GET", "/v1/orgs/{org}/api-keys/{id}", [&](auto, Respond) { hit = 1; });
  r.Add("DELETE", "/v1/orgs/{org}/api-keys/{id}", [&](auto, Respond) { hit = 2; });
  r.Add("GET", "/v1/orgs/{org}", [&](auto, Respond) { hit = 3; });
  // Runs the handler a Find matched and says which one it was.
  auto run = [&](const Router::Match& m) {
    hit = 0;
    (*m.handler)(std::make_shared<RequestContext>(), [](Reply) {});
    return hit;
  };

  RequestContext get;
  get.method = "GET";
  get.path = "/v1/orgs/acme/api-keys/key_1";
  auto m = r.Find(get);
  REQUIRE(m.handler);
  CHECK(run(m) == 1);
  CHECK(m.pattern == "/v1/orgs/{org}/api-keys/{id}");
  CHECK(get.params.at("org") == "acme");
  CHECK(get.params.at("id") == "key_1");

  RequestContext del;
  del.method = "DELETE";
  del.path = "/v1/orgs/acme/api-keys/key_2";
  auto m_delete = r.Find(del);
  REQUIRE(m_delete.handler);
  CHECK(run(m_delete) == 2);  // the same path, the handler of the request's method
  CHECK(del.params.at("id") == "key_2");

  RequestContext org;
  org.method = "GET";
  org.path = "/v1/orgs/acme/";  // a trailing slash is the same path
  auto m_org = r.Find(org);
  REQUIRE(m_org.handler);
  CHECK(run(m_org) == 3);  // a shorter path does not match the longer pattern
  CHECK(org.params == std::map<std::string, std::string>{{"org", "acme"}});

  RequestContext put;
  put.method = "PUT";
  put.path = "/v1/orgs/acme/api-keys/key_1";
  auto m405 = r.Find(put);
  CHECK_FALSE(m405.handler);
  CHECK(m405.path_known);
  CHECK(m405.allowed == std::vector<std::string>{"GET", "DELETE"});
  CHECK(put.params.empty());  // nothing is bound without a match

  RequestContext other;
  other.method = "GET";
  other.path = "/v1/nothing";
  auto m404 = r.Find(other);
  CHECK_FALSE(m404.handler);
  CHECK_FALSE(m404.path_known);
  CHECK(m404.allowed.empty());

  RequestContext literal;
  literal.method = "GET";
  literal.path = "/v1/teams/acme/api-keys/key_1";  // a literal segment must match exactly
  CHECK_FALSE(r.Find(literal).path_known);
}

TEST_CASE("Dispatch turns a throwing handler into a 500 envelope without the cause", "[http]") {
  Router r;
  r.Add("GET", "/boom", [](auto, Respond) { throw std::runtime_error("secret detail"); });
  auto ctx = std::make_shared<RequestContext>();
  ctx->method = "GET";
  ctx->path = "/boom";
  ctx->request_id = "rid";
  Reply got;
  Dispatch(r, ctx, [&](Reply reply) { got = std::move(reply); });
  CHECK(got.status == 500);
  auto body = nlohmann::json::parse(got.body);
  CHECK(body["error"]["code"] == "internal");
  CHECK(body["error"]["request_id"] == "rid");
  CHECK(got.body.find("secret detail") == std::string::npos);

  ctx->path = "/nope";
  Dispatch(r, ctx, [&](Reply reply) { got = std::move(reply); });
  CHECK(got.status == 404);
  ctx->path = "/boom";
  ctx->method = "POST";
  Dispatch(r, ctx, [&](Reply reply) { got = std::move(reply); });
  CHECK(got.status == 405);
  bool allow_listed = false;
  for (const auto& [name, value] : got.headers) allow_listed |= (name == "Allow" && value == "GET");
  CHECK(allow_listed);
}

TEST_CASE("query text is percent-decoded; malformed escapes and '+' stay as sent") {
  using kl::http::PercentDecode;
  CHECK(PercentDecode("2100-01-01T00%3A00%3A00%2B02%3A00") == "2100-01-01T00:00:00+02:00");
  CHECK(PercentDecode("OrgCreated%2cKeyCreated") == "OrgCreated,KeyCreated");
  CHECK(PercentDecode("a+b") == "a+b");
  CHECK(PercentDecode("100%") == "100%");
  CHECK(PercentDecode("%zz%4") == "%zz%4");
  CHECK(PercentDecode("%00x") == std::string("\0x", 2));
}

TEST_CASE("a last segment {rest*} takes every remaining segment, and routes record their input", "[http]") {
  Router r;
  int hit = 0;
  r.Add("GET", "/v1/authz", RouteInput{{"permissions"}}, [&](auto, Respond) { hit = 1; });
  r.Add("GET", "/v1/authz/{path*}", RouteInput{}, [&](auto, Respond) { hit = 2; });
  auto find = [&](const std::string& path, RequestContext& ctx) {
    ctx.method = "GET";
    ctx.path = path;
    return r.Find(ctx);
  };

  RequestContext exact;
  auto m = find("/v1/authz", exact);
  REQUIRE(m.handler);
  (*m.handler)(std::make_shared<RequestContext>(), [](Reply) {});
  CHECK(hit == 1);
  REQUIRE(exact.input);
  CHECK(exact.input->query == QueryShape{"permissions"});
  CHECK(exact.params.empty());

  RequestContext deep;
  m = find("/v1/authz/posts/42/comments", deep);
  REQUIRE(m.handler);
  (*m.handler)(std::make_shared<RequestContext>(), [](Reply) {});
  CHECK(hit == 2);
  CHECK(m.pattern == "/v1/authz/{path*}");
  CHECK(deep.params.at("path") == "posts/42/comments");
  CHECK(deep.input == r.InputOf("GET", "/v1/authz/{path*}"));

  RequestContext one;
  REQUIRE(find("/v1/authz/x", one).handler);
  CHECK(one.params.at("path") == "x");
  RequestContext other;
  CHECK_FALSE(find("/v1/authzx/y", other).handler);
  // A route that declared nothing has no input.
  r.Add("GET", "/healthz", [](auto, Respond) {});
  RequestContext health;
  REQUIRE(find("/healthz", health).handler);
  CHECK(health.input == nullptr);
  CHECK(r.InputOf("GET", "/healthz") == nullptr);
}
