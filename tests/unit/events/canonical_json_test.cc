#include <catch2/catch.hpp>

#include <cstring>

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
