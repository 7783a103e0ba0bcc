#include "domain/json_depth.h"

#include <string>

#include <catch2/catch.hpp>

namespace kl {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_CASE("JsonNestsDeeperThan counts arrays and objects opened inside one another") {
  CHECK_FALSE(JsonNestsDeeperThan("", 0));
  CHECK_FALSE(JsonNestsDeeperThan("1", 0));
  CHECK(JsonNestsDeeperThan("[]", 0));
  CHECK_FALSE(JsonNestsDeeperThan(Nested(32), 32));
  CHECK(JsonNestsDeeperThan(Nested(33), 32));
  CHECK_FALSE(JsonNestsDeeperThan(R"({"a":[1,{"b":2}]})", 3));
  CHECK(JsonNestsDeeperThan(R"({"a":[1,{"b":[]}]})", 3));
}

TEST_CASE("JsonNestsDeeperThan counts siblings once, not their sum") {
  CHECK_FALSE(JsonNestsDeeperThan("[[],[],[],[]]", 2));
  CHECK_FALSE(JsonNestsDeeperThan(R"({"a":{},"b":{},"c":{}})", 2));
}

TEST_CASE("JsonNestsDeeperThan ignores brackets inside strings, escaped quotes included") {
  CHECK_FALSE(JsonNestsDeeperThan(R"(["[[[[{{{{"])", 1));
  CHECK_FALSE(JsonNestsDeeperThan(R"(["\"[[[[", "\\"])", 1));
  // After an escaped backslash the quote closes the string, so the bracket after it counts.
  CHECK(JsonNestsDeeperThan(R"(["\\", [[]]])", 2));
}

}  // namespace
}  // namespace kl
