// Base62 encoding of secrets and checksums (domain/base62.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/base62.h"

using namespace kl;

TEST_CASE("base62 reads bytes as one big-endian number, left-padded", "[domain]") {
  uint8_t zeros[32] = {};
  CHECK(Base62Encode(zeros, 32, 43) == std::string(43, '0'));
  uint8_t ones[32];
  std::fill(std::begin(ones), std::end(ones), 0xFF);
  // int.from_bytes(b'\xff'*32, 'big') in base62 (0-9A-Za-z), computed independently.
  CHECK(Base62Encode(ones, 32, 43) == "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");
  CHECK(Base62EncodeU32(0xFFFFFFFF, 6) == "4gfFC3");
  CHECK(Base62EncodeU32(61, 6) == "00000z");
}

namespace {
// The plain byte-at-a-time division the word-at-a-time encoder must agree with.
std::string ReferenceBase62(std::vector<uint8_t> num, size_t width) {
  static const char* kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (std::any_of(num.begin(), num.end(), [](uint8_t b) { return b != 0; })) {
    uint32_t rem = 0;
    for (uint8_t& b : num) {
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 62);
      rem = cur % 62;
    }
    out.insert(out.begin(), kDigits[rem]);
  }
  if (out.size() < width) out.insert(0, width - out.size(), '0');
  return out;
}
}  // namespace

TEST_CASE("base62 agrees with plain long division for every length and many values", "[domain]") {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17, static_cast<uint8_t>(x); };
  for (size_t n = 0; n <= 40; ++n) {
    for (int round = 0; round < 50; ++round) {
      std::vector<uint8_t> bytes(n);
      for (auto& b : bytes) b = next();
      if (round == 1 && n > 0) bytes[0] = 0;                  // leading zero bytes
      if (round == 2) std::fill(bytes.begin(), bytes.end(), 0);  // zero
      if (round == 3) std::fill(bytes.begin(), bytes.end(), 0xFF);
      for (size_t width : {size_t{0}, size_t{6}, size_t{43}, size_t{80}}) {
        INFO("n=" << n << " round=" << round << " width=" << width);
        CHECK(Base62Encode(bytes.data(), n, width) == ReferenceBase62(bytes, width));
      }
    }
  }
}

TEST_CASE("IsBase62 accepts exactly the alphabet") {
  for (int c = 0; c < 256; ++c) {
    bool want = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    CHECK(IsBase62(std::string(1, static_cast<char>(c))) == want);
    CHECK(IsBase62("abc" + std::string(1, static_cast<char>(c)) + "XYZ") == want);
  }
  CHECK(IsBase62(""));
}
