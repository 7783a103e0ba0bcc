// SanitizeJson (events/sanitize.h): every event renders, whatever bytes came in from outside.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "events/sanitize.h"
#include "events/utf8.h"

using nlohmann::json;
using kl::events::SanitizeJson;

TEST_CASE("invalid UTF-8 in strings, nested or not, is repaired so dump() no longer throws") {
  json v = {{"ua", std::string("curl\xff/8")}, {"list", {std::string("ok"), std::string("\xc3")}}};
  CHECK_THROWS(v.dump());
  SanitizeJson(v);
  CHECK_NOTHROW(v.dump());
  CHECK(kl::events::IsValidUtf8(v["ua"].get<std::string>()));
  CHECK(v["list"][0] == "ok");
  CHECK(kl::events::IsValidUtf8(v["list"][1].get<std::string>()));
}

TEST_CASE("NaN and infinities become null, as JSON.stringify writes them; finite numbers stay") {
  json v = {{"nan", std::nan("")}, {"inf", std::numeric_limits<double>::infinity()}, {"x", 1.5}, {"n", 7}};
  SanitizeJson(v);
  CHECK(v["nan"].is_null());
  CHECK(v["inf"].is_null());
  CHECK(v["x"] == 1.5);
  CHECK(v["n"] == 7);
}

TEST_CASE("a repaired key that collides with a valid one loses to it, deterministically") {
  json v = json::object();
  std::string bad_key = "k\xff";
  v[bad_key] = 1;
  v[kl::events::ToValidUtf8(bad_key)] = 2;  // the key the bad one repairs to, already valid
  SanitizeJson(v);
  CHECK_NOTHROW(v.dump());
  REQUIRE(v.size() == 1);
  CHECK(v[kl::events::ToValidUtf8(bad_key)] == 2);
}

TEST_CASE("a value that is already representable is left exactly as it was") {
  json v = {{"name", "caf\xc3\xa9"}, {"tags", {"a", "b"}}, {"n", nullptr}, {"b", true}};
  json before = v;
  SanitizeJson(v);
  CHECK(v == before);
}
