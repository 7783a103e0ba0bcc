// The small text rules the input checks share (domain/text.h).
#include <catch2/catch.hpp>

#include <string>

#include "domain/text.h"

using namespace kl;

TEST_CASE("Utf8Length counts code points, not bytes") {
  CHECK(Utf8Length("") == 0);
  CHECK(Utf8Length("abc") == 3);
  CHECK(Utf8Length("\xC3\xA9") == 1);              // é, two bytes
  CHECK(Utf8Length("\xE2\x80\xA6") == 1);          // …, three bytes
  CHECK(Utf8Length("\xF0\x9F\x94\x91key") == 4);   // a four-byte emoji and three letters
}

TEST_CASE("IsBlank is true only for empty or ASCII whitespace") {
  CHECK(IsBlank(""));
  CHECK(IsBlank(" \t\r\n"));
  CHECK_FALSE(IsBlank(" a "));
  CHECK_FALSE(IsBlank("\xC2\xA0"));  // a no-break space is text, not ASCII whitespace
}

TEST_CASE("HasControlChars finds every C0 control and DEL, and nothing else") {
  for (int c = 0; c < 256; ++c) {
    bool want = c < 0x20 || c == 0x7f;
    INFO(c);
    CHECK(HasControlChars("name" + std::string(1, static_cast<char>(c)) + "x") == want);
  }
  CHECK_FALSE(HasControlChars(""));
  CHECK(HasControlChars("evil\r\nX-Injected: 1"));
}
