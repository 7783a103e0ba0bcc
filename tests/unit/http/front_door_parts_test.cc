// The pieces of the HTTP front door, each on its own: the request head parser, the chunked body
// decoder, the response bytes, the validation body's fast reader, and the validation answer's
// per-key template (which must give the same object as the DOM rendering).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/chunked_body.h"
#include "http/render.h"
#include "http/request_head.h"
#include "http/response_bytes.h"
#include "http/validation_body.h"
#include "tests/support/validation_body_oracle.h"

using namespace kl;
using namespace kl::http;

namespace {
std::string HeaderOf(const RequestHead& h, const std::string& name) {
  for (const auto& [k, v] : h.headers)
    if (k == name) return v;
  return "<absent>";
}
}  // namespace

TEST_CASE("request head: line, target, lower-cased names and trimmed values", "[http][front_door]") {
  auto h = ParseRequestHead("POST /v1/keys?limit=5&x=%41 HTTP/1.1\r\nHost: a\r\nX-Thing:  v  \r\nContent-Length: 12\r\n\r\n");
  REQUIRE(h.ok());
  CHECK(h->method == "POST");
  CHECK(h->path == "/v1/keys");
  CHECK(h->query == "limit=5&x=%41");
  CHECK(HeaderOf(*h, "x-thing") == "v");
  CHECK(h->has_length);
  CHECK(h->content_length == 12);
  CHECK_FALSE(h->close);
  CHECK_FALSE(h->chunked);
}

TEST_CASE("request head: connection persistence per version and Connection header", "[http][front_door]") {
  CHECK(ParseRequestHead("GET / HTTP/1.0\r\n\r\n")->close);
  CHECK_FALSE(ParseRequestHead("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")->close);
  CHECK(ParseRequestHead("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n")->close);
  CHECK(ParseRequestHead("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")->expect_continue);
}

TEST_CASE("request head: bare LFs and one leading empty line are accepted", "[http][front_door]") {
  auto h = ParseRequestHead("\r\nGET /healthz HTTP/1.1\nHost: a\n\n");
  REQUIRE(h.ok());
  CHECK(h->path == "/healthz");
  CHECK(HeaderOf(*h, "host") == "a");
}

