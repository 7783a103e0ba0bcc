#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/json_writer.h"

using kl::http::JsonWriter;

TEST_CASE("the streaming writer places commas and colons, escapes strings, and nests", "[http]") {
  JsonWriter w;
  w.StartObject();
  w.Key("a"), w.Int64(-9223372036854775807 - 1);
  w.Key("b"), w.StartArray(), w.String("x\"y\n\x01"), w.Bool(true), w.Null(), w.StartObject(), w.EndObject(), w.EndArray();
  w.Key("c"), w.Raw("{\"k\":[1,2]}");
  w.Key("bad utf-8"), w.String(std::string("\xff") + "ok");
  w.EndObject();
  auto parsed = nlohmann::json::parse(w.str());
  CHECK(parsed["a"] == INT64_MIN);
  CHECK(parsed["b"][0] == "x\"y\n\x01");
  CHECK(parsed["b"][1] == true);
  CHECK(parsed["b"][2].is_null());
  CHECK(parsed["b"][3].is_object());
  CHECK(parsed["c"]["k"][1] == 2);
  CHECK(parsed["bad utf-8"] == "\xEF\xBF\xBDok");
  CHECK(w.str().find('\n') == std::string::npos);
}

TEST_CASE("an empty writer object and array", "[http]") {
  JsonWriter w;
  w.StartArray();
  w.StartArray();
  w.EndArray();
  w.Int64(7);
  w.EndArray();
  CHECK(w.str() == "[[],7]");
}

TEST_CASE("escaping keeps plain runs whole and escapes what sits between them", "[http]") {
  std::string out;
  kl::http::AppendJsonEscaped(std::string_view("plain \"q\" back\\slash tab\tend\x7f" "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xC3"), out);
  CHECK(out == "plain \\\"q\\\" back\\\\slash tab\\tend\\u007f" "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xEF\xBF\xBD");
  std::string all_plain;
  kl::http::AppendJsonEscaped(std::string_view("abc"), all_plain);
  CHECK(all_plain == "abc");
}

TEST_CASE("a plain key is written as given", "[http]") {
  JsonWriter w;
  w.StartObject();
  w.PlainKey("api_key"), w.Null();
  w.PlainKey("valid"), w.Bool(false);
  w.EndObject();
  CHECK(w.str() == "{\"api_key\":null,\"valid\":false}");
}
