#include "domain/base62.h"

#include <algorithm>
#include <array>
#include <vector>

namespace kl {

static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string Base62Encode(const uint8_t* bytes, size_t n, size_t width) {
  // Long division of the big-endian number, 32 bits at a time, by 62^5: five digits per pass
  // instead of one, and a word per step instead of a byte (every key creation encodes a secret).
  constexpr uint64_t kChunk = 62ull * 62 * 62 * 62 * 62;  // 916132832 < 2^30: remainders fit
  std::vector<uint32_t> limbs((n + 3) / 4, 0);
  for (size_t i = 0; i < n; ++i) {
    size_t from_end = n - 1 - i;  // byte i's place, counted from the least significant byte
    limbs[limbs.size() - 1 - from_end / 4] |= static_cast<uint32_t>(bytes[i]) << (8 * (from_end % 4));
  }
  std::string out;  // least significant digit first
  out.reserve(std::max(width, n * 4 / 3 + 5));
  size_t start = 0;
  while (start < limbs.size() && limbs[start] == 0) ++start;
  while (start < limbs.size()) {
    uint64_t rem = 0;
    for (size_t i = start; i < limbs.size(); ++i) {
      uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    for (int d = 0; d < 5; ++d, rem /= 62) out.push_back(kAlphabet[rem % 62]);
    while (start < limbs.size() && limbs[start] == 0) ++start;
  }
  while (!out.empty() && out.back() == '0') out.pop_back();  // the last chunk's leading zeros
  if (out.size() < width) out.append(width - out.size(), '0');
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
