#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "events/utf8.h"

using namespace kl::events;

// Expected outputs are Python's bytes.decode("utf-8", "replace"), the reference an auditor's
// script would use, re-encoded as UTF-8 (EF BF BD is U+FFFD).
TEST_CASE("ill-formed UTF-8 becomes one U+FFFD per maximal subpart", "[events][utf8]") {
  const std::string R = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xC0\x80", R + R},                  // overlong NUL
      {"\xE0\x80\x80", R + R + R},          // overlong 3-byte
      {"\xED\xA0\x80", R + R + R},          // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", R + R + R + R},  // above U+10FFFF
      {"\xE2\x82", R},                      // truncated at the end
      {"\xE2\x82" "A", R + "A"},            // truncated before ASCII
      {"\xF0\x9F\x98", R},
      {"\x80\xBF", R + R},                  // stray continuations
      {"\xF5", R},
      {"\xFF\xFE", R + R},
      {"a\xE2\x82\xAC\xE2", "a\xE2\x82\xAC" + R},
      {"\xC2", R},
      {"\xE1\x80\xC0", R + R},
  };
  for (const auto& [in, want] : cases) {
    INFO(in);
    CHECK_FALSE(IsValidUtf8(in));
    CHECK(ToValidUtf8(in) == want);
    CHECK(IsValidUtf8(ToValidUtf8(in)));
  }
}

TEST_CASE("valid UTF-8 passes untouched, including the edges of each range", "[events][utf8]") {
  for (std::string s : {std::string(""), std::string("plain ascii"), std::string("\0nul", 4), std::string("\xC2\x80"),
                        std::string("\xDF\xBF"), std::string("\xE0\xA0\x80"), std::string("\xED\x9F\xBF"),
                        std::string("\xEE\x80\x80"), std::string("\xEF\xBF\xBF"), std::string("\xF0\x90\x80\x80"),
                        std::string("\xF4\x8F\xBF\xBF"), std::string("f\xC3\xBCr \xE2\x82\xAC \xF0\x9F\x98\x80")}) {
    INFO(s);
    CHECK(IsValidUtf8(s));
    CHECK(ToValidUtf8(s) == s);
  }
  auto step = NextCodePoint("\xF0\x9F\x98\x80", 0);
  CHECK(step.valid);
  CHECK(step.code_point == 0x1F600);
  CHECK(step.length == 4);
}
