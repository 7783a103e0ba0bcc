#include <catch2/catch.hpp>

#include "http/json_input.h"
#include "http/reply.h"

using namespace kl;
using namespace kl::http;

static const std::optional<std::string> kJson = std::string("application/json; charset=utf-8");

TEST_CASE("bodies: media type, size, syntax, UTF-8 and depth", "[http]") {
  CHECK(ParseJsonBody(R"({"a":1})", kJson, false).ok());
  CHECK(ParseJsonBody(R"({"a":1})", std::string("text/plain"), false).status().code() == Code::kUnsupportedMediaType);
  CHECK(ParseJsonBody(R"({"a":1})", std::nullopt, false).status().code() == Code::kUnsupportedMediaType);
  CHECK(ParseJsonBody(std::string(70000, ' '), kJson, false).status().code() == Code::kPayloadTooLarge);
  CHECK(ParseJsonBody("{\"a\":", kJson, false).status().code() == Code::kMalformedJson);
  CHECK(ParseJsonBody("{\"a\":\"\xff\xfe\"}", kJson, false).status().code() == Code::kMalformedJson);
  CHECK(ParseJsonBody(std::string(10000, '[') + std::string(10000, ']'), kJson, false).status().code() ==
        Code::kMalformedJson);
  CHECK(ParseJsonBody("", std::nullopt, true).ok());
  // Brackets inside strings do not count as nesting.
  CHECK(ParseJsonBody("{\"a\":\"" + std::string(100, '[') + "\"}", kJson, false).ok());
}

TEST_CASE("field readers collect every type error", "[http]") {
  auto body = nlohmann::json::parse(R"({"name": 5, "permissions": ["a", 1], "ttl_seconds": "x", "ok": "yes"})");
  FieldReader f(body);
  CHECK_FALSE(f.String("name"));
  CHECK_FALSE(f.StringArray("permissions"));
  CHECK_FALSE(f.Integer("ttl_seconds"));
  CHECK(f.String("ok") == "yes");
  CHECK_FALSE(f.String("absent"));
  CHECK(f.errors().size() == 3);
}

TEST_CASE("the error envelope carries code, message, request id and fields", "[http]") {
  Reply r = ErrorReply(Status::Validation({{"name", "must be 1..200 characters"}}), "rid-1");
  CHECK(r.status == 400);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["error"]["code"] == "validation_error");
  CHECK(j["error"]["request_id"] == "rid-1");
  CHECK(j["error"]["details"]["fields"]["name"] == "must be 1..200 characters");
  Reply u = ErrorReply(Status(Code::kUnauthenticated, "no"), "rid-2");
  CHECK(u.status == 401);
  REQUIRE(u.headers.size() == 1);
  CHECK(u.headers[0].first == "WWW-Authenticate");
}

TEST_CASE("an integer field given a float out of int64's range is a 400, not a cast", "[http]") {
  for (const char* text : {R"({"n": 1e300})", R"({"n": -1e300})", R"({"n": 9.3e18})", R"({"n": 2.5})"}) {
    auto body = nlohmann::json::parse(text);
    FieldReader f(body);
    INFO(text);
    CHECK_FALSE(f.Integer("n"));
    CHECK(f.errors().count("n") == 1);
  }
  auto body = nlohmann::json::parse(R"({"n": 3.0})");
  FieldReader f(body);
  CHECK(f.Integer("n") == 3);
}
