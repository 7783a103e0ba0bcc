#include "domain/base62.h"

#include <algorithm>
#include <array>
#include <vector>

namespace kl {

static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string Base62Encode(const uint8_t* bytes, size_t n, size_t width) {
  // Repeated division of the big-endian number by 62; fine for the 32-byte values we encode.
  std::vector<uint8_t> num(bytes, bytes + n);
  std::string out;
  size_t start = 0;
  while (start < num.size() && num[start] == 0) ++start;
  while (start < num.size()) {
    uint32_t rem = 0;
    for (size_t i = start; i < num.size(); ++i) {
      uint32_t cur = (rem << 8) | num[i];
      num[i] = static_cast<uint8_t>(cur / 62);
      rem = cur % 62;
    }
    out.push_back(kAlphabet[rem]);
    while (start < num.size() && num[start] == 0) ++start;
  }
  while (out.size() < width) out.push_back('0');
  std::reverse(out.begin(), out.end());
  return out;
}

std::string Base62EncodeU32(uint32_t value, size_t width) {
  uint8_t be[4] = {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                   static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
  return Base62Encode(be, 4, width);
}

bool Base62EqualsU32(std::string_view text, uint32_t value) {
  uint64_t v = value;
  for (size_t i = text.size(); i-- > 0; v /= 62)
    if (text[i] != kAlphabet[v % 62]) return false;
  return v == 0;  // nothing left over: the value fit the width
}

namespace {
// One load per character instead of three range compares (this runs on every validation).
constexpr std::array<bool, 256> MakeBase62Table() {
  std::array<bool, 256> t{};
  for (const char* c = kAlphabet; *c; ++c) t[static_cast<unsigned char>(*c)] = true;
  return t;
}
constexpr std::array<bool, 256> kIsBase62 = MakeBase62Table();
}  // namespace

bool IsBase62(std::string_view s) {
  bool ok = true;
  for (char c : s) ok &= kIsBase62[static_cast<unsigned char>(c)];  // no early exit: no branch per char
  return ok;
}

}  // namespace kl
