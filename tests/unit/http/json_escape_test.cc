#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "events/utf8.h"
#include "http/json_escape.h"

namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  kl::http::AppendJsonEscaped(text, out);
  return out;
}

const std::string R = "\xEF\xBF\xBD";  // U+FFFD

std::string Times(int n, const std::string& s) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

// The examples of the Unicode Standard (version 15, section 3.9, "U+FFFD Substitution of
// Maximal Subparts", Tables 3-8 to 3-12): each maximal subpart of an ill-formed sequence becomes
// one U+FFFD. The expected strings agree with Python's bytes.decode("utf-8", "replace").
TEST_CASE("json_escape: ill-formed UTF-8 becomes one U+FFFD per maximal subpart (Unicode tables)",
          "[http][json_escape]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Table 3-8: truncated sequences and stray continuations between ASCII.
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", "a" + R + R + R + "b" + R + "c" + R + R + "d"},
      // Table 3-9: non-shortest (overlong) forms.
      {"\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41", Times(8, R) + "A"},
      // Table 3-10: UTF-16 surrogates encoded in UTF-8.
      {"\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41", Times(8, R) + "A"},
      // Table 3-11: past U+10FFFF, an invalid byte, lone continuations.
      {"\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42", Times(5, R) + "A" + R + R + "B"},
      // Table 3-12: truncated sequences.
      {"\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", Times(4, R) + "A"},
      // The single sequences the tables are made of.
      {"\xC0\xAF", R + R},                   // overlong '/'
      {"\xE0\x80\xAF", R + R + R},           // overlong '/' in three bytes
      {"\xF0\x80\x80\xAF", Times(4, R)},     // overlong '/' in four bytes
      {"\xED\xA0\x80", R + R + R},           // U+D800, a high surrogate
      {"\xED\xBF\xBF", R + R + R},           // U+DFFF, a low surrogate
      {"\xF4\x90\x80\x80", Times(4, R)},     // U+110000
      {"\xF8\x88\x80\x80\x80", Times(5, R)}, // an old five-byte form
      {"\xE2\x82", R},                       // truncated at the end
      {"\xF0\x9F\x98", R},
      {"\x80", R},                           // lone continuation bytes
      {"\xBF\xBF", R + R},
      {"\xFE\xFF", R + R},
  };
  for (const auto& [in, want] : cases) {
    INFO(nlohmann::json(kl::events::ToValidUtf8(in)).dump());
    CHECK(Escaped(in) == want);
    CHECK(Escaped(in) == kl::events::ToValidUtf8(in));  // the same replacement as the event renderings
  }
}

TEST_CASE("json_escape: well-formed UTF-8 passes through, including the edges of every range",
          "[http][json_escape]") {
  for (std::string s : {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
                        "\xEF\xBF\xBD", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"}) {
    INFO(nlohmann::json(s).dump());
    CHECK(Escaped(s) == s);
  }
}

TEST_CASE("json_escape: the output is valid UTF-8 and parses back as a JSON string", "[http][json_escape]") {
  const std::string in = std::string("\"quoted\"\\ \n\r\t\x01\x7f ", 16) + "\xC0\xAF ok \xED\xA0\x80 \xE2\x82\xAC \xF4\x90\x80\x80";
  const std::string out = Escaped(in);
  CHECK(kl::events::IsValidUtf8(out));
  auto parsed = nlohmann::json::parse("\"" + out + "\"");
  CHECK(parsed.get<std::string>() ==
        std::string("\"quoted\"\\ \n\r\t\x01\x7f ", 16) + R + R + " ok " + R + R + R + " \xE2\x82\xAC " + Times(4, R));
}
