// RFC 3339 times (domain/time.h).
#include <catch2/catch.hpp>

#include "domain/time.h"

using namespace kl;

TEST_CASE("RFC 3339: UTC with milliseconds out, any offset in", "[domain]") {
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTime(1795356360123) == "2026-11-22T14:06:00.123Z");
  CHECK(ParseTime("2026-11-22T14:06:00.123Z") == 1795356360123);
  CHECK(ParseTime("2026-11-22T15:06:00.123+01:00") == 1795356360123);
  CHECK(ParseTime("2026-11-22t14:06:00.1239999z") == 1795356360123);
  CHECK(ParseTime("2024-02-29T00:00:00Z"));
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22T14:06:00", "2026-11-22 14:06:00Z",
                          "2026-11-22T24:00:00Z", "2026-11-22T14:06:00.Z", "2026-11-22T14:06:00Zjunk", ""})
    CHECK_FALSE(ParseTime(bad));
  for (Millis t : {Millis{0}, Millis{951782400000}, Millis{1795356360123}, Millis{4102444799999}})
    CHECK(ParseTime(FormatTime(t)) == t);
}

TEST_CASE("ParseTime refuses instants FormatTime could not write back as RFC 3339", "[domain]") {
  CHECK(kl::ParseTime("9999-12-31T23:59:59.999Z"));
  CHECK_FALSE(kl::ParseTime("9999-12-31T23:59:59-01:00"));  // lands in year 10000
  CHECK(kl::ParseTime("0000-01-01T00:00:00Z"));
  CHECK_FALSE(kl::ParseTime("0000-01-01T00:00:00+01:00"));  // lands in year -1
  auto t = kl::ParseTime("9999-12-31T23:59:59.999Z");
  CHECK(kl::FormatTime(*t) == "9999-12-31T23:59:59.999Z");
}
