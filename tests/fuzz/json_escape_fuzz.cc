// Fuzzes AppendJsonEscaped (http/json_escape.h), which writes client-supplied text into log
// lines and responses. For any bytes:
//
// 1. The escaped text, in quotes, is a JSON string nlohmann's parser accepts (it checks RFC 8259
//    escapes and the well-formed UTF-8 ranges independently of events/utf8.cc).
// 2. It parses back to the input itself when nlohmann's serialiser takes the input as valid
//    UTF-8 (another independent check), and otherwise to events::ToValidUtf8(input): one U+FFFD
//    per maximal subpart, as the event renderings write it.
// Links only the events layer: the escaper is a header over events/utf8.h.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "events/utf8.h"
#include "http/json_escape.h"

namespace {

[[noreturn]] void Fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "json_escape_fuzz: %s\ninput (as JSON, repaired): %s\n", what.c_str(),
               nlohmann::json(kl::events::ToValidUtf8(input)).dump().c_str());
  std::abort();
}

bool NlohmannTakesAsUtf8(std::string_view input) {
  try {
    (void)nlohmann::json(std::string(input)).dump();  // strict: throws type_error 316 on ill-formed UTF-8
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string escaped = "\"";
  kl::http::AppendJsonEscaped(input, escaped);
  escaped += '"';
  auto parsed = nlohmann::json::parse(escaped, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_string()) Fail("the escaped text is not a JSON string: " + escaped, input);
  const std::string& back = parsed.get_ref<const std::string&>();
  if (NlohmannTakesAsUtf8(input)) {
    if (back != input) Fail("valid UTF-8 did not come back unchanged", input);
  } else {
    if (back == input) Fail("ill-formed UTF-8 came back unchanged", input);
    if (back != kl::events::ToValidUtf8(input)) Fail("the replacement differs from events::ToValidUtf8", input);
  }
  return 0;
}
