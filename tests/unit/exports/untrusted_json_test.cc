// Reading an export's JSON that came from elsewhere (exports/untrusted_json.h).
#include <catch2/catch.hpp>

#include <string>

#include "exports/untrusted_json.h"

using namespace kl::exports;

TEST_CASE("ParseBoundedJson refuses invalid JSON and nesting past the bound before building it") {
  CHECK(ParseBoundedJson(R"({"a":[1,2]})", 2).has_value());
  CHECK_FALSE(ParseBoundedJson(R"({"a":[1,2]})", 1).has_value());
  CHECK_FALSE(ParseBoundedJson("{", 8).has_value());
  CHECK_FALSE(ParseBoundedJson("", 8).has_value());
  std::string deep(100000, '[');
  CHECK_FALSE(ParseBoundedJson(deep, 64).has_value());  // counted, never parsed
}

TEST_CASE("fields are read only as the type they must have") {
  auto doc = ParseBoundedJson(R"({"s":"x","n":5,"neg":-1,"f":1.5,"big":1e300,"obj":{}})", 4);
  REQUIRE(doc);
  CHECK(StringField(*doc, "s") == "x");
  CHECK_FALSE(StringField(*doc, "n").has_value());
  CHECK_FALSE(StringField(*doc, "missing").has_value());
  CHECK(UnsignedField(*doc, "n") == 5u);
  CHECK_FALSE(UnsignedField(*doc, "neg").has_value());
  CHECK_FALSE(UnsignedField(*doc, "f").has_value());
  CHECK_FALSE(UnsignedField(*doc, "big").has_value());
  CHECK_FALSE(UnsignedField(*doc, "s").has_value());
  CHECK_FALSE(StringField(nlohmann::json::array(), "s").has_value());
  CHECK_FALSE(UnsignedField(nlohmann::json("text"), "n").has_value());
}
