#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/compat/unkey/envelope.h"

using namespace kl;
using namespace kl::http::unkey;
using nlohmann::json;

TEST_CASE("Unkey answers carry meta.requestId and data", "[http][unkey]") {
  auto r = DataReply({{"keyId", "key_1"}}, "req_1");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(json::parse(r.body) == json{{"meta", {{"requestId", "req_1"}}}, {"data", {{"keyId", "key_1"}}}});
}

TEST_CASE("a page omits the cursor on the last page", "[http][unkey]") {
  json more = json::parse(PageReply(json::array(), std::string("c2"), "r").body);
  CHECK(more.at("pagination") == json{{"cursor", "c2"}, {"hasMore", true}});
  json last = json::parse(PageReply(json::array(), std::nullopt, "r").body);
  CHECK(last.at("pagination") == json{{"hasMore", false}});
}

TEST_CASE("errors use Unkey's shape and statuses, as application/json", "[http][unkey]") {
  auto bad = ErrorReply(Status::Validation({{"expires_at", "must be in the future"}, {"roles", "no"}}), "r");
  CHECK(bad.status == 400);
  CHECK(bad.content_type == "application/json");  // the client's typed 400 needs it
  json b = json::parse(bad.body);
  CHECK(b.at("meta").at("requestId") == "r");
  CHECK(b.at("error").at("status") == 400);
  CHECK(b.at("error").at("title") == "Bad Request");
  CHECK(b.at("error").at("detail") == "body.expires must be in the future");
  CHECK(b.at("error").at("errors") ==
        json::array({{{"location", "body.expires"}, {"message", "must be in the future"}},
                     {{"location", "body.roles"}, {"message", "no"}}}));

  // A 400 without fields still carries the array the client requires.
  CHECK(json::parse(ErrorReply(Status(Code::kMalformedJson, "x"), "r").body).at("error").at("errors") == json::array());
  // No other status carries it.
  json nf = json::parse(ErrorReply(Status(Code::kNotFound, "gone"), "r").body);
  CHECK(nf.at("error").at("status") == 404);
  CHECK(nf.at("error").at("detail") == "gone");
  CHECK_FALSE(nf.at("error").contains("errors"));

  CHECK(ErrorReply(Status(Code::kUnauthenticated, "x"), "r").status == 401);
  CHECK(ErrorReply(Status(Code::kPermissionDenied, "x"), "r").status == 403);
  CHECK(ErrorReply(Status(Code::kTenantInactive, "x"), "r").status == 403);  // Unkey has no 402
  CHECK(ErrorReply(Status(Code::kConflict, "x"), "r").status == 409);
  CHECK(ErrorReply(Status(Code::kInternal, "x"), "r").status == 500);
}

TEST_CASE("keyledger field names become the Unkey member they came from", "[http][unkey]") {
  CHECK(UnkeyLocation("metadata") == "body.meta");
  CHECK(UnkeyLocation("ratelimit.window_ms") == "body.ratelimits[0].window_ms");
  CHECK(UnkeyLocation("credits.refill.amount") == "body.credits.refill.amount");
  CHECK(UnkeyLocation("name") == "body.name");
}
