// Appends text as the body of a JSON string (no quotes): RFC 8259 escapes, and every byte that
// is not part of valid UTF-8 as U+FFFD, so whatever a client sent, a log line stays valid JSON.
#pragma once
#include <string_view>

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
      size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
      bool ok = len > 0 && i + len <= text.size();
      for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (ok) {
        put(text.substr(i, len)), i += len;
      } else {
        put("\xEF\xBF\xBD"), ++i;
      }
    }
  }
}

}  // namespace kl::http
