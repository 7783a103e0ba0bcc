// Appends text as the body of a JSON string (no quotes): RFC 8259 escapes, and each ill-formed
// UTF-8 sequence (overlong forms, encoded surrogates, code points past U+10FFFF, truncated
// sequences, stray continuation bytes) as one U+FFFD per maximal subpart, the replacement the
// event renderings use (events/utf8.h). Whatever a client sent, the output is valid UTF-8 and a
// log line stays valid JSON.
#pragma once
#include <string_view>

#include "events/utf8.h"

namespace kl::http {

template <typename Buffer>  // std::string or fmt's memory buffer
void AppendJsonEscaped(std::string_view text, Buffer& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto put = [&out](std::string_view s) { out.append(s.data(), s.data() + s.size()); };
  for (size_t i = 0; i < text.size();) {
    // The common case first: a run of printable ASCII that needs no escape, appended at once.
    size_t run = i;
    while (run < text.size()) {
      unsigned char r = static_cast<unsigned char>(text[run]);
      if (r < 0x20 || r >= 0x7f || r == '"' || r == '\\') break;
      ++run;
    }
    if (run > i) {
      put(text.substr(i, run - i));
      i = run;
      if (i == text.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      const char esc[2] = {'\\', static_cast<char>(c)};
      put(std::string_view(esc, 2)), ++i;
    } else if (c == '\n') {
      put("\\n"), ++i;
    } else if (c == '\r') {
      put("\\r"), ++i;
    } else if (c == '\t') {
      put("\\t"), ++i;
    } else if (c < 0x20 || c == 0x7f) {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 6)), ++i;
    } else {
      const events::Utf8Step step = events::NextCodePoint(text, i);
      put(step.valid ? text.substr(i, step.length) : std::string_view("\xEF\xBF\xBD"));
      i += step.length;
    }
  }
}

}  // namespace kl::http
