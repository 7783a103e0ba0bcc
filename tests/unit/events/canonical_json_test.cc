#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "events/canonical_json.h"

using kl::events::Canonicalize;
using nlohmann::json;

static std::string Num(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return Canonicalize(json(d));
}

TEST_CASE("RFC 8785 §3.2.2 example: numbers, strings and literals", "[events][jcs]") {
  auto in = json::parse(R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })");
  CHECK(Canonicalize(in) ==
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST_CASE("RFC 8785 §3.2.3 example: properties sort by UTF-16 code units", "[events][jcs]") {
  auto in = json::parse(R"({
    "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })");
  std::string out = Canonicalize(in);
  std::vector<std::string> order = {"\\r", "1", "\xc2\x80", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                    "\xef\xac\xb3"};
  size_t pos = 0;
  for (const auto& k : order) {
    size_t at = out.find("\"" + k + "\"", pos);
    INFO(k);
    REQUIRE(at != std::string::npos);
    pos = at;
  }
}

TEST_CASE("RFC 8785 Appendix B: ECMAScript number serialisation", "[events][jcs]") {
  CHECK(Num(0x0000000000000000) == "0");
  CHECK(Num(0x8000000000000000) == "0");
  CHECK(Num(0x0000000000000001) == "5e-324");
  CHECK(Num(0x8000000000000001) == "-5e-324");
  CHECK(Num(0x7fefffffffffffff) == "1.7976931348623157e+308");
  CHECK(Num(0xffefffffffffffff) == "-1.7976931348623157e+308");
  CHECK(Num(0x4340000000000000) == "9007199254740992");
  CHECK(Num(0xc340000000000000) == "-9007199254740992");
  CHECK(Num(0x4430000000000000) == "295147905179352830000");
  CHECK(Num(0x44b52d02c7e14af5) == "9.999999999999997e+22");
  CHECK(Num(0x44b52d02c7e14af6) == "1e+23");
  CHECK(Num(0x44b52d02c7e14af7) == "1.0000000000000001e+23");
  CHECK(Num(0x444b1ae4d6e2ef4e) == "999999999999999700000");
  CHECK(Num(0x444b1ae4d6e2ef4f) == "999999999999999900000");
  CHECK(Num(0x444b1ae4d6e2ef50) == "1e+21");
  CHECK(Num(0x3eb0c6f7a0b5ed8c) == "9.999999999999997e-7");
  CHECK(Num(0x3eb0c6f7a0b5ed8d) == "0.000001");
  CHECK(Num(0x41b3de4355555553) == "333333333.3333332");
  CHECK(Num(0x41b3de4355555554) == "333333333.33333325");
  CHECK(Num(0x41b3de4355555555) == "333333333.3333333");
  CHECK(Num(0x41b3de4355555556) == "333333333.3333334");
  CHECK(Num(0x41b3de4355555557) == "333333333.33333343");
  CHECK(Num(0xbecbf647612f3696) == "-0.0000033333333333333333");
  CHECK(Num(0x43143ff3c1cb0959) == "1424953923781206.2");
}

TEST_CASE("integers print exactly and nesting canonicalises recursively", "[events][jcs]") {
  CHECK(Canonicalize(json::parse(R"({"b":[1,{"z":2,"a":-3}],"a":18446744073709})")) ==
        R"({"a":18446744073709,"b":[1,{"a":-3,"z":2}]})");
  CHECK(Canonicalize(json("tab\there\x7f")) == "\"tab\\there\x7f\"");
}

TEST_CASE("RFC 8785 §3.2.3 example: the exact sorted output", "[events][jcs]") {
  auto in = json::parse(R"({"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh",
    "1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"})");
  CHECK(Canonicalize(in) ==
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST_CASE("ECMAScript switches to exponent form below 1e-6 and from 1e21", "[events][jcs]") {
  CHECK(Canonicalize(json(1e21)) == "1e+21");
  CHECK(Canonicalize(json(1e20)) == "100000000000000000000");
  CHECK(Canonicalize(json(123456789012345680000.0)) == "123456789012345680000");
  CHECK(Canonicalize(json(1.5e21)) == "1.5e+21");
  CHECK(Canonicalize(json(1e-7)) == "1e-7");
  CHECK(Canonicalize(json(1.5e-7)) == "1.5e-7");
  CHECK(Canonicalize(json(1e-6)) == "0.000001");
  CHECK(Canonicalize(json(0.1)) == "0.1");
  CHECK(Canonicalize(json(-1.5)) == "-1.5");
  CHECK(Canonicalize(json(100.0)) == "100");  // a float with an integral value prints as an integer
  CHECK(Canonicalize(json(-0.0)) == "0");
  CHECK(Canonicalize(json(5e-324)) == "5e-324");
  CHECK(Canonicalize(json::parse("[1E30, 4.50, 2e-3, 0.000000000000000000000000001]")) == "[1e+30,4.5,0.002,1e-27]");
}

TEST_CASE("integers print exactly up to 2^53, beyond that as the double they round to", "[events][jcs]") {
  CHECK(Canonicalize(json(int64_t{0})) == "0");
  CHECK(Canonicalize(json(int64_t{-42})) == "-42");
  CHECK(Canonicalize(json(int64_t{9007199254740992})) == "9007199254740992");
  CHECK(Canonicalize(json(int64_t{-9007199254740992})) == "-9007199254740992");
  CHECK(Canonicalize(json(int64_t{9007199254740993})) == "9007199254740992");
  CHECK(Canonicalize(json(INT64_MIN)) == "-9223372036854776000");
  CHECK(Canonicalize(json(UINT64_MAX)) == "18446744073709552000");
  CHECK(Canonicalize(json(uint64_t{1795356360123})) == "1795356360123");
}

TEST_CASE("strings: JSON.stringify's escapes and nothing more", "[events][jcs]") {
  const char* kShort[] = {"\\b", "\\t", "\\n", nullptr, "\\f", "\\r"};  // 0x08..0x0d
  for (int c = 0; c < 0x20; ++c) {
    std::string want;
    if (c >= 8 && c <= 13 && kShort[c - 8]) {
      want = kShort[c - 8];
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      want = buf;
    }
    INFO(c);
    CHECK(Canonicalize(json(std::string(1, static_cast<char>(c)))) == "\"" + want + "\"");
  }
  // Not escaped: DEL, '/', U+2028/9 (JSON.stringify leaves them), non-ASCII, '<'.
  CHECK(Canonicalize(json("\x7f/\xe2\x80\xa8\xe2\x80\xa9<\xf0\x9f\x98\x80")) ==
        "\"\x7f/\xe2\x80\xa8\xe2\x80\xa9<\xf0\x9f\x98\x80\"");
  CHECK(Canonicalize(json("\"\\")) == R"("\"\\")");
}

TEST_CASE("containers: arrays keep their order, empties stay compact", "[events][jcs]") {
  CHECK(Canonicalize(json::parse(R"({ "b" : [ 3, 1, 2 ], "a" : { }, "c" : [ ] })")) == R"({"a":{},"b":[3,1,2],"c":[]})");
  CHECK(Canonicalize(json::parse(R"([{"b":1,"a":2},[{"d":null,"c":false}]])")) == R"([{"a":2,"b":1},[{"c":false,"d":null}]])");
}

TEST_CASE("what RFC 8785 cannot express is refused", "[events][jcs]") {
  CHECK_THROWS_AS(Canonicalize(json(std::nan(""))), std::domain_error);
  CHECK_THROWS_AS(Canonicalize(json(std::numeric_limits<double>::infinity())), std::domain_error);
  CHECK_THROWS_AS(Canonicalize(json(-std::numeric_limits<double>::infinity())), std::domain_error);
  CHECK_THROWS_AS(Canonicalize(json("bad \xff")), std::domain_error);
  CHECK_THROWS_AS(Canonicalize(json{{"bad \xc0\x80", 1}}), std::domain_error);
  CHECK_THROWS_AS(Canonicalize(json::binary({1, 2})), std::domain_error);
}

TEST_CASE("ASCII property names sort by code unit: digits, upper case, '_', lower case", "[events][jcs]") {
  // The all-ASCII fast path must give the order the UTF-16 sort gives.
  CHECK(Canonicalize(json::parse(R"({"b":1,"B":2,"_":3,"a":4,"1":5,"a_b":6,"aB":7,"":8})")) ==
        R"({"":8,"1":5,"B":2,"_":3,"a":4,"aB":7,"a_b":6,"b":1})");
  // A non-ASCII name anywhere in the object takes the general path, nested ASCII objects the fast one.
  CHECK(Canonicalize(json::parse(R"({"\u00e9":{"z":1,"y":2},"e":0})")) == "{\"e\":0,\"\xc3\xa9\":{\"y\":2,\"z\":1}}");
}