TEST_CASE("request head: what RFC 9112 says to refuse is refused", "[http][front_door]") {
  const char* bad[] = {
      "GARBAGE\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "G(T / HTTP/1.1\r\n\r\n",
      "GET /a\x01 HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
      "GET / HTTP/1.1\r\nName : v\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
  };
  for (const char* head : bad) {
    INFO(head);
    auto h = ParseRequestHead(head);
    REQUIRE_FALSE(h.ok());
    CHECK(h.status().code() == Code::kMalformedJson);
  }
  // A length beyond 64 bits is a number too big, not a malformed one (413 follows from it).
  CHECK(ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n")->content_length == UINT64_MAX);
  // The same length twice is one length.
  CHECK(ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")->content_length == 3);
  CHECK(ParseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n")->chunked);
}

TEST_CASE("head end: found after a blank line only", "[http][front_door]") {
  CHECK(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n") == std::string_view::npos);
  CHECK(FindHeadEnd("GET / HTTP/1.1\r\n\r\nBODY") == 18);
  CHECK(FindHeadEnd("GET / HTTP/1.1\n\nBODY") == 16);
  CHECK(FindHeadEnd("GET / HTTP/1.1\r\n\r") == std::string_view::npos);
}

TEST_CASE("query: percent-decoded pairs, '+' kept", "[http][front_door]") {
  auto q = ParseQuery("a=1&b=%2Fx&flag&&t=2026-01-01T00:00:00+01:00&bad=%zz");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>{"a", "1"});
  CHECK(q[1].second == "/x");
  CHECK(q[2] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(q[3].second == "2026-01-01T00:00:00+01:00");
  CHECK(q[4].second == "%zz");
}

TEST_CASE("chunked body: decoded whole or a byte at a time, bytes after it left alone", "[http][front_door]") {
  std::string wire = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  {
    ChunkedBody c(1024);
    std::string body;
    size_t used = c.Feed(wire, body);
    CHECK(c.state() == ChunkedBody::State::kDone);
    CHECK(body == "Wikipedia in\r\n\r\nchunks.");
    CHECK(wire.substr(used) == "NEXT");
  }
  {
    ChunkedBody c(1024);
    std::string body;
    size_t used = 0;
    while (c.state() == ChunkedBody::State::kMore) used += c.Feed(std::string_view(wire).substr(used, 1), body);
    CHECK(c.state() == ChunkedBody::State::kDone);
    CHECK(body == "Wikipedia in\r\n\r\nchunks.");
    CHECK(wire.substr(used) == "NEXT");
  }
}

TEST_CASE("chunked body: malformed and oversized bodies are refused", "[http][front_door]") {
  auto state_of = [](std::string_view wire, size_t max) {
    ChunkedBody c(max);
    std::string body;
    c.Feed(wire, body);
    return c.state();
  };
  CHECK(state_of("x\r\n", 100) == ChunkedBody::State::kMalformed);
  CHECK(state_of("3\r\nabcX\r\n", 100) == ChunkedBody::State::kMalformed);
  CHECK(state_of("3\rX", 100) == ChunkedBody::State::kMalformed);
  CHECK(state_of("65\r\n", 100) == ChunkedBody::State::kTooLarge);  // 101 bytes declared
  CHECK(state_of("40\r\n" + std::string(64, 'a') + "\r\n40\r\n", 100) == ChunkedBody::State::kTooLarge);
  CHECK(state_of("ffffffffffffffffff\r\n", 100) == ChunkedBody::State::kTooLarge);
  CHECK(state_of("0\r\n" + std::string(9000, 'a'), 100) == ChunkedBody::State::kTooLarge);  // endless trailer
  CHECK(state_of("3\r\nab", 100) == ChunkedBody::State::kMore);
}

TEST_CASE("response bytes: status line, lengths, our headers, no header injection", "[http][front_door]") {
  std::vector<std::pair<std::string, std::string>> extra = {{"Location", "/x\r\nSet-Cookie: evil"}};
  std::string out;
  AppendResponse(ResponseParts{201, "application/json", "req_1", &extra, "{\"a\":1}", false, true}, out);
  CHECK(out.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  CHECK(out.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CHECK(out.find("\r\nContent-Length: 7\r\n") != std::string::npos);
  CHECK(out.find("\r\nX-Request-Id: req_1\r\n") != std::string::npos);
  CHECK(out.find("\r\nLocation: /xSet-Cookie: evil\r\n") != std::string::npos);
  CHECK(out.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(out.find("\r\nDate: ") != std::string::npos);
  CHECK(out.substr(out.size() - 11) == "\r\n\r\n{\"a\":1}");

  std::string head_only;
  AppendResponse(ResponseParts{200, "text/plain", "", nullptr, "hello", true, false}, head_only);
  CHECK(head_only.find("\r\nContent-Length: 5\r\n") != std::string::npos);
  CHECK(head_only.substr(head_only.size() - 4) == "\r\n\r\n");
  CHECK(head_only.find("Connection") == std::string::npos);
}

TEST_CASE("validation body: the plain shape is read without a DOM", "[http][front_door]") {
  auto b = ReadValidationBodyFast(
      R"({"value":"kl_x","required_permissions":["a","b"],"ip":"10.0.0.1","user_agent":"u\u00e9"})");
  REQUIRE(b);
  CHECK(b->value == "kl_x");
  CHECK(b->required_permissions == std::vector<std::string>{"a", "b"});
  CHECK(b->ip == "10.0.0.1");
  CHECK(b->user_agent == "u\xc3\xa9");

}

TEST_CASE("validation body: anything else goes to the DOM path", "[http][front_door]") {
  const char* other[] = {
      R"({"value":1})",
      R"({"value":"a","required_permissions":"a"})",
      R"({"value":"a","required_permissions":[1]})",
      R"({"value":"a","required_permissions":[["a"]]})",
      // An unknown member, however plain, or a null: the DOM path names it.
      R"({"value":"a","other":1})",
      R"({"value":"a","other":"b"})",
      R"({"value":"a","required_permission":["posts:read"]})",
      R"({"value":null})",
      R"({"value":"a","required_permissions":null})",
      R"({"value":"a","ip":null})",
      R"({"value":"a","other":{"x":1}})",
      R"({"value":"a","other":[1]})",
      R"(["value"])",
      R"("value")",
      R"({"value":"a")",
      R"({"value":"a"} x)",
      "{\"value\":\"\xff\"}",
  };
  for (const char* body : other) {
    INFO(body);
    CHECK_FALSE(ReadValidationBodyFast(body));
  }
}

TEST_CASE("validation body: the plain scanner answers as the DOM does, or declines", "[http][front_door]") {
  const std::string bodies[] = {
      R"({"value":"kl_live_abc"})",
      " \t\r\n{ \"value\" : \"kl_x\" , \"ip\":\"10.0.0.1\" } \n",
      R"({})",
      R"({"value":"a","value":"b"})",
      R"({"value":"a","value":null})",
      R"({"required_permissions":[]})",
      R"({"required_permissions":["a"],"required_permissions":["b","c"]})",
      R"({"required_permissions":["a"],"required_permissions":null})",
      R"({"value":"a","other":"x","more":null,"":"y"})",
      R"x({"user_agent":"curl/8.0 (x86_64) ~!@#$%^&*()"})x",
      R"({"value":"a",})",
      R"({"value":"a",,"ip":"b"})",
      R"({,"value":"a"})",
      R"({"value":"a" "ip":"b"})",
      R"({"required_permissions":["a",]})",
      R"({"required_permissions":[,]})",
      R"({"required_permissions":["a" "b"]})",
      R"({"value":nul})",
      R"({"value":nullx})",
      R"({"value":"a"}})",
      std::string("{\"value\":\"a\"}\0", 14),
      R"({"value":"a\"b"})",
      R"({"value":"a\u0041"})",
      R"({"value":"\/"})",
      "{\"value\":\"tab\there\"}",
      "{\"value\":\"caf\xc3\xa9\"}",
      R"({"value":true})",
      R"({"value":"a","other":1})",
      // An unknown member, however plain, or a null: the DOM path names it.
      R"({"value":"a","other":1})",
      R"({"value":"a","other":"b"})",
      R"({"value":"a","required_permission":["posts:read"]})",
      R"({"value":null})",
      R"({"value":"a","required_permissions":null})",
      R"({"value":"a","ip":null})",
      R"({"value":"a","other":{"x":1}})",
      R"({"value":"a")",
      R"({"value)",
      R"()",
      R"(null)",
      R"(["value"])",
  };
  int accepted = 0;
  for (const std::string& body : bodies) {
    INFO(body);
    auto plain = ScanPlainValidationBody(body);
    auto dom = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!plain) {
      // Declined: the full reader still reads it, exactly as before.
      auto full = ReadValidationBodyFast(body);
      auto expected = dom.is_discarded() ? std::nullopt : kl::testing::ValidationBodyFromDom(dom);
      CHECK(full.has_value() <= expected.has_value());
      if (full && expected) CHECK(kl::testing::SameValidationBody(*full, *expected));
      continue;
    }
    ++accepted;
    REQUIRE_FALSE(dom.is_discarded());
    auto expected = kl::testing::ValidationBodyFromDom(dom);
    REQUIRE(expected);
    CHECK(kl::testing::SameValidationBody(*plain, *expected));
  }
  // Of the first ten, all but the three with a null or an unknown member are plain; the rest are
  // invalid, or need the SAX reader or the DOM path.
  CHECK(accepted == 7);
}

TEST_CASE("validation answer: the per-key template gives the DOM rendering's key", "[http][front_door]") {
  auto key = std::make_shared<KeyState>();
  key->id = "key_1";
  key->org_id = "acme";
  key->name = "name \"quoted\"\n";
  key->prefix = "kl_live";
  key->obfuscated_value = "kl_live_...abcd";
  key->permissions = {"a:read", "b:write"};
  key->metadata = {{"team", "x"}, {"n", 1}};
  key->created_at = 1'700'000'000'000;
  key->updated_at = 1'700'000'000'500;
  key->expires_at = 1'800'000'000'000;
  key->credits = Credits{};
  key->credits->remaining = 7;
  key->usage_count = 3;
  key->last_used_ip = "10.0.0.9";
  key->version = 4;
  std::shared_ptr<const KeyState> shared = key;

  for (Millis now : {Millis{1'750'000'000'000}, Millis{1'850'000'000'000}}) {  // before and after expiry
    ValidationAnswer a;
    a.key = shared;
    for (int round = 0; round < 2; ++round) {  // the second one uses the cached template
      auto parsed = nlohmann::json::parse(SerializeValidation(a, now));
      CHECK(parsed["api_key"] == RenderKey(*key, now));
    }
  }

  projections::KeyUsageView usage;
  usage.usage_count = 42;
  usage.last_used_at = 1'760'000'000'123;
  usage.last_used_ip = "192.0.2.1";
  usage.last_used_user_agent = "agent \"x\"";
  usage.credits_remaining = 6;
  ValidationAnswer a;
  a.key = shared;
  a.usage = &usage;
  auto parsed = nlohmann::json::parse(SerializeValidation(a, 1'750'000'000'000));
  KeyState expected = *key;
  expected.usage_count = 42;
  expected.last_used_at = usage.last_used_at;
  expected.last_used_ip = usage.last_used_ip;
  expected.last_used_user_agent = usage.last_used_user_agent;
  expected.credits->remaining = 6;
  CHECK(parsed["api_key"] == RenderKey(expected, 1'750'000'000'000));
  CHECK(parsed["valid"] == true);
  CHECK(parsed["code"] == "VALID");
}

TEST_CASE("issued key answer: the streamed bytes are the DOM rendering's bytes", "[http][front_door]") {
  KeyState key;
  key.id = "key_1";
  key.org_id = "acme";
  key.name = "name \"quoted\"\n\x01 \xe2\x82\xac";
  key.description = "d";
  key.prefix = "kl_live";
  key.obfuscated_value = "kl_live_\xe2\x80\xa6" "abcd";
  key.permissions = {"a:read", "b:write"};
  key.metadata = {{"team", "x"}, {"n", 1.5}, {"list", {1, nullptr, "s"}}};
  key.created_at = 1'700'000'000'000;
  key.updated_at = 1'700'000'000'500;
  key.expires_at = 1'800'000'000'000;
  key.credits = Credits{7, CreditRefill{10, "daily"}};
  key.ratelimit = RateLimit{5, 1000};
  key.ip_allowlist = {"10.0.0.0/8"};
  key.rotated_from = "key_0";
  key.version = 1;
  const std::string value = "kl_live_0123456789abcdefghijABCDEFGHIJ0123456789abcde";
  for (Millis now : {Millis{1'750'000'000'000}, Millis{1'850'000'000'000}}) {
    std::string expected = nlohmann::json{{"api_key", RenderKey(key, now)}, {"value", value}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    CHECK(SerializeIssuedKey(key, value, now) == expected);
  }
}
