#include "http/input_shape.h"

#include <catch2/catch.hpp>

using namespace kl;
using namespace kl::http;
using nlohmann::json;

namespace {

const BodyShape kRefill{{{"amount"}, {"interval"}}};
const BodyShape kCredits{{{"remaining"}, {"refill", &kRefill}}};
const BodyShape kKey{{{"name"}, {"ip_allowlist"}, {"metadata"}, {"credits", &kCredits}}};

}  // namespace

TEST_CASE("input shape: known members pass, unknown ones are named with a suggestion", "[http][strict]") {
  CHECK(UnknownMembers(json{{"name", "a"}, {"ip_allowlist", json::array()}}, kKey).empty());
  CHECK(UnknownMembers(json::object(), kKey).empty());

  auto errors = UnknownMembers(json{{"name", "a"}, {"ip_alowlist", {"10.0.0.0/8"}}, {"expires_in", 60}}, kKey);
  REQUIRE(errors.size() == 2);
  CHECK(errors.at("ip_alowlist") == "is not a known field; did you mean ip_allowlist?");
  CHECK(errors.at("expires_in") == "is not a known field");
}

TEST_CASE("input shape: nested fixed shapes are checked, free-form members are not", "[http][strict]") {
  auto errors = UnknownMembers(
      json{{"metadata", {{"anything", {{"deep", 1}}}}},
           {"credits", {{"remaining", 1}, {"refil", nullptr}, {"refill", {{"amout", 1}, {"interval", "daily"}}}}}},
      kKey);
  REQUIRE(errors.size() == 2);
  CHECK(errors.at("credits.refil") == "is not a known field; did you mean refill?");
  CHECK(errors.at("credits.refill.amout") == "is not a known field; did you mean amount?");
  // A nested member of another type is left to the type check.
  CHECK(UnknownMembers(json{{"credits", 5}}, kKey).empty());
  CHECK(UnknownMembers(json{{"credits", nullptr}}, kKey).empty());
}

TEST_CASE("input shape: an array body is checked element by element", "[http][strict]") {
  const BodyShape report{{{"token"}, {"type"}, {"url"}, {"source"}}};
  auto errors = UnknownMembers(json::array({{{"token", "a"}}, "not an object", {{"token", "b"}, {"tpye", "x"}}}), report);
  REQUIRE(errors.size() == 1);
  CHECK(errors.at("[2].tpye") == "is not a known field; did you mean type?");
  CHECK(UnknownMembers(json("a string"), report).empty());
}

TEST_CASE("input shape: query parameters", "[http][strict]") {
  const QueryShape known{"limit", "cursor", "status"};
  CHECK(UnknownParameters({{"limit", "1"}, {"cursor", "x"}}, known).empty());
  auto errors = UnknownParameters({{"limt", "1"}, {"sort", "name"}}, known);
  REQUIRE(errors.size() == 2);
  CHECK(errors.at("limt") == "is not a known field; did you mean limit?");
  CHECK(errors.at("sort") == "is not a known field");
  CHECK(UnknownParameters({{"x", ""}}, kNoQuery).at("x") == "is not a known field");
}

TEST_CASE("input shape: the suggestion is the nearest name within two edits", "[http][strict]") {
  const std::vector<std::string_view> known{"ip_allowlist", "permissions", "permission_set", "enabled", "id"};
  CHECK(ClosestName("ip_allowlist", known) == "ip_allowlist");
  CHECK(ClosestName("ip_alowlist", known) == "ip_allowlist");           // a deletion
  CHECK(ClosestName("ip_allowlistt", known) == "ip_allowlist");         // an insertion
  CHECK(ClosestName("ip_allwolist", known) == "ip_allowlist");          // two swapped neighbours
  CHECK(ClosestName("permision", known) == "permissions");              // two edits
  CHECK(ClosestName("permission_sets", known) == "permission_set");     // the nearer of two
  CHECK(ClosestName("enabld", known) == "enabled");
  CHECK(ClosestName("idd", known) == "id");
  CHECK_FALSE(ClosestName("expires_in", known));
  CHECK_FALSE(ClosestName("", known));
  CHECK_FALSE(ClosestName("x", std::vector<std::string_view>{}));
}

TEST_CASE("input shape: the error names every unknown field and hints the first", "[http][strict]") {
  Status one = UnknownFieldsError({{"ip_alowlist", "is not a known field; did you mean ip_allowlist?"}});
  CHECK(one.code() == Code::kValidation);
  CHECK(one.message() == "unknown field ip_alowlist; did you mean ip_allowlist?");
  CHECK(one.fields().size() == 1);
  Status two = UnknownFieldsError({{"a", "is not a known field"}, {"b", "is not a known field"}});
  CHECK(two.message() == "unknown field a (and 1 more)");
  CHECK(two.fields().size() == 2);
}

TEST_CASE("input shape: a hostile member name is cut in the answer", "[http][strict]") {
  std::string long_name(100000, 'x');
  auto errors = UnknownMembers(json{{long_name, 1}}, kKey);
  REQUIRE(errors.size() == 1);
  CHECK(errors.begin()->first.size() < 100);
}

TEST_CASE("input shape: thousands of unknown members give a bounded answer", "[http][strict]") {
  json body = json::object();
  for (int i = 0; i < 5000; ++i) body["m" + std::to_string(i)] = i;
  CHECK(UnknownMembers(body, kKey).size() == 32);
}

TEST_CASE("input shape: a member holding an array of fixed shapes is checked in each element", "[http][strict]") {
  const BodyShape hash{{{"value"}, {"variant"}}};
  const BodyShape item{{{"hash", &hash}, {"name"}}};
  const BodyShape batch{{{"keys", &item}}};
  auto errors = UnknownMembers(
      json{{"keys", json::array({{{"name", "a"}}, 7, {{"nme", "b"}, {"hash", {{"value", "x"}, {"varaint", "y"}}}}})}},
      batch);
  REQUIRE(errors.size() == 2);
  CHECK(errors.at("keys[2].nme") == "is not a known field; did you mean name?");
  CHECK(errors.at("keys[2].hash.varaint") == "is not a known field; did you mean variant?");
}
