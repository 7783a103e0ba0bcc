#include "events/utf8.h"

namespace kl::events {

Utf8Step NextCodePoint(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return {lead, 1, true};

  size_t need;         // continuation bytes after the lead
  uint8_t lo = 0x80;   // allowed range of the FIRST continuation byte (Table 3-7)
  uint8_t hi = 0xBF;
  uint32_t cp;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1, cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2, cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3, cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {0xFFFD, 1, false};  // a stray continuation byte, C0/C1, or F5..FF
  }

  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) break;
    const uint8_t c = byte(i + k);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) break;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (k <= need) return {0xFFFD, k, false};  // the lead and the continuations that were valid
  return {cp, need + 1, true};
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // ASCII fast path: most event text is ASCII.
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    Utf8Step step = NextCodePoint(s, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    Utf8Step step = NextCodePoint(s, i);
    if (step.valid) out.append(s.substr(i, step.length));
    else out += "\xEF\xBF\xBD";
    i += step.length;
  }
  return out;
}

}  // namespace kl::events
