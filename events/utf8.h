// UTF-8 decoding shared by the JSON rendering (which must only ever emit valid UTF-8) and the
// RFC 8785 canonicaliser (which sorts keys by UTF-16 code units and rejects invalid text).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kl::events {

struct Utf8Step {
  uint32_t code_point = 0;  // U+FFFD when !valid
  size_t length = 1;        // bytes consumed; >= 1, so a loop always advances
  bool valid = false;
};

// Decodes the sequence starting at s[i] (i < s.size()) by the well-formed byte ranges of
// Unicode Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF. An ill-formed
// sequence consumes its "maximal subpart" (Unicode §3.9), the same unit Python's
// decode("utf-8", "replace") and the WHATWG decoder turn into one U+FFFD.
Utf8Step NextCodePoint(std::string_view s, size_t i);

bool IsValidUtf8(std::string_view s);

// `s` with each maximal ill-formed subpart replaced by U+FFFD (EF BF BD). Valid text is returned
// unchanged. Event renderings depend on this, so its behaviour is frozen like theirs.
std::string ToValidUtf8(std::string_view s);

}  // namespace kl::events
