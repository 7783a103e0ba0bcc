// CORS of the widget routes (docs/widgets.md, CORS).
#include <catch2/catch.hpp>

#include "http/compat/widgets/widget_cors.h"

using namespace kl::http;
using namespace kl::http::widgets;

namespace {
RequestContext Ask(std::vector<std::pair<std::string, std::string>> headers) {
  RequestContext ctx;
  ctx.method = "OPTIONS";
  ctx.headers = std::move(headers);
  return ctx;
}
std::string HeaderOf(const Reply& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}
}  // namespace

TEST_CASE("a preflight from a configured origin asking for the widget's headers is allowed", "[http][widgets]") {
  const std::vector<std::string> allowed = {"https://app.example"};
  Reply r = Preflight(Ask({{"origin", "https://app.example"},
                           {"access-control-request-method", "POST"},
                           {"access-control-request-headers", "authorization, Content-Type,workos-widgets-version"}}),
                      allowed);
  CHECK(r.status == 200);
  CHECK(HeaderOf(r, "Access-Control-Allow-Origin") == "https://app.example");
  CHECK(HeaderOf(r, "Access-Control-Allow-Credentials").empty());
}

TEST_CASE("a preflight is refused for other origins, methods and headers", "[http][widgets]") {
  const std::vector<std::string> allowed = {"https://app.example"};
  for (auto headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"origin", "https://app.example.evil"}, {"access-control-request-method", "GET"}},
           {{"origin", "https://app.example"}, {"access-control-request-method", "PUT"}},
           {{"origin", "https://app.example"}, {"access-control-request-method", "GET"},
            {"access-control-request-headers", "cookie"}},
           {{"access-control-request-method", "GET"}}}) {
    Reply r = Preflight(Ask(headers), allowed);
    CHECK(r.status == 403);
    CHECK(HeaderOf(r, "Access-Control-Allow-Origin").empty());
  }
  CHECK(Preflight(Ask({{"origin", "https://app.example"}, {"access-control-request-method", "GET"}}), {}).status == 403);
  CHECK(OriginAllowed("https://app.example", {"https://app.example"}));
  CHECK_FALSE(OriginAllowed("https://APP.example", {"https://app.example"}));
}
